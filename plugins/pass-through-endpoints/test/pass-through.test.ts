/**
 * pass-through-endpoints through a real gateway against fake targets that record what reached
 * them: path, sub-path, query, headers, body bytes; answers relayed as they stream; errors;
 * virtual-key auth and cost_per_request charged to the key.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { DATABASE_BACKENDS } from '../../../test/support/database-backends.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

async function upstream(reply: Parameters<typeof startFakeUpstream>[0] = (_req, res) => sendJson(res, 200, { message: 'Mocked response' })): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(reply);
  closers.push(() => fake.close());
  return fake;
}

async function gateway(endpoints: Record<string, unknown>[], general: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY, pass_through_endpoints: endpoints, ...general } }, { env });
  closers.push(() => gw.close());
  return gw;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A GET with the path sent exactly as written (no client-side dot resolution). */
function rawStatus(gw: TestGateway, path: string): Promise<number> {
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function generateKey(gw: TestGateway, body: Record<string, unknown> = {}): Promise<string> {
  const res = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { key: string }).key;
}

describe('forwarding', () => {
  it('POSTs the body to the target with the configured headers and relays status, headers and body', async () => {
    const target = await upstream((_req, res) => sendJson(res, 201, { id: 'r1', results: [{ index: 2 }] }, { 'x-upstream': 'yes' }));
    const gw = await gateway([{ path: '/cohere/v1/rerank', target: `${target.url}/v1/rerank`, headers: { Authorization: 'bearer sk-cohere-1', accept: 'application/json' } }]);
    const body = JSON.stringify({ model: 'rerank-english-v3.0', query: 'capital?', documents: ['Carson City'] });
    const res = await fetch(`${gw.url}/cohere/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' }, body });

    expect(res.status).toBe(201);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ id: 'r1', results: [{ index: 2 }] });
    const seen = target.requests[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe('/v1/rerank');
    expect(seen.text).toBe(body);
    expect(seen.headers.authorization).toBe('bearer sk-cohere-1'); // the configured one, not the client's
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers['content-type']).toBe('application/json');
  });

  it('forwards every method; GET carries no body; methods limits them with LiteLLM’s 405', async () => {
    const target = await upstream();
    const gw = await gateway([
      { path: '/any', target: `${target.url}/any` },
      { path: '/only-post', target: `${target.url}/p`, methods: ['POST'] },
    ]);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await fetch(`${gw.url}/any`, { method, ...(method !== 'GET' && { body: `{"m":"${method}"}`, headers: { 'content-type': 'application/json' } }) });
      expect(res.status).toBe(200);
    }
    expect(target.requests.map((r) => [r.method, r.text])).toEqual([
      ['GET', ''],
      ['POST', '{"m":"POST"}'],
      ['PUT', '{"m":"PUT"}'],
      ['PATCH', '{"m":"PATCH"}'],
      ['DELETE', '{"m":"DELETE"}'],
    ]);
    const refused = await fetch(`${gw.url}/only-post`);
    expect(refused.status).toBe(405);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('Method GET is not allowed for pass-through endpoint /only-post.');
  });

  it('include_subpath appends the sub-path and the query; `..` cannot climb above the target', async () => {
    const target = await upstream();
    const gw = await gateway([
      { path: '/bria', target: `${target.url}/api`, include_subpath: true },
      { path: '/exact', target: `${target.url}/exact-target` },
    ]);
    expect((await fetch(`${gw.url}/bria/v1/text-to-image/base/2.3?sync=true&n=2`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await fetch(`${gw.url}/bria`)).status).toBe(200);
    expect(await rawStatus(gw, '/bria/v1/../../../secret/')).toBe(200); // fetch would resolve the dots itself
    expect(await rawStatus(gw, '/bria/v1/%2e%2e/%2E%2E/x')).toBe(200);
    expect(target.requests.map((r) => r.path)).toEqual(['/api/v1/text-to-image/base/2.3?sync=true&n=2', '/api', '/api/secret/', '/api/x']);
    // Without include_subpath only the path itself is served.
    expect((await fetch(`${gw.url}/exact/more`)).status).toBe(404);
  });

  it('takes a colon in a path literally', async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/v1/models/gemini-pro:generateContent', target: `${target.url}/g` }]);
    expect((await fetch(`${gw.url}/v1/models/gemini-pro:generateContent`, { method: 'POST', body: '{}' })).status).toBe(200);
    // Read as a parameter, `:generateContent` would match any suffix.
    expect((await fetch(`${gw.url}/v1/models/gemini-pro-anything`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(target.requests.map((r) => r.path)).toEqual(['/g']);
  });

  it("merges the client's query over the target's own and default_query_params", async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/q', target: `${target.url}/q?api-version=2024-01&fixed=1`, default_query_params: { region: 'eu', fixed: 'default' } }]);
    await fetch(`${gw.url}/q?api-version=2025-02&extra=a&extra=b`);
    const q = target.requests[0]!.query;
    expect(q.get('api-version')).toBe('2025-02');
    expect(q.get('fixed')).toBe('1');
    expect(q.get('region')).toBe('eu');
    expect(q.getAll('extra')).toEqual(['a', 'b']);
  });

  it('forward_headers sends the client’s headers but host, content-length and accept-encoding; a configured header wins', async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/fw', target: `${target.url}/fw`, forward_headers: true, headers: { 'X-Tenant': 'configured' } }]);
    await fetch(`${gw.url}/fw`, {
      method: 'POST',
      body: 'hello',
      headers: { 'content-type': 'text/plain', 'x-client': 'c1', 'x-tenant': 'from-client', authorization: 'Bearer sk-client', 'accept-encoding': 'gzip' },
    });
    const h = target.requests[0]!.headers;
    expect(h['x-client']).toBe('c1');
    expect(h['x-tenant']).toBe('configured');
    expect(h.authorization).toBe('Bearer sk-client'); // LiteLLM forwards it when the config sets none
    expect(h.host).toBe(new URL(target.url).host);
    expect(h['accept-encoding']).toBeUndefined();
    expect(h['content-length']).toBe('5');
  });

  it('without forward_headers only the configured headers, the content type and x-pass- headers go', async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/nf', target: `${target.url}/nf`, headers: { 'api-token': 'tok-1' } }]);
    await fetch(`${gw.url}/nf`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json', 'x-client': 'c1', 'x-pass-anthropic-beta': 'tools-2024', 'x-pass-authorization': 'Bearer evil' },
    });
    const h = target.requests[0]!.headers;
    expect(h['x-client']).toBeUndefined();
    expect(h['api-token']).toBe('tok-1');
    expect(h['anthropic-beta']).toBe('tools-2024');
    expect(h.authorization).toBeUndefined(); // x-pass- cannot set credentials
  });

  it('resolves os.environ/ references inside header values and never logs them', async () => {
    const target = await upstream();
    const gw = await gateway(
      [{ path: '/env', target: `${target.url}/env`, headers: { Authorization: 'bearer os.environ/PT_TEST_COHERE_KEY', 'X-Whole': 'os.environ/PT_TEST_WHOLE' } }],
      {},
      { PT_TEST_COHERE_KEY: 'co-secret-8a7b6c', PT_TEST_WHOLE: 'whole-value-1' },
    );
    await fetch(`${gw.url}/env`, { method: 'POST', body: '{}' });
    expect(target.requests[0]!.headers.authorization).toBe('bearer co-secret-8a7b6c');
    expect(target.requests[0]!.headers['x-whole']).toBe('whole-value-1');
    expect(gw.logs.join('\n')).not.toContain('co-secret-8a7b6c');
  });
});

describe('bodies', () => {
  it('forwards non-JSON bytes exactly: binary, text, multipart with its boundary', async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/upload', target: `${target.url}/upload` }]);
    const binary = Buffer.from([0, 255, 1, 254, 0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]);
    await fetch(`${gw.url}/upload`, { method: 'PUT', body: binary, headers: { 'content-type': 'application/octet-stream' } });
    await fetch(`${gw.url}/upload`, { method: 'POST', body: 'not { json', headers: { 'content-type': 'text/plain' } });
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([binary], { type: 'image/png' }), 'img.png');
    await fetch(`${gw.url}/upload`, { method: 'POST', body: form });

    const [bin, text, multipart] = target.requests;
    expect(bin!.raw.equals(binary)).toBe(true);
    expect(bin!.headers['content-type']).toBe('application/octet-stream');
    expect(text!.text).toBe('not { json');
    const type = String(multipart!.headers['content-type']);
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
    // The target can parse the form it received: the same fields and file bytes.
    const parsed = await new Response(multipart!.raw, { headers: { 'content-type': type } }).formData();
    expect(parsed.get('purpose')).toBe('batch');
    const file = parsed.get('file') as File;
    expect(file.name).toBe('img.png');
    expect(Buffer.from(await file.arrayBuffer()).equals(binary)).toBe(true);
  });

  it('refuses a body over the server body limit with 413', async () => {
    const target = await upstream();
    const gw = await startGateway({ model_list: [], server: { body_limit_mb: 0.001 }, general_settings: { master_key: MASTER_KEY, pass_through_endpoints: [{ path: '/big', target: target.url }] } });
    closers.push(() => gw.close());
    const res = await fetch(`${gw.url}/big`, { method: 'POST', body: Buffer.alloc(4096, 1) });
    expect(res.status).toBe(413);
    expect(target.requests).toHaveLength(0);
  });
});

describe('streaming', () => {
  it('relays an SSE stream chunk by chunk: the client reads the first event before the target writes the second', async () => {
    let sendSecond!: () => void;
    const second = new Promise<void>((resolve) => (sendSecond = resolve));
    const target = await upstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      await second;
      res.end('data: {"n":2}\n\ndata: [DONE]\n\n');
    });
    const gw = await gateway([{ path: '/stream', target: `${target.url}/s` }]);
    const res = await fetch(`${gw.url}/stream`, { method: 'POST', body: '{"stream":true}', headers: { 'content-type': 'application/json' } });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let got = '';
    while (!got.includes('{"n":1}')) got += decoder.decode((await reader.read()).value);
    expect(got).toBe('data: {"n":1}\n\n'); // the second event does not exist yet
    sendSecond();
    for (let r = await reader.read(); !r.done; r = await reader.read()) got += decoder.decode(r.value);
    expect(got).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
  });

  it('cancels the request to the target when the client goes away mid-stream', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const target = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      res.on('close', () => upstreamClosed()); // never ends on its own
    });
    const gw = await gateway([{ path: '/stream', target: `${target.url}/s` }]);
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/stream`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await closed; // resolves only if the gateway closed its request to the target
    expect(gw.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
  });
});

describe('client going away', () => {
  it('before the target answered: the request to the target is cancelled, and nothing is logged as an error', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const target = await upstream((_req, res) => {
      res.on('close', () => upstreamClosed()); // never answers
      arrived();
    });
    const gw = await gateway([{ path: '/wait', target: `${target.url}/w` }]);
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/wait`, { method: 'POST', body: '{}', signal: controller.signal }).catch(() => undefined);
    await reached;
    controller.abort();
    await pending;
    await closed;
    expect(gw.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
  });
});

describe('errors', () => {
  it('relays an upstream 4xx/5xx with its status, headers and body', async () => {
    const target = await upstream((req, res) =>
      req.pathname === '/limited'
        ? sendJson(res, 429, { error: { code: '429', message: 'Too many requests' } }, { 'retry-after': '7' })
        : sendJson(res, 500, { error: { code: '500', message: 'Internal error' } }),
    );
    const gw = await gateway([{ path: '/p', target: target.url, include_subpath: true }]);
    const limited = await fetch(`${gw.url}/p/limited`, { method: 'POST', body: '{}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({ error: { code: '429', message: 'Too many requests' } });
    const failed = await fetch(`${gw.url}/p/broken`, { method: 'POST', body: '{}' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: '500', message: 'Internal error' } });
  });

  it('a target that is down is a clear 500 naming the endpoint and the target', async () => {
    const down = await upstream();
    const url = down.url;
    await down.close();
    const gw = await gateway([{ path: '/down', target: `${url}/v1/x`, headers: { Authorization: 'Bearer sk-target-secret-77' } }]);
    const res = await fetch(`${gw.url}/down`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error.message).toContain(`Pass-through endpoint /down: could not reach ${url}/v1/x`);
    expect(body.error.code).toBe('500');
    expect(res.headers.get('x-sluice-error-code')).toBe('PASS_THROUGH_UNREACHABLE');
  });

  it('a target that stalls is cut off at the endpoint timeout', async () => {
    const target = await upstream(() => undefined); // never answers
    const gw = await gateway([{ path: '/slow', target: `${target.url}/slow`, timeout: 0.3 }]);
    const res = await fetch(`${gw.url}/slow`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message.toLowerCase()).toContain('timeout');
  });

  it('a pass-through path the gateway already serves keeps the gateway route, with a warning', async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/v1/models', target: target.url, methods: ['GET'] }]);
    const res = await fetch(`${gw.url}/v1/models`, { headers: bearer(MASTER_KEY) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe('list');
    expect(target.requests).toHaveLength(0);
    expect(gw.logs.join('\n')).toContain('GET /v1/models is already served by the gateway');
  });

  it('an entry whose target is an unset os.environ/ variable is skipped with a warning; the rest is served', async () => {
    const target = await upstream();
    const gw = await gateway([
      { path: '/azure-config-passthrough', target: 'os.environ/PT_TEST_UNSET_AZURE_API_BASE', include_subpath: true },
      { path: '/ok', target: target.url },
    ]);
    expect((await fetch(`${gw.url}/azure-config-passthrough/x`)).status).toBe(404);
    expect((await fetch(`${gw.url}/ok`)).status).toBe(200);
    expect(gw.logs.join('\n')).toContain('pass-through endpoint /azure-config-passthrough has no target');
  });

  it('refuses a target that is not an http(s) URL at startup, naming the entry', async () => {
    await expect(startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY, pass_through_endpoints: [{ path: '/x', target: 'not a url' }] } })).rejects.toThrow(
      /pass_through_endpoints\[0\]\.target/,
    );
  });
});

describe('auth and cost', () => {
  it('auth unset: anyone may call; auth: true: a key is required (401 without, 401 for an unknown one)', async () => {
    const target = await upstream();
    const gw = await gateway([
      { path: '/open', target: target.url },
      { path: '/closed', target: target.url, auth: true },
    ]);
    expect((await fetch(`${gw.url}/open`, { method: 'POST', body: '{}' })).status).toBe(200);
    const missing = await fetch(`${gw.url}/closed`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    const unknown = await fetch(`${gw.url}/closed`, { method: 'POST', body: '{}', headers: bearer('sk-not-a-key-123456') });
    expect(unknown.status).toBe(401);
    expect(target.requests).toHaveLength(1);
    expect((await fetch(`${gw.url}/closed`, { method: 'POST', body: '{}', headers: bearer(MASTER_KEY) })).status).toBe(200);
    expect(target.requests).toHaveLength(2);
  });

  it('auth: true accepts a virtual key and refuses it once blocked', async () => {
    const target = await upstream();
    const gw = await gateway([{ path: '/closed', target: target.url, auth: true, include_subpath: true }]);
    const key = await generateKey(gw);
    expect((await fetch(`${gw.url}/closed/v1/x`, { method: 'POST', body: '{}', headers: bearer(key) })).status).toBe(200);
    const block = await fetch(`${gw.url}/key/block`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
    expect(block.status).toBe(200);
    const refused = await fetch(`${gw.url}/closed/v1/x`, { method: 'POST', body: '{}', headers: bearer(key) });
    expect(refused.status).toBe(401);
    expect(target.requests).toHaveLength(1);
  });

  it.each(DATABASE_BACKENDS)('cost_per_request is charged to the calling key: its spend grows and a spend log row says pass_through_endpoint ($name)', async (backend) => {
    if (backend.skip) return void console.warn(`skipped on ${backend.name}: ${backend.skip}`);
    const db = await backend.open();
    closers.push(() => db.drop());
    const target = await upstream();
    const gw = await gateway([{ path: '/bria', target: target.url, include_subpath: true, auth: true, cost_per_request: 12 }], {}, db.env);
    const key = await generateKey(gw, { key_alias: 'pt-key' });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.url}/bria/v1/text-to-image`, { method: 'POST', body: '{"model":"bria-2.3","prompt":"a book"}', headers: { ...bearer(key), 'content-type': 'application/json', 'x-litellm-tags': 'images' } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // A failed forward (upstream 4xx) is logged, not charged.
    target.reply = (_req, res) => sendJson(res, 400, { error: 'bad' });
    expect((await fetch(`${gw.url}/bria/v1/x`, { method: 'POST', body: '{}', headers: bearer(key) })).status).toBe(400);

    await eventually(async () => {
      const info = await fetch(`${gw.url}/key/info?key=${key}`, { headers: bearer(MASTER_KEY) });
      expect(((await info.json()) as { info: { spend: number } }).info.spend).toBeCloseTo(24, 6);
    });
    await eventually(async () => {
      const logs = await fetch(`${gw.url}/spend/logs?api_key=${key}`, { headers: bearer(MASTER_KEY) });
      const rows = (await logs.json()) as { call_type: string; spend: number; model: string; status: string; request_tags: unknown }[];
      expect(rows).toHaveLength(3);
      const charged = rows.filter((r) => r.spend > 0);
      expect(charged).toHaveLength(2);
      for (const r of charged) {
        expect(r.call_type).toBe('pass_through_endpoint');
        expect(r.spend).toBe(12);
        expect(r.model).toBe('bria-2.3');
        expect(JSON.stringify(r.request_tags)).toContain('images');
      }
      expect(rows.filter((r) => r.status === 'failure')).toHaveLength(1);
    });
  });
});

/** Retries an assertion until it holds (spend is written in batches, off the request path), up to 10 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
