/** Where a Bedrock pass-through request goes and how it is signed (the HTTP client is recorded, not called). */
import { describe, expect, it } from 'vitest';
import type { DeploymentConfig, HttpClient, HttpRequestOptions, HttpTarget } from '@sluice/plugin-sdk';
import { resolveSettings } from '../src/deployment-settings.js';
import { createBedrockForward } from '../src/forward-request.js';
import { verifySigV4 } from '../../../test/support/aws-sigv4-verifier.js';
import { TEST_CREDENTIALS, TEST_REGION } from './support/fake-bedrock.js';

const NO_ENV = { accessKeyId: undefined, secretAccessKey: undefined, sessionToken: undefined, region: undefined, bearerToken: undefined };
const never = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };

function deployment(params: Record<string, unknown>, over: Partial<DeploymentConfig> = {}): DeploymentConfig {
  return {
    id: 'd1',
    modelName: 'my-claude',
    provider: 'bedrock',
    model: 'anthropic.claude-3-haiku-20240307-v1:0',
    apiBase: undefined,
    apiKey: undefined,
    apiVersion: undefined,
    timeoutMs: 1000,
    streamTimeoutMs: 1000,
    rpm: undefined,
    tpm: undefined,
    params: { aws_access_key_id: TEST_CREDENTIALS.accessKeyId, aws_secret_access_key: TEST_CREDENTIALS.secretAccessKey, aws_session_token: TEST_CREDENTIALS.sessionToken, aws_region_name: TEST_REGION, ...params },
    modelInfo: {},
    ...over,
  };
}

function recorder() {
  const sent: { url: string; options: HttpRequestOptions }[] = [];
  const http: HttpClient = {
    async request(url: string | HttpTarget, options: HttpRequestOptions = {}) {
      sent.push({ url: typeof url === 'string' ? url : url.origin + url.path, options });
      return { status: 200, headers: { 'content-type': 'application/json' }, body: Object.assign((async function* () {})(), { text: async () => '', json: async () => ({}) }) };
    },
  };
  return { http, sent };
}

async function forward(d: DeploymentConfig, path: string, body = '{"messages":[]}') {
  const { http, sent } = recorder();
  await createBedrockForward(http, d, resolveSettings(d, NO_ENV, false))({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(body), signal: never });
  return sent[0]!;
}

describe('Bedrock pass-through forward', () => {
  it('runtime calls go to bedrock-runtime, agent calls to bedrock-agent-runtime, each signed for its own host', async () => {
    const d = deployment({});
    const converse = await forward(d, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    expect(converse.url).toBe(`https://bedrock-runtime.${TEST_REGION}.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse`);
    const agent = await forward(d, '/agents/A1/agentAliases/X/sessions/S/text');
    expect(agent.url).toBe(`https://bedrock-agent-runtime.${TEST_REGION}.amazonaws.com/agents/A1/agentAliases/X/sessions/S/text`);
    for (const { url, options } of [converse, agent]) {
      const u = new URL(url);
      const verdict = await verifySigV4(
        { method: 'POST', url: u.pathname + u.search, headers: { ...options.headers, host: u.host }, body: Buffer.from(options.body as Uint8Array) },
        TEST_CREDENTIALS,
        TEST_REGION,
        'bedrock',
      );
      expect(verdict).toEqual(expect.objectContaining({ ok: true }));
    }
  });

  it('a path naming the model group gets the deployment’s model id; another model id is left as sent', async () => {
    const d = deployment({}, { apiBase: 'http://127.0.0.1:9' });
    expect((await forward(d, '/model/my-claude/converse-stream')).url).toBe('http://127.0.0.1:9/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream');
    expect((await forward(d, '/model/amazon.nova-pro-v1%3A0/converse')).url).toBe('http://127.0.0.1:9/model/amazon.nova-pro-v1%3A0/converse');
    // A configured endpoint serves the agent routes too.
    expect((await forward(d, '/knowledgebases/KB1/retrieve')).url).toBe('http://127.0.0.1:9/knowledgebases/KB1/retrieve');
  });

  it('the query is signed with the request', async () => {
    const d = deployment({});
    const sent = await forward(d, '/model/x/invoke?trace=ENABLED&b=2');
    const u = new URL(sent.url);
    const verdict = await verifySigV4({ method: 'POST', url: u.pathname + u.search, headers: { ...sent.options.headers, host: u.host }, body: Buffer.from(sent.options.body as Uint8Array) }, TEST_CREDENTIALS, TEST_REGION, 'bedrock');
    expect(verdict).toEqual(expect.objectContaining({ ok: true }));
  });
});
