/** What of the client's request reaches the provider: path, query and headers. */
import { describe, expect, it } from 'vitest';
import { forwardedHeaders, forwardedPath, sentBody, admissionView } from '../src/client-request.js';
import { bedrockModel, pricedEndpoint } from '../src/provider-routes.js';

describe('the forwarded request', () => {
  it('keeps the path and query as sent (percent-encoding included), less a gateway key in ?key=', () => {
    expect(forwardedPath('/bedrock/model/anthropic.claude-3%3A0/converse', '/bedrock')).toEqual({ path: '/model/anthropic.claude-3%3A0/converse', pathname: '/model/anthropic.claude-3%3A0/converse' });
    expect(forwardedPath('/gemini/v1beta/models/g:streamGenerateContent?alt=sse&key=sk-1&k%65y=sk-2', '/gemini', ['key']).path).toBe('/v1beta/models/g:streamGenerateContent?alt=sse');
    expect(forwardedPath('/gemini/v1beta/models?key=sk-1', '/gemini', ['key']).path).toBe('/v1beta/models');
  });

  it('refuses dot segments, encoded or not, with a 400', () => {
    for (const url of ['/openai/v1/../admin', '/openai/v1/%2e%2e/admin', '/openai/./v1', '/openai/%2E/x']) {
      expect(() => forwardedPath(url, '/openai')).toThrow(expect.objectContaining({ status: 400 }));
    }
  });

  it('drops the caller’s credentials, AWS signature headers and hop-by-hop headers', () => {
    const out = forwardedHeaders({
      authorization: 'Bearer sk-virtual',
      'x-api-key': 'sk-virtual',
      'api-key': 'sk-virtual',
      'x-goog-api-key': 'sk-virtual',
      'x-litellm-api-key': 'sk-virtual',
      cookie: 'session=1',
      'x-amz-date': '20261207T000000Z',
      'x-amz-security-token': 't',
      connection: 'keep-alive',
      host: 'gateway',
      'content-length': '10',
      'accept-encoding': 'gzip',
      'content-type': 'application/json',
      'anthropic-beta': 'a,b',
      'x-amzn-bedrock-trace': 'ENABLED',
      accept: ['text/event-stream', 'application/json'],
    });
    expect(out).toEqual({ 'content-type': 'application/json', 'anthropic-beta': 'a,b', 'x-amzn-bedrock-trace': 'ENABLED', accept: 'text/event-stream, application/json' });
  });

  it('sends the client’s bytes unless the preCall chain changed the body, and then keeps the change without adding model', () => {
    const bytes = new TextEncoder().encode('{"messages":[{"text":"my key is sk-123"}]}');
    const json = JSON.parse(new TextDecoder().decode(bytes));
    const view = admissionView(json, 'amazon.nova');
    expect(sentBody(bytes, json, view.before, { ...json, model: 'amazon.nova' })).toBe(bytes);
    // A guardrail that redacts in place.
    const admitted = { ...json, model: 'amazon.nova' };
    admitted.messages[0].text = 'my key is [REDACTED]';
    expect(new TextDecoder().decode(sentBody(bytes, json, view.before, admitted))).toBe('{"messages":[{"text":"my key is [REDACTED]"}]}');
  });

  it('reads Bedrock’s model id as LiteLLM does, and prices by the path', () => {
    expect(bedrockModel('/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream')).toBe('us.anthropic.claude-3-5-sonnet-20241022-v2:0');
    expect(bedrockModel('/model/aws/anthropic/bedrock-claude/invoke')).toBe('aws/anthropic/bedrock-claude');
    expect(bedrockModel('/model/application-inference-profile/abc123/converse')).toBe('application-inference-profile/abc123');
    expect(bedrockModel('/agents/a1/agentAliases/x/sessions/s/text')).toBeUndefined();
    expect(pricedEndpoint('/v1/embeddings')).toBe('embeddings');
    expect(pricedEndpoint('/v2/rerank')).toBe('rerank');
    expect(pricedEndpoint('/v1/responses')).toBe('responses');
    expect(pricedEndpoint('/v1/completions')).toBe('completions');
    expect(pricedEndpoint('/v1/chat/completions')).toBe('chat');
    expect(pricedEndpoint('/v1beta/models/text-embedding-004:batchEmbedContents')).toBe('embeddings');
  });
});
