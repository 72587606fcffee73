/**
 * Issue 12, "The request path" (items 8–10): bounded JSON bodies, a spend path that cannot lose a
 * call, and request timeouts / a per-IP connection cap on both HTTP paths (the call fast path and
 * fastify).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from '../support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../support/mock-openai.js';
import { pluginSource, writeTestPlugin } from '../support/test-plugins.js';
import { client } from '../../plugins/governance-tenancy/test/tenancy-client.js';

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream?.close();
});

/** `{"a":{"a":…{}…}}` nested `depth` levels, built as text (JSON.stringify would recurse). */
function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
}

function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

interface Answer {
  status: number;
  json: { error?: { message: string; type: string; code: unknown }; [k: string]: unknown };
}

async function post(gw: TestGateway, path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, json: JSON.parse(await res.text()) as Answer['json'] };
}

const chatWith = (extra: string) => `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]${extra}}`;

function expectBadRequest(answer: Answer, message: RegExp): void {
  expect(answer.status).toBe(400);
  expect(answer.json.error?.type).toBe('invalid_request_error');
  expect(answer.json.error?.code).toBe('400');
  expect(answer.json.error?.message).toMatch(message);
}

describe('item 8: free calls — deep metadata is refused, and a spend event that cannot be built is still recorded', () => {
  let gw: TestGateway;
  const root = tempDir('sluice-request-path-');
  // A plugin that puts into the call's metadata what the spend event cannot copy: a fault injected
  // after parsing, where the depth bound no longer applies.
  const dirs = [
    writeTestPlugin(
      {
        id: 'uncloneable-metadata',
        hooks: { preCall: { stage: 'TRANSFORM' } },
        source: pluginSource(`return { preCall: async (c) => {
          if (c.body.metadata?.poison !== true) return c;
          let deep = {};
          for (let i = 0; i < 20000; i++) deep = { a: deep };
          c.body.metadata = { poison: deep };
          return c;
        } };`),
      },
      root,
    ),
  ];

  beforeAll(async () => {
    gw = await startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'uncloneable-metadata' }] } as never), { extraPluginDirs: dirs });
  });
  afterAll(() => gw?.close());
  const api = client(() => gw);

  it('metadata nested 12,000 levels deep is a 400 on the fast path, before the upstream is called', async () => {
    const before = upstream.requests.length;
    expectBadRequest(await post(gw, '/v1/chat/completions', chatWith(`,"metadata":${deepObject(12_000)}`)), /nested deeper than 64 levels/);
    expect(upstream.requests.length).toBe(before);
  });

  it('the same body without a content type (fastify parses it) is the same 400', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'text/plain' },
      body: chatWith(`,"metadata":${deepObject(12_000)}`),
    });
    expectBadRequest({ status: res.status, json: (await res.json()) as Answer['json'] }, /nested deeper than 64 levels/);
  });

  it('nesting up to the bound is accepted (tool schemas nest)', async () => {
    // 64 levels in all: the body, messages, a message, then 60 more plus the innermost {}.
    const ok = await post(gw, '/v1/chat/completions', chatWith(`,"metadata":${deepObject(62)}`));
    expect(ok.status).toBe(200);
    expectBadRequest(await post(gw, '/v1/chat/completions', chatWith(`,"metadata":${deepObject(63)}`)), /nested deeper than 64 levels/);
  });

  it('a call whose spend event cannot be built still writes a spend row and counts against tpm_limit and max_budget', async () => {
    const limited = await api.ok('POST', '/key/generate', { tpm_limit: 10 });
    const tiny = await api.ok('POST', '/key/generate', { max_budget: 0.0000001 });
    const poisoned = chatWith(',"metadata":{"poison":true}');
    const call = (key: string) => post(gw, '/v1/chat/completions', poisoned, { authorization: `Bearer ${key}` });

    expect((await call(limited.key)).status).toBe(200); // 12 tokens, over the tpm limit of 10 once counted
    expect((await call(tiny.key)).status).toBe(200);
    await gw.gateway.observers.drain();

    await expect.poll(async () => (await api.ok('GET', `/spend/logs?api_key=${limited.token}`)) as unknown[], { timeout: 5_000 }).toHaveLength(1);
    expect((await api.ok('GET', `/key/info?key=${tiny.key}`)).info.spend).toBeGreaterThan(0);
    expect((await call(limited.key)).status).toBe(429);
    const refused = await call(tiny.key);
    expect(refused.status).toBe(400);
    expect(refused.json.error?.type).toBe('budget_exceeded');
    expect(gw.logs.some((l) => l.includes('spend event could not be built'))).toBe(true);
  });
});

describe('item 9: deep JSON anywhere is a 400, never a 500', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(proxyConfig(upstream.url, { server: { json_max_string_length: 1000 } } as never));
  });
  afterAll(() => gw?.close());

  it.each([
    ['deep messages content', chatWith('').replace('"content":"hi"', `"content":${deepArray(12_000)}`)],
    ['a deep extra parameter', chatWith(`,"response_format":${deepObject(12_000)}`)],
    ['a million nested arrays', chatWith(`,"x":${deepArray(1_000_000)}`)],
  ])('%s → 400', async (_name, body) => {
    expectBadRequest(await post(gw, '/v1/chat/completions', body), /nested deeper than 64 levels/);
  });

  it('/key/generate with deep metadata → 400', async () => {
    expectBadRequest(await post(gw, '/key/generate', `{"metadata":${deepObject(12_000)}}`), /nested deeper than 64 levels/);
  });

  it('a string longer than server.json_max_string_length → 400, on a call route and a management route', async () => {
    const long = 'x'.repeat(1001);
    expectBadRequest(await post(gw, '/v1/chat/completions', chatWith(`,"metadata":{"note":"${long}"}`)), /longer than 1000 characters/);
    expectBadRequest(await post(gw, '/key/generate', `{"metadata":{"${long}":1}}`), /longer than 1000 characters/);
    expect((await post(gw, '/v1/chat/completions', chatWith(`,"metadata":{"note":"${'x'.repeat(1000)}"}`))).status).toBe(200);
  });
});

/** Opens a raw connection and writes `head`, then `drip` (a byte of body) every 500 ms until it is closed. */
async function trickle(gw: TestGateway, head: string, drip = 'x'): Promise<{ closedAfterMs: Promise<number>; received: () => string; stop: () => void }> {
  const { hostname, port } = new URL(gw.url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const started = Date.now();
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  socket.on('error', () => {});
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(drip);
  }, 500);
  const closedAfterMs = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    }),
  );
  return { closedAfterMs, received: () => received, stop: () => (clearInterval(timer), socket.destroy()) };
}

const bodyHead = (method: string, path: string, key: string) =>
  `${method} ${path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{`;

describe('item 10: slow bodies time out; a per-IP connection cap', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(proxyConfig(upstream.url, { server: { request_timeout_ms: 2_000, headers_timeout_ms: 1_000 } } as never));
  });
  afterAll(() => gw?.close());

  it.each([
    ['an authenticated call (fast path)', bodyHead('POST', '/v1/chat/completions', MASTER_KEY), 'x', 408],
    ['a call with a wrong key, after its 401', bodyHead('POST', '/v1/chat/completions', 'sk-wrong'), 'x', 401],
    ['a call fastify parses (chunked)', `POST /chat/completions HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${MASTER_KEY}\r\ntransfer-encoding: chunked\r\n\r\n`, '1\r\nx\r\n', 408],
    ['/health/liveliness', bodyHead('GET', '/health/liveliness', 'none'), 'x', 200],
    ['/key/generate', bodyHead('POST', '/key/generate', MASTER_KEY), 'x', 408],
  ])('a body trickled a byte every 500 ms is cut off by server.request_timeout_ms: %s', async (_name, head, drip, status) => {
    const conn = await trickle(gw, head, drip);
    try {
      const ms = await Promise.race([conn.closedAfterMs, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 8_000))]);
      expect(ms).toBeGreaterThanOrEqual(1_500);
      expect(ms).toBeLessThan(8_000);
      // One answer: the route's own if it answered before the body was in, else a 408 envelope.
      expect(conn.received()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(conn.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
      if (status === 408) expect(conn.received()).toMatch(/"code":"408"/);
    } finally {
      conn.stop();
    }
  }, 15_000);

  it('an answer that takes longer than request_timeout_ms is not cut off (the deadline is on receiving the request)', async () => {
    const config = proxyConfig(upstream.url, { server: { request_timeout_ms: 1_000, headers_timeout_ms: 1_000 } } as never);
    config.model_list!.push({ model_name: 'slow', litellm_params: { model: 'openai/slow', api_base: upstream.url, api_key: 'sk-x', timeout: 20 } });
    const slow = await startGateway(config);
    upstream.behaviour = { delayMs: 3_000 };
    try {
      const answer = await post(slow, '/v1/chat/completions', '{"model":"slow","messages":[{"role":"user","content":"hi"}]}');
      expect(answer.status).toBe(200);
    } finally {
      upstream.behaviour = {};
      await slow.close();
    }
  }, 20_000);

  it('headers trickled a byte at a time are cut off by server.headers_timeout_ms', async () => {
    const conn = await trickle(gw, 'GET /health/liveliness HTTP/1.1\r\nx-slow: ');
    try {
      const ms = await Promise.race([conn.closedAfterMs, new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 8_000))]);
      expect(ms).toBeLessThan(8_000);
      expect(conn.received()).toMatch(/^HTTP\/1\.1 408 [\s\S]*x-sluice-error-code: SLUICE_ERR_REQUEST_TIMEOUT[\s\S]*"type":"invalid_request_error"/);
    } finally {
      conn.stop();
    }
  }, 15_000);

  it('server.max_connections_per_ip refuses the connection over the cap with a 429 and closes it', async () => {
    const capped = await startGateway(proxyConfig(upstream.url, { server: { max_connections_per_ip: 3 } } as never));
    const { hostname, port } = new URL(capped.url);
    const open = async () => {
      const socket = connect(Number(port), hostname);
      socket.on('error', () => {});
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      return { socket, closed, received: () => received };
    };
    try {
      const held = [await open(), await open(), await open()];
      const over = await open();
      await Promise.race([over.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the 4th connection stayed open')), 5_000))]);
      expect(over.received()).toMatch(/^HTTP\/1\.1 429 /);
      expect(over.received()).toMatch(/"code":"429"/);
      for (const h of held) expect(h.socket.destroyed).toBe(false);
      // A held connection still serves; once one closes, a new one is accepted.
      held[0]!.socket.write('GET /health/liveliness HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n');
      await held[0]!.closed;
      expect(held[0]!.received()).toMatch(/^HTTP\/1\.1 200 /);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await fetch(`${capped.url}/health/liveliness`)).status).toBe(200);
      for (const h of held) h.socket.destroy();
    } finally {
      await capped.close();
    }
  });
});
