/** Bad input and upstream failures: each gets its status and the OpenAI envelope; the gateway keeps serving. */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import envelopeSchema from '../schemas/error-envelope.schema.json' with { type: 'json' };
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

const validEnvelope = new Ajv({ strict: false, allowUnionTypes: true }).compile(envelopeSchema);

let upstream: MockOpenAI;
let sluice: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  const config = proxyConfig(upstream.url);
  config.model_list!.push(
    { model_name: 'slow', litellm_params: { model: 'openai/slow', api_base: upstream.url, api_key: 'sk-x', timeout: 0.3 } },
    { model_name: 'nowhere', litellm_params: { model: 'openai/nowhere', api_base: 'http://127.0.0.1:1/v1', api_key: 'sk-x' } },
  );
  sluice = await startGateway(config);
});

afterAll(async () => {
  await sluice?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.behaviour = {};
});

async function post(path: string, body: string | object | undefined, headers: Record<string, string> = { authorization: `Bearer ${MASTER_KEY}` }) {
  const res = await fetch(`${sluice.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as { error: { message: string; type: string; param: unknown; code: unknown } } };
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

async function stillServes(): Promise<void> {
  const ok = await post('/v1/chat/completions', chat);
  expect(ok.status).toBe(200);
}

describe('bad input', () => {
  it.each([
    ['malformed JSON', '{"model": "gpt-4o-mini", "messages": [', 400, 'invalid_request_error', /could not parse the JSON body/],
    ['a JSON array', '[1,2]', 400, 'invalid_request_error', /must be a JSON object/],
    ['an empty body', undefined, 400, 'invalid_request_error', /Missing required parameter: 'model'/],
    ['no model', { messages: [{ role: 'user', content: 'hi' }] }, 400, 'invalid_request_error', /Missing required parameter: 'model'/],
    ['no messages', { model: 'gpt-4o-mini' }, 400, 'invalid_request_error', /Missing required parameter: 'messages'/],
    ['messages not an array', { model: 'gpt-4o-mini', messages: 'hi' }, 400, 'invalid_request_error', /Invalid value for 'messages'/],
    ['empty messages', { model: 'gpt-4o-mini', messages: [] }, 400, 'invalid_request_error', /minimum length 1/],
    ['a message without role', { model: 'gpt-4o-mini', messages: [{ content: 'hi' }] }, 400, 'invalid_request_error', /messages\[0\]/],
    ['model not a string', { model: 5, messages: [{ role: 'user', content: 'hi' }] }, 400, 'invalid_request_error', /Invalid value for 'model'/],
    ['stream not a boolean', { ...{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, stream: 'yes' }, 400, 'invalid_request_error', /'stream'/],
    [
      'an unknown model',
      { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] },
      400,
      'invalid_request_error',
      /^\/chat\/completions: Invalid model name passed in model=gpt-9\. Call `\/v1\/models` to view available models for your key\.$/,
    ],
  ])('%s', async (_name, body, status, type, message) => {
    const res = await post('/v1/chat/completions', body as never);
    expect(res.status).toBe(status);
    expect(validEnvelope(res.json)).toBe(true);
    expect(res.json.error.type).toBe(type);
    expect(res.json.error.message).toMatch(message);
    expect(res.json.error.code).toBe(String(status));
    expect(res.headers.get('x-sluice-error-code')).toMatch(/^SLUICE_ERR_/);
    await stillServes();
  });

  it('embeddings without input → 400', async () => {
    const res = await post('/v1/embeddings', { model: 'text-embedding-3-small' });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("Missing required parameter: 'input'.");
  });

  it('no key → 401 with LiteLLM message', async () => {
    const res = await post('/v1/chat/completions', chat, {});
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: 'None', code: '401' } });
  });

  it('wrong key → 401 and the key is masked in the message', async () => {
    const res = await post('/v1/chat/completions', chat, { authorization: 'Bearer sk-wrong-key-123456' });
    expect(res.status).toBe(401);
    expect(res.json.error.type).toBe('auth_error');
    expect(res.json.error.message).toContain('Invalid proxy server token passed');
    expect(res.json.error.message).not.toContain('sk-wrong-key-123456');
    await stillServes();
  });

  it('the key is accepted from x-api-key and api-key headers', async () => {
    expect((await post('/v1/chat/completions', chat, { 'x-api-key': MASTER_KEY })).status).toBe(200);
    expect((await post('/v1/chat/completions', chat, { 'api-key': MASTER_KEY })).status).toBe(200);
  });

  it('an unknown route → 404 envelope', async () => {
    const res = await post('/v1/nothing-here', chat);
    expect(res.status).toBe(404);
    expect(validEnvelope(res.json)).toBe(true);
  });

  it('a body over the limit → 413', async () => {
    const big = await startGateway({ ...proxyConfig(upstream.url), server: { body_limit_mb: 0.001 } });
    try {
      const res = await fetch(`${big.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
      });
      expect(res.status).toBe(413);
      expect(validEnvelope(await res.json())).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe('upstream failures', () => {
  it('upstream 500 → 502 api_error', async () => {
    upstream.behaviour = { fail: { status: 500, body: { error: { message: 'boom', type: 'server_error' } } } };
    const res = await post('/v1/chat/completions', chat);
    expect(res.status).toBe(502);
    expect(res.json.error.type).toBe('api_error');
    expect(res.json.error.message).toContain('boom');
    upstream.behaviour = {};
    await stillServes();
  });

  it('upstream 503 on a stream → 502 before any byte is sent', async () => {
    upstream.behaviour = { fail: { status: 503, body: { error: { message: 'overloaded' } } } };
    const res = await post('/v1/chat/completions', { ...chat, stream: true });
    expect(res.status).toBe(502);
  });

  it('upstream timeout → 504', async () => {
    upstream.behaviour = { delayMs: 1500 };
    const started = Date.now();
    const res = await post('/v1/chat/completions', { model: 'slow', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(504);
    expect(res.json.error.type).toBe('timeout_error');
    expect(Date.now() - started).toBeLessThan(1400);
    upstream.behaviour = {};
    await stillServes();
  });

  it('upstream timeout on a stream → 504', async () => {
    upstream.behaviour = { delayMs: 1500 };
    const res = await post('/v1/chat/completions', { model: 'slow', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(504);
  });

  it('unreachable upstream → 502', async () => {
    const res = await post('/v1/chat/completions', { model: 'nowhere', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    expect(validEnvelope(res.json)).toBe(true);
  });

  it('upstream 429 keeps its status and retry-after', async () => {
    upstream.behaviour = { fail: { status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '7' } } };
    const res = await post('/v1/chat/completions', chat);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.json.error.message).toBe('Rate limit reached');
    expect(res.json.error.code).toBe('rate_limit_exceeded');
  });

  it('upstream 400 (context length) passes through', async () => {
    upstream.behaviour = { fail: { status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } } };
    const res = await post('/v1/chat/completions', chat);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' });
  });

  it('an unreadable upstream body → 502', async () => {
    upstream.behaviour = { garbage: true };
    const res = await post('/v1/chat/completions', chat);
    expect(res.status).toBe(502);
    upstream.behaviour = {};
    await stillServes();
  });
});
