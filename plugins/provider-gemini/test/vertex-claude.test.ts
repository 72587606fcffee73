/**
 * Claude on Vertex AI (`vertex_ai/claude-…`): the fake's rawPredict / streamRawPredict /
 * count-tokens are proven first with `@anthropic-ai/sdk` driven the way `@anthropic-ai/vertex-sdk`
 * drives Vertex (that package is not installed: its URL and body rewrite is done in `fetch`
 * here); then the adapter's URLs, bodies, headers and errors are checked on a recorded HTTP
 * client, and the gateway's routing (Claude deployments serve no chat) with the `openai` SDK.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError, type DeploymentConfig, type HttpClient, type HttpRequestOptions, type HttpTarget, type JsonObject, type ProviderRequest } from '@sluice/plugin-sdk';
import type { ServiceAccountKey, ServiceAccountTokenSource } from '@sluice/plugin-sdk/node';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { failure } from './api-failure.js';
import { TOKEN_PATH, VERTEX_ANTHROPIC_VERSION, startFakeGoogle, type FakeGoogle } from './fake-google.js';
import { createVertexClaudeAdapter, isVertexClaude } from '../src/vertex-claude.js';

const CLIENT_EMAIL = 'sluice-claude@sa-project.iam.gserviceaccount.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const CLAUDE = 'claude-sonnet-4@20250514';

let google: FakeGoogle;

const serviceAccount = () => ({
  type: 'service_account',
  project_id: 'sa-project',
  private_key_id: 'key-1',
  private_key: keys.privateKey,
  client_email: CLIENT_EMAIL,
  token_uri: `${google.url}${TOKEN_PATH}`,
});

/** A token from the fake's token endpoint, for a JWT signed as Google's auth libraries sign it. */
async function mintToken(): Promise<string> {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'key-1' })}.${b64({ iss: CLIENT_EMAIL, sub: CLIENT_EMAIL, aud: `${google.url}${TOKEN_PATH}`, scope: 'https://www.googleapis.com/auth/cloud-platform', iat, exp: iat + 3600 })}`;
  const jwt = `${unsigned}.${sign('RSA-SHA256', Buffer.from(unsigned), keys.privateKey).toString('base64url')}`;
  const res = await fetch(`${google.url}${TOKEN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * What @anthropic-ai/vertex-sdk does to each request of the Anthropic client: `/v1/messages` →
 * `…/publishers/anthropic/models/{model}:rawPredict` (`:streamRawPredict` when streaming) with
 * `model` moved out of the body, `/v1/messages/count_tokens` → `…/models/count-tokens:rawPredict`,
 * `anthropic_version: vertex-2023-10-16` added, and a Google bearer token instead of an API key.
 */
function vertexSdkFetch(token: string, project = 'my-project', region = 'us-east5'): typeof fetch {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    body.anthropic_version ??= VERTEX_ANTHROPIC_VERSION;
    const models = `/v1/projects/${project}/locations/${region}/publishers/anthropic/models`;
    if (url.pathname === '/v1/messages/count_tokens') url.pathname = `${models}/count-tokens:rawPredict`;
    else {
      const model = body.model;
      delete body.model;
      url.pathname = `${models}/${String(model)}:${body.stream ? 'streamRawPredict' : 'rawPredict'}`;
    }
    url.search = '';
    const headers = new Headers(init?.headers);
    headers.delete('x-api-key');
    headers.set('authorization', `Bearer ${token}`);
    return fetch(url, { ...init, headers, body: JSON.stringify(body) });
  };
}

beforeAll(async () => {
  google = await startFakeGoogle({ apiKey: 'unused-here', publicKey: keys.publicKey, clientEmail: CLIENT_EMAIL });
});
afterAll(async () => {
  await google?.close();
});
beforeEach(() => {
  google.requests.length = 0;
  google.script = {};
});

describe('the fake Claude on Vertex, driven by @anthropic-ai/sdk as the Vertex SDK drives it', () => {
  let sdk: Anthropic;
  beforeAll(async () => {
    sdk = new Anthropic({ apiKey: 'unused', baseURL: google.url, maxRetries: 0, fetch: vertexSdkFetch(await mintToken()) });
  });

  it('rawPredict answers a message the SDK parses', async () => {
    const message = await sdk.messages.create({ model: CLAUDE, max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: CLAUDE, content: [{ type: 'text', text: 'Hello from Claude on Vertex.' }] });
    const sent = google.requests.at(-1)!;
    expect(sent.url).toBe(`/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`);
    expect(sent.body).toEqual({ anthropic_version: VERTEX_ANTHROPIC_VERSION, max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('streamRawPredict streams Anthropic SSE events the SDK accumulates', async () => {
    const final = await sdk.messages.stream({ model: CLAUDE, max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(google.requests.at(-1)!.url).toMatch(/:streamRawPredict$/);
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello from Claude on Vertex.' })]);
    expect(final.usage).toMatchObject({ input_tokens: 11, output_tokens: 5 });
  });

  it('count-tokens:rawPredict counts with the model in the body', async () => {
    const counted = await sdk.messages.countTokens({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(google.requests.at(-1)!.url).toBe('/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict');
  });

  it('is strict as Vertex is: a model in a rawPredict body, a missing version or a bad token is refused', async () => {
    const token = await mintToken();
    const post = (body: object, auth = token) =>
      fetch(`${google.url}/v1/projects/p/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` }, body: JSON.stringify(body) });
    const withModel = await post({ anthropic_version: VERTEX_ANTHROPIC_VERSION, model: CLAUDE, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    expect(withModel.status).toBe(400);
    expect(await withModel.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'model: Extra inputs are not permitted' } });
    expect((await post({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).status).toBe(400);
    expect((await post({ anthropic_version: VERTEX_ANTHROPIC_VERSION, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'ya29.forged')).status).toBe(401);
  });
});

// ---------------------------------------------------------------------------------------------
// The adapter on a recorded HTTP client.

const never = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };
const account: ServiceAccountKey = { clientEmail: CLIENT_EMAIL, privateKey: keys.privateKey, privateKeyId: 'k', tokenUri: 'http://127.0.0.1:9/token', projectId: 'sa-project', privateKeyPem: '' } as unknown as ServiceAccountKey;

function deployment(params: Record<string, unknown>, apiBase?: string, model = CLAUDE): DeploymentConfig {
  return { id: 'd', modelName: 'm', provider: 'vertex_ai', model, apiBase, apiKey: undefined, apiVersion: undefined, timeoutMs: 1000, streamTimeoutMs: 1000, rpm: undefined, tpm: undefined, params, modelInfo: {} };
}

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: JsonObject;
}

function recorder(answer: { status?: number; text?: string; headers?: Record<string, string> } = {}) {
  const sent: Sent[] = [];
  const http: HttpClient = {
    async request(url: string | HttpTarget, options: HttpRequestOptions = {}) {
      sent.push({ url: typeof url === 'string' ? url : url.origin + url.path, headers: options.headers as Record<string, string>, body: JSON.parse(String(options.body)) as JsonObject });
      const text = answer.text ?? JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 1, output_tokens: 1 } });
      const body = Object.assign(
        (async function* () {
          yield Buffer.from(text);
        })(),
        { text: async () => text, json: async () => JSON.parse(text) as unknown },
      );
      return { status: answer.status ?? 200, headers: answer.headers ?? {}, body };
    },
  };
  return { http, sent };
}

function tokens() {
  const invalidated: string[] = [];
  const source = { get: async () => 'ya29.token-1', invalidate: (t: string) => void invalidated.push(t) } as unknown as ServiceAccountTokenSource;
  return { source, invalidated };
}

const request = (endpoint: 'messages' | 'count_tokens', body: JsonObject, stream = false): ProviderRequest => ({ requestId: 'r', endpoint, body, stream, signal: never });
const basic = { model: CLAUDE, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

describe('the Vertex Claude adapter', () => {
  it('knows Claude models by name, as LiteLLM does', () => {
    expect(isVertexClaude('claude-3-5-sonnet@20240620')).toBe(true);
    expect(isVertexClaude('Claude-Opus-4')).toBe(true);
    expect(isVertexClaude('gemini-2.5-pro')).toBe(false);
  });

  it('rawPredict on the location host; the body without model, with vertex-2023-10-16; the client betas as a header', async () => {
    const { http, sent } = recorder();
    const adapter = createVertexClaudeAdapter(http, deployment({ vertex_project: 'my-project', vertex_location: 'us-east5', extra_headers: { 'Anthropic-Beta': 'configured-beta' } }), account, tokens().source);
    const res = await adapter.call(request('messages', { ...basic, anthropic_version: '2023-06-01', anthropic_beta: ['interleaved-thinking-2025-05-14'] }));
    expect(res).toMatchObject({ kind: 'json', status: 200, body: { id: 'msg_1' } });
    expect((res as { raw?: string }).raw).toContain('"msg_1"');
    expect(sent[0]!.url).toBe(`https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`);
    expect(sent[0]!.body).toEqual({ anthropic_version: VERTEX_ANTHROPIC_VERSION, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(sent[0]!.headers).toMatchObject({ authorization: 'Bearer ya29.token-1', 'content-type': 'application/json', accept: 'application/json', 'anthropic-beta': 'interleaved-thinking-2025-05-14,configured-beta' });
    expect(sent[0]!.headers['anthropic-version']).toBeUndefined();
  });

  it('a stream goes to :streamRawPredict with stream: true and comes back as the upstream SSE bytes', async () => {
    const sse = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const { http, sent } = recorder({ text: sse });
    const adapter = createVertexClaudeAdapter(http, deployment({ vertex_project: 'my-project', vertex_location: 'global' }), account, tokens().source);
    const res = await adapter.call(request('messages', { ...basic, stream: true }, true));
    expect(sent[0]!.url).toBe(`https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/publishers/anthropic/models/${CLAUDE}:streamRawPredict`);
    expect(sent[0]!.body.stream).toBe(true);
    expect(sent[0]!.headers.accept).toBe('text/event-stream');
    expect(res.kind).toBe('sse');
    let text = '';
    for await (const chunk of (res as { body: AsyncIterable<Uint8Array> }).body) text += Buffer.from(chunk).toString();
    expect(text).toBe(sse);
  });

  it('count_tokens goes to count-tokens:rawPredict with the model kept in the body; the api_base replaces the host; project from the credentials', async () => {
    const { http, sent } = recorder({ text: '{"input_tokens":42}' });
    const adapter = createVertexClaudeAdapter(http, deployment({}, 'http://127.0.0.1:1234/'), account, tokens().source);
    const res = await adapter.call(request('count_tokens', { model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }));
    expect(sent[0]!.url).toBe('http://127.0.0.1:1234/v1/projects/sa-project/locations/us-central1/publishers/anthropic/models/count-tokens:rawPredict');
    expect(sent[0]!.body).toEqual({ anthropic_version: VERTEX_ANTHROPIC_VERSION, model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] });
    expect(res).toMatchObject({ kind: 'json', body: { input_tokens: 42 } });
  });

  it('cache_control.scope, which Vertex refuses, is dropped from system and message blocks without touching the request', async () => {
    const { http, sent } = recorder();
    const adapter = createVertexClaudeAdapter(http, deployment({ vertex_project: 'p' }), account, tokens().source);
    const system = [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral', scope: 'global' } }];
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h', scope: 'global' } }] }, { role: 'assistant', content: 'ok' }];
    const body = { model: CLAUDE, max_tokens: 8, system, messages };
    await adapter.call(request('messages', body));
    expect(sent[0]!.body.system).toEqual([{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }]);
    expect(sent[0]!.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }, { role: 'assistant', content: 'ok' }]);
    expect(system[0]!.cache_control.scope).toBe('global');
    expect(body.messages[0]!.content[0]).toMatchObject({ cache_control: { scope: 'global' } });
  });

  it('a model name that is not one path segment is a 400 before any call', async () => {
    const { http, sent } = recorder();
    const adapter = createVertexClaudeAdapter(http, deployment({ vertex_project: 'p' }), account, tokens().source);
    const err = await adapter.call(request('messages', { ...basic, model: 'claude/../../other:rawPredict' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(400);
    expect(sent).toHaveLength(0);
  });

  describe('errors', () => {
    const call = async (status: number, body: unknown, headers?: Record<string, string>) => {
      const { http } = recorder({ status, text: JSON.stringify(body), ...(headers && { headers }) });
      const t = tokens();
      const err = (await createVertexClaudeAdapter(http, deployment({ vertex_project: 'p' }), account, t.source).call(request('messages', basic)).catch((e: unknown) => e)) as UpstreamError;
      expect(err).toBeInstanceOf(UpstreamError);
      return { err, invalidated: t.invalidated };
    };

    it('Claude’s own refusal keeps its status and type', async () => {
      const { err } = await call(400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages: roles must alternate' } });
      expect(err.status).toBe(400);
      expect(err.body).toEqual({ error: { message: 'messages: roles must alternate', type: 'invalid_request_error', param: null, code: null } });
    });

    it('a prompt over the context window is context_length_exceeded', async () => {
      const { err } = await call(400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 208432 tokens > 200000 maximum' } });
      expect(err.body).toMatchObject({ error: { code: 'context_length_exceeded' } });
    });

    it('overloaded (529) is a 503', async () => {
      const { err } = await call(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      expect(err.status).toBe(503);
    });

    it('Google’s quota refusal is a 429 with its retry delay', async () => {
      const { err } = await call(429, { error: { code: 429, message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }] } });
      expect(err.status).toBe(429);
      expect(err.retryAfter).toBe('7');
      expect(err.body).toMatchObject({ error: { type: 'rate_limit_error', message: expect.stringContaining('Quota exceeded') } });
    });

    it('a refused token is a 401 and is dropped, so the next call gets a new one', async () => {
      const { err, invalidated } = await call(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      expect(err.status).toBe(401);
      expect(invalidated).toEqual(['ya29.token-1']);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The gateway: which endpoints a Claude deployment serves.

describe('a vertex_ai/claude deployment behind the gateway', () => {
  let gw: TestGateway;
  let openai: OpenAI;
  beforeAll(async () => {
    gw = await startGateway({
      model_list: [
        { model_name: 'claude-vertex', litellm_params: { model: `vertex_ai/${CLAUDE}`, vertex_project: 'my-project', vertex_location: 'us-east5', vertex_credentials: serviceAccount(), api_base: google.url } },
        { model_name: 'gemini-vertex', litellm_params: { model: 'vertex_ai/gemini-2.0-flash', vertex_project: 'my-project', vertex_credentials: serviceAccount(), api_base: google.url } },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('serves no chat completions: a clear 400, and Vertex is never called', async () => {
    const err = await failure(openai.chat.completions.create({ model: 'claude-vertex', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/does not support \/chat\/completions/);
    expect(google.requests.filter((r) => r.url !== TOKEN_PATH)).toHaveLength(0);
  });

  it('a Gemini deployment on Vertex still serves chat', async () => {
    const out = await openai.chat.completions.create({ model: 'gemini-vertex', messages: [{ role: 'user', content: 'hi' }] });
    expect(out.choices[0]!.message.content).toBe('Hello from fake Gemini.');
  });
});
