/**
 * The call fast path (kernel/server/call-fast-path.ts) answers POST /v1/chat/completions and the
 * like before fastify sees them. `app.inject` goes through fastify's own handler, not the HTTP
 * server, so the same request sent both ways must get the same answer: status, headers, body.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callFastPath } from '../kernel/server/call-fast-path.js';
import { DEFAULT_JSON_LIMITS } from '../kernel/server/json-body.js';
import { STATIC_CALL_ROUTES } from '../kernel/proxy/openai-routes.js';
import { comparableAnswer, type Answer } from './support/answers.js';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

let upstream: MockOpenAI;
let sluice: TestGateway;
const BODY_LIMIT_BYTES = Math.round(0.002 * 1024 * 1024);

beforeAll(async () => {
  upstream = await startMockOpenAI();
  sluice = await startGateway(proxyConfig(upstream.url, { server: { body_limit_mb: 0.002 } }));
});

afterAll(async () => {
  await sluice?.close();
  await upstream?.close();
});


async function overHttp(path: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  const res = await fetch(`${sluice.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

async function throughFastify(path: string, headers: Record<string, string>, body: string | undefined): Promise<Answer> {
  const res = await sluice.gateway.app.inject({ method: 'POST', url: path, headers, payload: body });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = String(v);
  return { status: res.statusCode, headers: out, body: res.body };
}

const json = { 'content-type': 'application/json' };
const auth = { ...json, authorization: `Bearer ${MASTER_KEY}` };
const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

describe('call fast path', () => {
  it.each([
    ['a chat completion', '/v1/chat/completions', auth, chat],
    ['a streamed chat completion', '/chat/completions', auth, JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] })],
    ['an embedding', '/v1/embeddings', auth, JSON.stringify({ model: 'text-embedding-3-small', input: 'hi' })],
    ['a completion on a chat-only path', '/v1/completions', auth, JSON.stringify({ model: 'gpt-4o-mini', prompt: 'hi' })],
    ['no key', '/v1/chat/completions', json, chat],
    ['a wrong key', '/v1/chat/completions', { ...json, authorization: 'Bearer sk-wrong-0000' }, chat],
    ['malformed JSON', '/v1/chat/completions', auth, '{"model": "gpt-4o-mini", "messages": ['],
    ['a JSON array', '/v1/chat/completions', auth, '[1,2]'],
    ['an empty body', '/v1/chat/completions', auth, ''],
    ['no messages', '/v1/chat/completions', auth, JSON.stringify({ model: 'gpt-4o-mini' })],
    ['an unknown model', '/v1/chat/completions', auth, JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] })],
    ['a body over the limit', '/v1/chat/completions', auth, JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT_BYTES) }] })],
    ['a query string', '/v1/chat/completions?api-version=2024-10-21', auth, chat],
    ['a JSON content type with a charset', '/v1/chat/completions', { ...auth, 'content-type': 'application/json; charset=utf-8' }, chat],
    ['an upstream failure', '/v1/chat/completions', { ...auth, 'x-test-fail': '1' }, chat],
  ] as [string, string, Record<string, string>, string][])('%s: the same answer as through fastify', async (_name, path, headers, body) => {
    upstream.behaviour = headers['x-test-fail'] ? { fail: { status: 500, body: { error: { message: 'boom' } } } } : {};
    const fast = await overHttp(path, headers, body);
    const slow = await throughFastify(path, headers, body);
    upstream.behaviour = {};
    expect(comparableAnswer(fast)).toEqual(comparableAnswer(slow));
    expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fast.headers['x-litellm-call-id']).toBe(fast.headers['x-request-id']);
  });

  it("keeps the client's own x-request-id, as fastify's path does", async () => {
    const fast = await overHttp('/v1/chat/completions', { ...auth, 'x-request-id': 'client-id-1' }, chat);
    expect(fast.status).toBe(200);
    expect(fast.headers['x-request-id']).toBe('client-id-1');
    const refused = await overHttp('/v1/chat/completions', { ...json, 'x-request-id': 'client-id-2' }, chat);
    expect(refused.status).toBe(401);
    expect(refused.headers['x-request-id']).toBe('client-id-2');
  });

  it('leaves other shapes to fastify: a text/plain body, a chunked body, a path with a parameter', async () => {
    const plain = await overHttp('/v1/chat/completions', { ...auth, 'content-type': 'text/plain' }, chat);
    expect(plain.status).toBe(200);
    const chunked = await fetch(`${sluice.url}/v1/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: new Blob([chat]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(200);
    expect(((await chunked.json()) as { object: string }).object).toBe('chat.completion');
    const azure = await overHttp('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21', auth, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(azure.status).toBe(200);
  });

  it('a GET on a call route is still a 404 envelope from fastify', async () => {
    const res = await fetch(`${sluice.url}/v1/chat/completions`, { headers: auth });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBeDefined();
  });

  it('a client that leaves mid-body costs no answer, no call and no crash', async () => {
    const seen = upstream.requests.length;
    const port = Number(new URL(sluice.url).port);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${MASTER_KEY}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
      socket.on('error', reject);
    });
    const after = await overHttp('/v1/chat/completions', auth, chat);
    expect(after.status).toBe(200);
    expect(upstream.requests.length).toBe(seen + 1);
  });
});

describe('which requests the fast path takes', () => {
  const taken: string[] = [];
  const fastPath = callFastPath(
    {
      hooks: undefined as never,
      log: undefined as never,
      pipeline: { scrub: (t: string) => t } as never,
      bodyLimitBytes: 1024,
      clientIp: () => '127.0.0.1',
      json: DEFAULT_JSON_LIMITS,
      // Every request it takes is answered 503 at once: no hooks, pipeline or body needed.
      isShuttingDown: () => true,
      requestId: () => 'id-1',
    },
    STATIC_CALL_ROUTES,
  );
  const attempt = (method: string, url: string, headers: Record<string, string>): boolean => {
    const res = { headersSent: false, writeHead: (status: number) => taken.push(`${url} ${status}`), end: () => undefined };
    return fastPath({ method, url, headers } as never, res as never);
  };
  const json = { 'content-type': 'application/json', 'content-length': '2' };

  it('takes a POST with a JSON body of a stated length on a call route, with or without /v1 or a query', () => {
    for (const url of ['/v1/chat/completions', '/chat/completions', '/v1/completions', '/completions', '/v1/embeddings', '/embeddings', '/v1/chat/completions?a=1', '/rerank', '/v1/rerank', '/v2/rerank']) {
      expect(attempt('POST', url, json)).toBe(true);
    }
    expect(attempt('POST', '/v1/chat/completions', { ...json, 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(attempt('POST', '/v1/chat/completions', { 'content-length': '0' })).toBe(true);
  });

  it('leaves everything else to fastify', () => {
    expect(attempt('GET', '/v1/chat/completions', json)).toBe(false);
    expect(attempt('POST', '/v1/chat/completions/', json)).toBe(false);
    expect(attempt('POST', '/v1/models', json)).toBe(false);
    expect(attempt('POST', '/openai/deployments/x/chat/completions', json)).toBe(false);
    expect(attempt('POST', '/v1/v2/rerank', json)).toBe(false);
    expect(attempt('POST', '/v1/chat/completions', { 'content-type': 'text/plain', 'content-length': '2' })).toBe(false);
    expect(attempt('POST', '/v1/chat/completions', { 'content-type': 'application/jsonx', 'content-length': '2' })).toBe(false);
    expect(attempt('POST', '/v1/chat/completions', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })).toBe(false);
    expect(attempt('POST', '/v1/chat/completions', { 'content-type': 'application/json' })).toBe(false);
    expect(attempt('POST', '/v1/chat/completions', { 'content-type': 'application/json', 'content-length': '1e3' })).toBe(false);
    expect(attempt('POST', '/v1/chat/completions', { 'content-length': '2' })).toBe(false);
  });

  it('answers the requests it takes', async () => {
    taken.length = 0;
    attempt('POST', '/v1/embeddings', json);
    await new Promise((r) => setImmediate(r));
    expect(taken).toEqual(['/v1/embeddings 503']);
  });
});

describe('the gateway server', () => {
  it('hands requests to the fast path first', () => {
    // Wiring only: that the two paths answer alike is the differential test above.
    const listeners = sluice.gateway.app.server.listeners('request');
    expect(listeners).toHaveLength(1);
    expect(String(listeners[0])).toContain('fastPath');
  });
});
