/**
 * Model calls from plugin routes (`RouteRequest.callModel` / `forward`), the base of every API
 * family a plugin serves: the endpoint each deployment serves is chosen per attempt, the router
 * retries and falls back, model access is checked, the spend event carries usage, price and the
 * deployment; `forward` swaps the client's credential for the deployment's; streamed request bodies
 * are bounded; a route can answer errors in another API's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpendEvent } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const g = globalThis as unknown as { __familySpend: SpendEvent[] };
const root = tempDir('sluice-route-model-');

const dirs = [
  writeTestPlugin(
    {
      id: 'family-routes',
      manifestExtra: { capabilities: ['routes'] },
      source: pluginSource(`return { routes: [
        { method: 'POST', url: '/family/call', access: 'authenticated', handler: async (r) => {
            const started = Date.now();
            const admitted = await r.admit({ endpoint: 'chat', model: r.body.model, body: { model: r.body.model, messages: [{ role: 'user', content: r.body.text }] } });
            const result = await r.callModel({
              model: r.body.model, endpoints: r.body.only ? [r.body.only] : ['responses', 'chat'], stream: false,
              body: (endpoint) => endpoint === 'chat' ? { messages: admitted.body.messages } : { input: admitted.body.messages[0].content },
            });
            const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
            r.recordSpend({ endpoint: 'responses', model: r.body.model, status: 'success', httpStatus: 200, cost: result.price(usage), usage,
                            deployment: result.deployment, responseId: 'resp_1', startedAt: started });
            return { body: { endpoint: result.endpoint, deployment: result.deployment.id, kind: result.response.kind, upstream: result.response.body } };
          } },
        { method: 'POST', url: '/family/unadmitted', access: 'authenticated', handler: async (r) => {
            await r.callModel({ model: 'm', endpoints: ['chat'], stream: false, body: () => ({}) });
            return { body: {} };
          } },
        { method: 'POST', url: '/family/upload', body: 'stream', maxBodyBytes: 1000, access: 'authenticated', handler: async (r) => {
            let n = 0;
            for await (const chunk of r.body) n += chunk.length;
            return { body: { bytes: n } };
          } },
        { method: 'POST', url: '/family/other-shape', errorFormat: 'anthropic', access: 'authenticated', handler: async (r) => {
            await r.admit({ model: 'nope' });
            return { body: await r.callModel({ model: 'nope', endpoints: ['messages'], stream: false, body: () => ({}) }) };
          } },
        { method: ['GET', 'POST'], url: '/fwd/:provider/*', body: 'raw', access: 'authenticated', handler: async (r) => {
            await r.admit({ model: r.params.provider });
            const q = r.url.indexOf('?');
            const { response, deployment, price } = await r.forward({ provider: r.params.provider, deploymentId: r.query.deployment,
              request: { method: r.method, path: '/' + r.params['*'] + (q === -1 ? '' : r.url.slice(q)), headers: { 'content-type': 'application/json' }, body: r.body.length ? r.body : undefined } });
            const usage = { prompt_tokens: 1000, completion_tokens: 0, total_tokens: 1000 };
            r.recordSpend({ endpoint: 'pass_through_endpoint', model: 'gpt-x', status: 'success', httpStatus: response.status, cost: price(usage, { model: 'gpt-x' }), usage, deployment, startedAt: Date.now() });
            return { status: response.status, headers: response.headers, stream: response.body };
          } },
      ] };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'family-spend-recorder',
      hooks: { onSpend: { stage: 'OBSERVE' } },
      source: pluginSource(`return { onSpend: async (e) => { globalThis.__familySpend.push(e); } };`),
    },
    root,
  ),
];

let native: FakeUpstream;
let chatOnly: FakeUpstream;
let broken: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  g.__familySpend = [];
  native = await startFakeUpstream((req, res) => sendJson(res, 200, { id: 'resp_up', object: 'response', path: req.pathname, model: req.body?.model, query: req.query.get('x') }));
  chatOnly = await startFakeUpstream((req, res) => sendJson(res, 200, { id: 'chatcmpl-1', object: 'chat.completion', path: req.pathname, model: req.body?.model, messages: req.body?.messages }));
  broken = await startFakeUpstream((_req, res) => sendJson(res, 500, { error: { message: 'down' } }));
  gw = await startGateway(
    {
      model_list: [
        { model_name: 'native', litellm_params: { model: 'openai/gpt-x', api_base: `${native.url}/v1`, api_key: 'sk-deployment-native', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
        { model_name: 'chat-only', litellm_params: { model: 'hosted_vllm/llama', api_base: `${chatOnly.url}/v1`, api_key: 'sk-deployment-vllm' } },
        { model_name: 'flaky', litellm_params: { model: 'hosted_vllm/flaky', api_base: `${broken.url}/v1`, api_key: 'sk-deployment-broken' } },
      ],
      general_settings: { master_key: MASTER_KEY },
      litellm_settings: { fallbacks: [{ flaky: ['chat-only'] }] },
      plugins: [{ use: 'family-routes' }, { use: 'family-spend-recorder' }],
    } as never,
    { extraPluginDirs: dirs },
  );
});
afterAll(async () => {
  await gw.close();
  await Promise.all([native.close(), chatOnly.close(), broken.close()]);
});

const auth = (key = MASTER_KEY) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(cond()).toBe(true);
}

async function post(path: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${gw.url}${path}`, { method: 'POST', headers: auth(key), body: JSON.stringify(body) });
}

describe('RouteRequest.callModel', () => {
  it('calls a deployment on the first endpoint it serves, natively', async () => {
    const res = await post('/family/call', { model: 'native', text: 'hello' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ endpoint: 'responses', kind: 'json', upstream: { path: '/v1/responses', model: 'gpt-x' } });
    expect(native.requests.at(-1)!.headers.authorization).toBe('Bearer sk-deployment-native');
  });

  it('falls back to the next endpoint on a deployment without the first', async () => {
    const res = await post('/family/call', { model: 'chat-only', text: 'hello' });
    expect(await res.json()).toMatchObject({ endpoint: 'chat', upstream: { path: '/v1/chat/completions', model: 'llama', messages: [{ role: 'user', content: 'hello' }] } });
  });

  it('routes to a single endpoint only the deployments that serve it', async () => {
    expect(await (await post('/family/call', { model: 'native', text: 'hi', only: 'responses' })).json()).toMatchObject({ endpoint: 'responses' });
    const refused = await post('/family/call', { model: 'chat-only', text: 'hi', only: 'responses' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('Model chat-only does not support /responses.');
  });

  it('routes with the router: a failing group falls back to the configured one', async () => {
    const res = await post('/family/call', { model: 'flaky', text: 'hi' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ endpoint: 'chat', upstream: { path: '/v1/chat/completions' } });
    expect(broken.requests.length).toBeGreaterThan(0);
  });

  it('an unknown model is the chat route’s 400, naming the endpoints', async () => {
    const res = await post('/family/call', { model: 'missing', text: 'x' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Invalid model name passed in model=missing');
  });

  it('the spend event carries usage, price, deployment and response id', async () => {
    g.__familySpend.length = 0;
    await post('/family/call', { model: 'native', text: 'priced' });
    await until(() => g.__familySpend.length === 1);
    const e = g.__familySpend[0]!;
    expect(e.endpoint).toBe('responses');
    expect(e.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5 });
    expect(e.cost).toBeCloseTo(10 * 0.001 + 5 * 0.002, 10);
    expect(e.deployment?.modelName).toBe('native');
    expect(e.responseId).toBe('resp_1');
  });

  it('refuses a route that calls a model without admitting the request first', async () => {
    const res = await post('/family/unadmitted', {});
    expect(res.status).toBe(500);
  });

  it('renders errors in the route’s error format', async () => {
    const res = await post('/family/other-shape', {});
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('Invalid model name passed in model=nope');
    const unauthenticated = await fetch(`${gw.url}/family/other-shape`, { method: 'POST', body: '{}' });
    expect(unauthenticated.status).toBe(401);
    expect(((await unauthenticated.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });
});

describe('streamed request bodies', () => {
  it('hands the route the bytes as a stream, bounded by maxBodyBytes', async () => {
    const ok = await fetch(`${gw.url}/family/upload`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(999, 1) });
    expect(await ok.json()).toEqual({ bytes: 999 });
    const tooBig = await fetch(`${gw.url}/family/upload`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(1001, 1) });
    expect(tooBig.status).toBe(413);
  });

  it('bounds a chunked body without a length as it arrives', async () => {
    const chunks = (async function* () {
      for (let i = 0; i < 5; i++) yield Buffer.alloc(300, 2);
    })();
    const res = await fetch(`${gw.url}/family/upload`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` }, body: chunks as never, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe('RouteRequest.forward', () => {
  it('sends the native request with the deployment’s credential, never the client’s, and relays the answer', async () => {
    const res = await fetch(`${gw.url}/fwd/openai/v1/files?x=1`, { method: 'POST', headers: auth(), body: '{"purpose":"batch"}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ path: '/v1/files', query: '1' });
    const seen = native.requests.at(-1)!;
    expect(seen.headers.authorization).toBe('Bearer sk-deployment-native');
    expect(JSON.stringify(seen.headers)).not.toContain(MASTER_KEY);
    expect(seen.text).toBe('{"purpose":"batch"}');
  });

  it('prices the forwarded call as the model the route names', async () => {
    g.__familySpend.length = 0;
    await (await fetch(`${gw.url}/fwd/openai/v1/files`, { method: 'POST', headers: auth(), body: '{}' })).text();
    await until(() => g.__familySpend.length === 1);
    expect(g.__familySpend[0]!.cost).toBeCloseTo(1000 * 0.001, 10);
  });

  it('reaches one deployment by id, whatever the provider, and 404s a gone one', async () => {
    const called = (await (await post('/family/call', { model: 'native', text: 'x' })).json()) as { deployment: string };
    const before = native.requests.length;
    const res = await fetch(`${gw.url}/fwd/cohere/v1/files?deployment=${called.deployment}`, { method: 'POST', headers: auth(), body: '{}' });
    expect(res.status).toBe(200);
    expect(native.requests.length).toBe(before + 1);
    const gone = await fetch(`${gw.url}/fwd/openai/v1/files?deployment=nope`, { method: 'POST', headers: auth(), body: '{}' });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { message: string } }).error.message).toContain('no longer served');
  });

  it('a provider with no deployment and no environment credentials is a 404', async () => {
    const res = await fetch(`${gw.url}/fwd/cohere/v2/rerank`, { method: 'POST', headers: auth(), body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('No deployment can serve cohere pass-through requests');
  });
});
