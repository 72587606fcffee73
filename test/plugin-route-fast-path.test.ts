/**
 * The plugin route fast path (kernel/server/plugin-route-fast-path.ts) answers a POST with a JSON
 * body to a static plugin route before fastify sees it. `app.inject` goes through fastify's own
 * handler, not the HTTP server, so the same request sent both ways must get the same answer
 * (status, headers, body) and settle the same spend event.
 */
import { resolve } from 'node:path';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDefinition, SpendEvent } from '@sluice/plugin-sdk';
import { DEFAULT_JSON_LIMITS } from '../kernel/server/json-body.js';
import { pluginRouteFastPath } from '../kernel/server/plugin-route-fast-path.js';
import { registeredRoute } from '../kernel/server/plugin-route-run.js';
import { comparableAnswer, type Answer } from './support/answers.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const g = globalThis as unknown as { __fastSpend: SpendEvent[]; __fastSeen: string[] };
const SDK = resolve('plugin-sdk/index.ts');
const BODY_LIMIT_BYTES = Math.round(0.002 * 1024 * 1024);

const root = tempDir('sluice-route-fast-');
const dirs = [
  writeTestPlugin(
    {
      id: 'route-fast',
      manifestExtra: { capabilities: ['routes'] },
      source: `import { definePluginErrors } from ${JSON.stringify(SDK)};
        const E = definePluginErrors('ROUTE_FAST', { NOPE: { status: 422, type: 'invalid_request_error', message: 'nope: {why}' } });
        ${pluginSource(`
        const chunks = async function* (n) { for (let i = 0; i < n; i++) yield Buffer.from('data: ' + JSON.stringify({ i }) + '\\n\\n'); };
        return { routes: [
          { method: 'POST', url: '/fast/json', access: 'authenticated', handler: async (r) => {
              globalThis.__fastSeen.push(JSON.stringify({ url: r.url, query: { ...r.query }, params: { ...r.params }, method: r.method, hasKey: 'authorization' in r.headers }));
              const admitted = await r.admit({ body: r.body, model: 'fast-model' });
              return { status: 201, headers: { 'X-Own': 'yes', ...admitted.headers }, body: { got: admitted.body, principal: r.principal.role } };
            } },
          { method: 'POST', url: '/fast/text', access: 'public', handler: async (r) => ({ body: 'plain ' + typeof r.body }) },
          { method: 'POST', url: '/fast/typed', access: 'public', handler: async () => ({ contentType: 'application/problem+json', body: { a: 1 } }) },
          { method: 'POST', url: '/fast/empty', access: 'public', handler: async () => ({ status: 204 }) },
          { method: 'POST', url: '/fast/stream', access: 'authenticated', handler: async (r) => {
              await r.admit({ body: r.body, model: 'fast-model' });
              return { headers: { 'cache-control': 'no-cache' }, contentType: 'text/event-stream', stream: chunks(r.body.n ?? 3) };
            } },
          { method: 'POST', url: '/fast/stream-fails-at-once', access: 'authenticated', handler: async (r) => {
              await r.admit({ body: r.body, model: 'fast-model' });
              return { contentType: 'text/event-stream', stream: (async function* () { throw E.NOPE({ why: 'no first chunk' }); })() };
            } },
          { method: 'POST', url: '/fast/verdict', access: 'authenticated', handler: async (r) => {
              await r.admit({ body: r.body, model: 'fast-model' });
              throw E.NOPE({ why: 'the handler refused' });
            } },
          { method: 'POST', url: '/fast/crash', access: 'authenticated', handler: async () => { throw new Error('route broke'); } },
          { method: 'POST', url: '/fast/endless', access: 'authenticated', handler: async (r) => {
              await r.admit({ body: r.body, model: 'fast-model' });
              const signal = r.signal;
              return { contentType: 'text/event-stream', stream: (async function* () {
                try {
                  yield Buffer.from('data: first\\n\\n');
                  await new Promise((done) => signal.addEventListener('abort', done)); // only the client leaving ends it
                  yield Buffer.from('data: never read\\n\\n');
                } finally { globalThis.__fastSeen.push('stream stopped'); }
              })() };
            } },
          { method: 'POST', url: '/fast/unserialisable', access: 'authenticated', handler: async (r) => {
              await r.admit({ body: r.body, model: 'fast-model' });
              return { body: { n: 1n } };
            } },
          { method: 'POST', url: '/fast/anthropic', access: 'authenticated', errorFormat: 'anthropic', handler: async (r) => {
              if (r.body?.refuse) throw E.NOPE({ why: 'anthropic-format refusal' });
              return { body: { type: 'message', ok: true } };
            } },
          { method: 'POST', url: '/fast/small', access: 'authenticated', maxBodyBytes: 64, errorFormat: 'anthropic', handler: async (r) => ({ body: r.body }) },
          { method: 'POST', url: '/fast/admin-only', access: ['proxy_admin'], handler: async () => ({ body: { ok: true } }) },
        ] };`)}`,
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'route-fast-spend',
      hooks: { onSpend: { stage: 'OBSERVE' } },
      source: pluginSource(`return { onSpend: async (e) => { globalThis.__fastSpend.push(e); } };`),
    },
    root,
  ),
];

let gw: TestGateway;
beforeAll(async () => {
  g.__fastSpend = [];
  g.__fastSeen = [];
  gw = await startGateway(
    { model_list: [], general_settings: { master_key: MASTER_KEY }, server: { body_limit_mb: 0.002 }, plugins: [{ use: 'route-fast' }, { use: 'route-fast-spend' }] } as never,
    { extraPluginDirs: dirs },
  );
});
afterAll(() => gw?.close());

async function overHttp(path: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

async function throughFastify(path: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  const res = await gw.gateway.app.inject({ method: 'POST', url: path, headers, payload: body });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return { status: res.statusCode, headers: out, body: res.body };
}

/** The spend events a request settled, without what differs per call. */
async function spendOf(requestId: string): Promise<unknown[]> {
  await gw.gateway.observers.drain();
  return g.__fastSpend
    .filter((e) => e.requestId === requestId)
    .map((e) => ({ endpoint: e.endpoint, model: e.model, status: e.status, httpStatus: e.httpStatus, errorCode: e.errorCode, cost: e.cost }));
}

const json = { 'content-type': 'application/json' };
const auth = { ...json, authorization: `Bearer ${MASTER_KEY}` };
const hello = JSON.stringify({ hello: 'world', n: 4 });

describe('plugin route fast path', () => {
  it.each([
    ['a JSON answer after admit', '/fast/json', auth, hello],
    ['a text answer on a public route', '/fast/text', json, hello],
    ['an own JSON content type gets a charset', '/fast/typed', json, hello],
    ['a 204 without a body', '/fast/empty', json, hello],
    ['a streamed answer', '/fast/stream', auth, hello],
    ['a long streamed answer', '/fast/stream', auth, JSON.stringify({ n: 400 })],
    ['a stream that fails before its first chunk', '/fast/stream-fails-at-once', auth, hello],
    ['a verdict the handler throws', '/fast/verdict', auth, hello],
    ['a handler that crashes', '/fast/crash', auth, hello],
    ['an answer JSON cannot hold', '/fast/unserialisable', auth, hello],
    ['no key', '/fast/json', json, hello],
    ['a wrong key', '/fast/json', { ...json, authorization: 'Bearer sk-wrong-0000' }, hello],
    ['a malformed Authorization header', '/fast/json', { ...json, authorization: 'Basic abc' }, hello],
    ['malformed JSON', '/fast/json', auth, '{"hello": ['],
    ['an empty body', '/fast/text', json, ''],
    ['a body over the server limit', '/fast/json', auth, JSON.stringify({ x: 'x'.repeat(BODY_LIMIT_BYTES) })],
    ['JSON nested too deep', '/fast/json', auth, '['.repeat(100) + ']'.repeat(100)],
    ['anthropic format: success', '/fast/anthropic', auth, hello],
    ['anthropic format: a verdict', '/fast/anthropic', auth, JSON.stringify({ refuse: true })],
    ['anthropic format: no key', '/fast/anthropic', json, hello],
    ['anthropic format: malformed JSON', '/fast/anthropic', auth, '{'],
    ['anthropic format: over the route limit', '/fast/small', auth, JSON.stringify({ x: 'x'.repeat(100) })],
    ['a role-restricted route, allowed', '/fast/admin-only', auth, hello],
    ['a charset in the content type', '/fast/json', { ...auth, 'content-type': 'application/json; charset=utf-8' }, hello],
    ['/v1/messages: an invalid body', '/v1/messages', { ...json, 'x-api-key': MASTER_KEY }, JSON.stringify({ model: 'claude-x' })],
    ['/v1/messages: no key', '/v1/messages', json, JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })],
  ] as [string, string, Record<string, string>, string][])('%s: the same answer and spend as through fastify', async (_name, path, headers, body) => {
    const fast = await overHttp(path, headers, body);
    const slow = await throughFastify(path, headers, body);
    expect(comparableAnswer(fast)).toEqual(comparableAnswer(slow));
    expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fast.headers['x-litellm-call-id']).toBe(fast.headers['x-request-id']);
    expect(await spendOf(fast.headers['x-request-id']!)).toEqual(await spendOf(slow.headers['x-request-id']!));
  });

  it('the handler gets the same request on both paths, without the caller key', async () => {
    g.__fastSeen.length = 0;
    await overHttp('/fast/json', auth, hello);
    await throughFastify('/fast/json', auth, hello);
    expect(g.__fastSeen).toHaveLength(2);
    expect(JSON.parse(g.__fastSeen[0]!)).toEqual({ url: '/fast/json', query: {}, params: {}, method: 'POST', hasKey: true });
    expect(g.__fastSeen[0]).toBe(g.__fastSeen[1]);
  });

  it('settles an admitted JSON answer and stream once, as success', async () => {
    for (const path of ['/fast/json', '/fast/stream']) {
      const fast = await overHttp(path, auth, hello);
      expect(await spendOf(fast.headers['x-request-id']!)).toEqual([{ endpoint: 'pass_through_endpoint', model: 'fast-model', status: 'success', httpStatus: path === '/fast/json' ? 201 : 200, errorCode: undefined, cost: 0 }]);
    }
  });

  it('an answer that cannot be sent is a 500 and settles the call as failed, on both paths', async () => {
    for (const send of [overHttp, throughFastify]) {
      const answer = await send('/fast/unserialisable', auth, hello);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { type: 'internal_server_error' } });
      expect(await spendOf(answer.headers['x-request-id']!)).toMatchObject([{ status: 'failure', httpStatus: 500 }]);
    }
  });

  it('a client that leaves mid-stream stops the stream and settles the call as 499, on the fast path', async () => {
    g.__fastSeen.length = 0;
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/fast/endless`, { method: 'POST', headers: auth, body: hello, signal: controller.signal });
    const id = res.headers.get('x-request-id')!;
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    controller.abort();
    for (let i = 0; i < 100 && g.__fastSeen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(g.__fastSeen).toEqual(['stream stopped']);
    expect(await spendOf(id)).toEqual([{ endpoint: 'pass_through_endpoint', model: 'fast-model', status: 'failure', httpStatus: 499, errorCode: 'SLUICE_ERR_CLIENT_CLOSED', cost: 0 }]);
  });

  it('a client that leaves mid-body costs no answer, no call and no crash', async () => {
    const port = Number(new URL(gw.url).port);
    g.__fastSeen.length = 0;
    await new Promise<void>((done, fail) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`POST /fast/json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":`);
        setTimeout(() => {
          socket.destroy();
          done();
        }, 100);
      });
      socket.on('error', fail);
    });
    expect((await overHttp('/fast/json', auth, hello)).status).toBe(201);
    expect(g.__fastSeen).toHaveLength(1);
  });
});

describe('which requests the plugin route fast path takes', () => {
  const answered: { url: string; status: number; body: string }[] = [];
  const route = (over: Partial<RouteDefinition>): RouteDefinition => ({ method: 'POST', url: '/r', access: 'authenticated', handler: async () => ({}), ...over });
  const fastPath = pluginRouteFastPath(
    {
      routes: { hooks: undefined as never, observers: undefined as never, log: undefined as never, scrub: (t: string) => t },
      bodyLimitBytes: 1024,
      clientIp: () => '127.0.0.1',
      json: DEFAULT_JSON_LIMITS,
      // Every authenticated request it takes is answered 503 at once: no hooks or body needed.
      isShuttingDown: () => true,
      requestId: () => 'id-1',
    },
    [
      registeredRoute('p', route({ url: '/v1/messages', errorFormat: 'anthropic' })),
      registeredRoute('p', route({ url: '/both', method: ['GET', 'POST'] })),
      registeredRoute('p', route({ url: '/raw', body: 'raw' })),
      registeredRoute('p', route({ url: '/upload', body: 'stream' })),
      registeredRoute('p', route({ url: '/items/:id' })),
      registeredRoute('p', route({ url: '/files/*' })),
      registeredRoute('p', route({ url: '/get-only', method: 'GET' })),
    ],
  )!;
  const attempt = (method: string, url: string, headers: Record<string, string>): boolean => {
    let status = 0;
    const res = {
      headersSent: false,
      on: () => undefined,
      off: () => undefined,
      writeHead: (s: number) => (status = s),
      end: (body: string) => answered.push({ url, status, body }),
    };
    return fastPath({ method, url, headers, socket: {} } as never, res as never);
  };
  const json = { 'content-type': 'application/json', 'content-length': '2' };

  it('takes a POST with a JSON body of a stated length to a static JSON route, and answers 503 while shutting down in the route’s format', async () => {
    expect(attempt('POST', '/v1/messages', json)).toBe(true);
    expect(attempt('POST', '/both', { ...json, 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(attempt('POST', '/v1/messages', { 'content-length': '0' })).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(answered[0]).toEqual({ url: '/v1/messages', status: 503, body: expect.stringContaining('"type":"error"') });
    expect(answered[1]).toEqual({ url: '/both', status: 503, body: expect.stringContaining('"type":"service_unavailable"') });
  });

  it('leaves the rest to fastify', () => {
    expect(attempt('GET', '/both', json)).toBe(false);
    expect(attempt('POST', '/v1/messages?beta=true', json)).toBe(false);
    expect(attempt('POST', '/v1/messages/', json)).toBe(false);
    expect(attempt('POST', '/v1/messages', { ...json, 'content-type': 'text/plain' })).toBe(false);
    expect(attempt('POST', '/v1/messages', { ...json, 'content-type': 'application/jsonx' })).toBe(false);
    expect(attempt('POST', '/v1/messages', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })).toBe(false);
    expect(attempt('POST', '/v1/messages', { 'content-type': 'application/json' })).toBe(false);
    for (const url of ['/raw', '/upload', '/items/:id', '/items/1', '/files/*', '/files/a', '/get-only', '/unknown']) expect(attempt('POST', url, json)).toBe(false);
  });

  it('is not installed when no route qualifies', () => {
    expect(pluginRouteFastPath({} as never, [registeredRoute('p', route({ url: '/raw', body: 'raw' }))])).toBeUndefined();
  });
});
