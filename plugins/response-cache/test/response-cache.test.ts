/**
 * Response caching end to end: real gateways with `litellm_settings.cache: true`, a mock OpenAI
 * upstream that records every request it got (so "served from the cache" means "the upstream saw
 * nothing"), the official `openai` SDK reading replayed streams, and real Redis shared by two
 * gateways. A probe plugin hands out principals with chosen `allowedCacheControls` and records the
 * spend events.
 */
import { request as httpRequest } from 'node:http';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal, SpendEvent } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, deleteRedisKeys, uniqueTag } from '../../../test/support/backends.js';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { tcpRelay } from '../../../test/support/tcp-relay.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { cacheKey, pyRepr } from '../src/cache-key.js';
import { REDIS_PREFIX } from '../src/cache-store.js';

interface Probe {
  principals: Map<string, Principal>;
  spend: SpendEvent[];
}
const probe: Probe = ((globalThis as unknown as { __cacheProbe: Probe }).__cacheProbe = { principals: new Map(), spend: [] });

const probePlugin = writeTestPlugin({
  id: 'cache-probe',
  hooks: { preAuth: { stage: 'AUTH' }, onSpend: { stage: 'OBSERVE' }, postCall: { stage: 'DEFAULT' } },
  source: pluginSource(`
    return {
      preAuth: async (input) => globalThis.__cacheProbe.principals.get(input.token),
      // Counts the postCall runs a response went through, for calls that ask (metadata.mark).
      postCall: async (ctx) => { if (ctx.call.body.metadata?.mark) ctx.response.marked = (ctx.response.marked ?? 0) + 1; },
      onSpend: async (event) => { globalThis.__cacheProbe.spend.push(event); },
    };`),
});

function cacheConfig(upstreamUrl: string, cacheParams: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): SluiceConfig {
  return proxyConfig(upstreamUrl, {
    litellm_settings: { cache: true, cache_params: { type: 'local', ...cacheParams }, ...settings },
    plugins: [{ use: 'cache-probe' }],
  } as Partial<SluiceConfig>);
}

interface Reply {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

async function call(gw: TestGateway, path: string, body: unknown, token = MASTER_KEY, method = 'POST'): Promise<Reply> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });
const chat = (gw: TestGateway, content: string, extra: Record<string, unknown> = {}, token?: string) => call(gw, '/v1/chat/completions', chatBody(content, extra), token);

/** Upstream chat calls whose last message is `content`. */
const upstreamCalls = (upstream: MockOpenAI, content: string) =>
  upstream.requests.filter((r) => JSON.stringify(r.body.messages ?? r.body.input ?? '').includes(JSON.stringify(content).slice(1, -1))).length;

/** Spend is delivered off the request path: wait for the queue, then read what the probe saw. */
async function spendOf(gw: TestGateway, requestId: string): Promise<SpendEvent> {
  await gw.gateway.observers.drain();
  const event = probe.spend.find((e) => e.requestId === requestId);
  if (!event) throw new Error(`no spend event for ${requestId}`);
  return event;
}

/** A POST with `Transfer-Encoding: chunked`, which the fast path leaves to fastify. */
function chunkedPost(gw: TestGateway, path: string, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    const json = JSON.stringify(body);
    req.write(json.slice(0, 10));
    req.end(json.slice(10));
  });
}

/** The store is written after the client got its answer: give that write its turn. */
const stored = () => new Promise((r) => setTimeout(r, 20));

let n = 0;
const unique = (label: string) => `${label} ${uniqueTag()} ${++n}`;

describe('cache key (LiteLLM get_cache_key)', () => {
  it('hashes `name: value` of each LLM API parameter, Python-printed, model first', () => {
    // sha256 of: model: gpt-4o-minimessages: [{'role': 'user', 'content': "what's up"}]temperature: 0.2stream: True
    // (computed with Python's hashlib over LiteLLM's source string)
    const key = cacheKey(
      { messages: [{ role: 'user', content: "what's up" }], model: 'gpt-4o-mini', temperature: 0.2, stream: true, metadata: { a: 1 }, cache: { ttl: 5 } },
      { namespace: undefined, providerSpecificParams: false },
    );
    expect(key).toBe('7de3c839304178c5ce19f4366f0d01ba63b2cb8cd73693e80cefae5abc4d5ed1');
  });

  it('embedding input, namespaces, and what does not count', () => {
    const opts = { namespace: undefined, providerSpecificParams: false };
    expect(cacheKey({ model: 'text-embedding-3-small', input: ['a', 'b'] }, opts)).toBe('a4e28056ca9ede9319b24da01a6149b18867ce51c1e480e35751c58b5aae491b');
    expect(cacheKey({ model: 'text-embedding-3-small', input: ['a', 'b'] }, { ...opts, namespace: 'team-a' })).toBe('team-a:a4e28056ca9ede9319b24da01a6149b18867ce51c1e480e35751c58b5aae491b');
    const base = cacheKey(chatBody('x'), opts);
    expect(cacheKey({ ...chatBody('x'), metadata: { tags: ['t'] }, user_api_key_alias: 'k', top_k_unknown: 3, temperature: null }, opts)).toBe(base);
    expect(cacheKey({ ...chatBody('x'), temperature: 0 }, opts)).not.toBe(base);
    expect(cacheKey({ ...chatBody('x'), user: 'u1' }, opts)).not.toBe(base);
    // a provider-specific field counts only with enable_caching_on_provider_specific_optional_params
    expect(cacheKey({ ...chatBody('x'), top_k_unknown: 3 }, { ...opts, providerSpecificParams: true })).not.toBe(base);
  });

  it("prints values as Python's repr", () => {
    expect(pyRepr({ a: [1, 2.5, null, false], q: 'say "hi"', r: 'it\'s "x"', n: 'a\nb\\c', e: 1e-7, f: 1e21 })).toBe(
      `{'a': [1, 2.5, None, False], 'q': 'say "hi"', 'r': 'it\\'s "x"', 'n': 'a\\nb\\\\c', 'e': 1e-07, 'f': 1e+21}`,
    );
  });
});

describe('local cache', () => {
  let upstream: MockOpenAI;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startMockOpenAI({ reply: 'first answer' });
    gw = await startGateway(cacheConfig(upstream.url), { extraPluginDirs: [probePlugin] });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.behaviour.reply = 'first answer';
  });

  it('a repeated call is answered from the cache: no upstream call, x-litellm-cache-key, cost 0, spend marked as a hit', async () => {
    const content = unique('hello');
    const miss = await chat(gw, content);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-litellm-cache-key')).toBeNull(); // LiteLLM sends it on hits only
    await stored();
    upstream.behaviour.reply = 'a different answer';
    const hit = await chat(gw, content);
    expect(hit.status).toBe(200);
    expect(hit.json).toEqual(miss.json);
    expect(hit.json.choices[0].message.content).toBe('first answer');
    expect(upstreamCalls(upstream, content)).toBe(1);
    const key = cacheKey(chatBody(content), { namespace: undefined, providerSpecificParams: false });
    expect(hit.headers.get('x-litellm-cache-key')).toBe(key);
    expect(hit.headers.get('x-litellm-response-cost')).toBe('0');
    expect(hit.headers.get('x-litellm-call-id')).toBe(hit.headers.get('x-request-id'));
    expect(hit.headers.get('x-litellm-model-id')).toBe(miss.headers.get('x-litellm-model-id'));

    const missSpend = await spendOf(gw, miss.headers.get('x-request-id')!);
    expect(missSpend).toMatchObject({ cacheHit: false, cacheKey: key, status: 'success' });
    const hitSpend = await spendOf(gw, hit.headers.get('x-request-id')!);
    expect(hitSpend).toMatchObject({ cacheHit: true, cacheKey: key, cost: 0, status: 'success', httpStatus: 200, model: 'gpt-4o-mini' });
    expect(hitSpend.usage.total_tokens).toBe(12); // the cached answer's usage, priced at 0
  });

  it("postCall runs on a hit, on the provider's answer as it was stored (not on the already processed one)", async () => {
    const content = unique('post call');
    const miss = await chat(gw, content, { metadata: { mark: true } });
    expect(miss.json.marked).toBe(1);
    await stored();
    const hit = await chat(gw, content, { metadata: { mark: true } });
    expect(hit.headers.get('x-litellm-cache-key')).not.toBeNull();
    expect(hit.json.marked).toBe(1);
    expect((await chat(gw, content)).json.marked).toBeUndefined();
  });

  it('spend logs record a hit with spend 0, cache_hit True and its cache_key', async () => {
    const content = unique('spend log');
    const miss = await chat(gw, content);
    await stored();
    const hit = await chat(gw, content);
    const key = hit.headers.get('x-litellm-cache-key');
    expect(key).not.toBeNull();
    let rows: { cache_hit: string; cache_key: string | null; spend: number; request_id: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await call(gw, '/spend/logs?summarize=false', undefined, MASTER_KEY, 'GET');
      rows = (Array.isArray(res.json) ? res.json : []).filter((r: { cache_key: string | null }) => r.cache_key === key);
      if (rows.length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const hitRow = rows.find((r) => r.cache_hit === 'True');
    const missRow = rows.find((r) => r.cache_hit === 'False');
    expect(hitRow).toMatchObject({ spend: 0 });
    expect(missRow?.request_id).toBe(miss.json.id);
  });

  it('different parameters are different entries; metadata is not part of the key', async () => {
    const content = unique('params');
    await chat(gw, content, { temperature: 0.1 });
    await stored();
    expect((await chat(gw, content, { temperature: 0.1, metadata: { tags: ['x'] } })).headers.get('x-litellm-cache-key')).not.toBeNull();
    expect((await chat(gw, content, { temperature: 0.9 })).headers.get('x-litellm-cache-key')).toBeNull();
    expect(upstreamCalls(upstream, content)).toBe(2);
  });

  it('streams are cached and replayed as streams the openai SDK reads', async () => {
    const content = unique('stream me');
    upstream.behaviour.reply = 'streamed words come back';
    const read = async () => {
      const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream: true }).withResponse();
      const pieces: string[] = [];
      let finish: string | null | undefined;
      let sawUsage = false;
      for await (const chunk of stream) {
        pieces.push(chunk.choices[0]?.delta?.content ?? '');
        finish ??= chunk.choices[0]?.finish_reason;
        if (chunk.usage) sawUsage = true;
      }
      return { text: pieces.join(''), finish, sawUsage, headers: response.headers };
    };
    const first = await read();
    await stored();
    upstream.behaviour.reply = 'something else';
    const second = await read();
    expect(first.text).toBe('streamed words come back');
    expect(second.text).toBe('streamed words come back');
    expect(second.finish).toBe('stop');
    expect(second.sawUsage).toBe(false); // not asked for: the usage chunk stays out of the replay too
    expect(second.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(second.headers.get('x-litellm-cache-key')).toMatch(/^[0-9a-f]{64}$/);
    expect(upstreamCalls(upstream, content)).toBe(1);
    // A plain request is another entry (`stream` is part of LiteLLM's key).
    const plain = await chat(gw, content);
    expect(plain.headers.get('x-litellm-cache-key')).toBeNull();
    expect(upstreamCalls(upstream, content)).toBe(2);
    // Usage asked for (`stream_options` is part of the key): the replay carries the cached usage in its own chunk.
    const streamWithUsage = () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...chatBody(content), stream: true, stream_options: { include_usage: true } }),
      });
    await (await streamWithUsage()).text();
    await stored();
    const res = await streamWithUsage();
    expect(res.headers.get('x-litellm-cache-key')).not.toBeNull();
    const sse = await res.text();
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sse.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as { object: string; choices: unknown[]; usage?: { total_tokens: number } });
    expect(events.every((e) => e.object === 'chat.completion.chunk')).toBe(true);
    expect(events.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 12 } });
    expect(upstreamCalls(upstream, content)).toBe(3);
    const hitSpend = await spendOf(gw, res.headers.get('x-request-id')!);
    expect(hitSpend).toMatchObject({ cacheHit: true, cost: 0, stream: true });
  });

  it('a hit is the same through the fast path and through fastify (a body without Content-Length)', async () => {
    const content = unique('both paths');
    await chat(gw, content);
    await stored();
    const fast = await chat(gw, content);
    const viaFastify = await chunkedPost(gw, '/v1/chat/completions', chatBody(content));
    expect(viaFastify.status).toBe(200);
    expect(JSON.parse(viaFastify.text)).toEqual(fast.json);
    expect(viaFastify.headers['x-litellm-cache-key']).toBe(fast.headers.get('x-litellm-cache-key'));
    expect(viaFastify.headers['x-litellm-response-cost']).toBe('0');
    expect(upstreamCalls(upstream, content)).toBe(1);
  });

  it('embeddings are cached per input element, as LiteLLM caches them', async () => {
    const [a, b] = [unique('embed a'), unique('embed b')];
    const embed = (input: unknown) => call(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input });
    const upstreamEmbeds = () => upstream.requests.filter((r) => r.path.endsWith('/embeddings') && JSON.stringify(r.body.input).includes(a.slice(-12))).length;
    const first = await embed([a, b]);
    expect(first.status).toBe(200);
    await stored();
    const second = await embed([a, b]);
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ object: 'list', model: first.json.model, data: [{ index: 0, embedding: [0.1, 0.2, 0.3] }, { index: 1, embedding: [0.1, 0.2, 0.3] }] });
    expect(second.json.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 }); // the stored shares: 2 + 1
    expect(second.headers.get('x-litellm-cache-key')).toBeNull(); // a list hit carries none in LiteLLM
    expect(second.headers.get('x-litellm-response-cost')).toBe('0');
    // Elements are entries of their own: another order, or one element alone, is a hit too.
    expect((await embed([b, a])).json.data).toHaveLength(2);
    const single = await embed(a);
    expect(single.headers.get('x-litellm-cache-key')).toBe(cacheKey({ model: 'text-embedding-3-small', input: a }, { namespace: undefined, providerSpecificParams: false }));
    expect(upstreamEmbeds()).toBe(1);
    expect(await spendOf(gw, second.headers.get('x-request-id')!)).toMatchObject({ cacheHit: true, cost: 0, endpoint: 'embeddings' });
    // An element missing: the request goes upstream whole, and stores its elements again.
    const key = cacheKey({ model: 'text-embedding-3-small', input: b }, { namespace: undefined, providerSpecificParams: false });
    expect((await call(gw, '/cache/delete', { keys: [key] })).status).toBe(200);
    await embed([a, b]);
    expect(upstreamEmbeds()).toBe(2);
  });

  it('cache: {no-cache} skips the lookup, {no-store} skips the write', async () => {
    const content = unique('controls');
    await chat(gw, content);
    await stored();
    const fresh = await chat(gw, content, { cache: { 'no-cache': true } });
    expect(fresh.headers.get('x-litellm-cache-key')).toBeNull();
    expect(upstreamCalls(upstream, content)).toBe(2);
    expect(upstream.requests.at(-1)!.body).not.toHaveProperty('cache'); // never sent upstream

    const other = unique('no store');
    await chat(gw, other, { cache: { 'no-store': true } });
    await stored();
    expect((await chat(gw, other)).headers.get('x-litellm-cache-key')).toBeNull();
    expect(upstreamCalls(upstream, other)).toBe(2);
  });

  it('cache: {s-maxage} refuses entries older than that; {namespace} keeps entries apart', async () => {
    const content = unique('max age');
    await chat(gw, content);
    await new Promise((r) => setTimeout(r, 30));
    expect((await chat(gw, content, { cache: { 's-maxage': 0 } })).headers.get('x-litellm-cache-key')).toBeNull();
    await stored();
    expect((await chat(gw, content, { cache: { 's-maxage': 600 } })).headers.get('x-litellm-cache-key')).not.toBeNull();

    const spaced = unique('namespaced');
    await chat(gw, spaced, { cache: { namespace: 'team-a' } });
    await stored();
    expect((await chat(gw, spaced)).headers.get('x-litellm-cache-key')).toBeNull();
    const hit = await chat(gw, spaced, { cache: { namespace: 'team-a' } });
    expect(hit.headers.get('x-litellm-cache-key')).toMatch(/^team-a:[0-9a-f]{64}$/);
    // LiteLLM's metadata.redis_namespace works the same way
    const viaMetadata = await chat(gw, spaced, { metadata: { redis_namespace: 'team-a' } });
    expect(viaMetadata.headers.get('x-litellm-cache-key')).toBe(hit.headers.get('x-litellm-cache-key'));
  });

  it('an answer without output is not served from the cache (as LiteLLM)', async () => {
    const content = unique('empty answer');
    upstream.behaviour.reply = '';
    await chat(gw, content);
    await stored();
    expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBeNull();
    expect(upstreamCalls(upstream, content)).toBe(2);
  });

  it('a body with caching: false neither reads nor writes the cache', async () => {
    const content = unique('caching off');
    await chat(gw, content);
    await stored();
    expect((await chat(gw, content, { caching: false })).headers.get('x-litellm-cache-key')).toBeNull();
    expect(upstreamCalls(upstream, content)).toBe(2);
  });

  describe("per-request controls and the key's allowed_cache_controls", () => {
    const token = (allowed: string[] | undefined) => {
      const t = `cc-${uniqueTag()}`;
      probe.principals.set(t, { id: t, authenticatedBy: 'cache-probe', role: 'internal_user', ...(allowed && { allowedCacheControls: allowed }) });
      return t;
    };

    for (const control of [
      ['no-cache', true],
      ['no-store', true],
      ['ttl', 60],
      ['s-maxage', 60],
      ['namespace', 'ns'],
    ] as const) {
      it(`${control[0]}: refused (403, LiteLLM's message) unless allowed; allowed when listed or when the list is empty`, async () => {
        const body = { cache: { [control[0]]: control[1] } };
        const refused = await chat(gw, unique('cc'), body, token(['use-cache']));
        expect(refused.status).toBe(403);
        expect(refused.json).toEqual({
          error: { message: `Not allowed to set ${control[0]} as a cache control. Contact admin to change permissions.`, type: 'None', param: 'None', code: '403' },
        });
        expect((await chat(gw, unique('cc'), body, token([control[0]]))).status).toBe(200);
        expect((await chat(gw, unique('cc'), body, token([]))).status).toBe(200);
        expect((await chat(gw, unique('cc'), body, token(undefined))).status).toBe(200);
      });
    }
  });

  describe('management routes', () => {
    it('/cache/ping answers healthy for the local cache', async () => {
      const res = await call(gw, '/cache/ping', undefined, MASTER_KEY, 'GET');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: 'healthy', cache_type: 'local', litellm_cache_params: { type: 'local', namespace: 'None' } });
      expect(res.json.litellm_cache_params.supported_call_types).toContain("'acompletion'");
    });

    it('/cache/delete removes entries by x-litellm-cache-key; /cache/flushall removes them all', async () => {
      const content = unique('deleted');
      await chat(gw, content);
      await stored();
      const key = (await chat(gw, content)).headers.get('x-litellm-cache-key')!;
      expect(key).toBeTruthy();
      expect((await call(gw, '/cache/delete', { keys: [key] })).json).toEqual({ status: 'success' });
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBeNull();
      await stored();
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBe(key);
      expect((await call(gw, '/cache/flushall', undefined)).json).toEqual({ status: 'success' });
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBeNull();
      expect(upstreamCalls(upstream, content)).toBe(3);
    });

    it('a bad /cache/delete body is a 400; a non-admin gets no cache route', async () => {
      expect((await call(gw, '/cache/delete', { keys: 'abc' })).status).toBe(400);
      const t = `user-${uniqueTag()}`;
      probe.principals.set(t, { id: t, authenticatedBy: 'cache-probe', role: 'internal_user' });
      expect((await call(gw, '/cache/flushall', undefined, t)).status).toBe(403);
    });
  });
});

describe('cache_params', () => {
  let upstream: MockOpenAI;
  beforeAll(async () => {
    upstream = await startMockOpenAI({ reply: 'params' });
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it('mode: default_off caches only calls that opt in with cache: {use-cache: true}', async () => {
    const gw = await startGateway(cacheConfig(upstream.url, { mode: 'default_off' }), { extraPluginDirs: [probePlugin] });
    try {
      const content = unique('opt in');
      await chat(gw, content);
      await stored();
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBeNull();
      await chat(gw, content, { cache: { 'use-cache': true } });
      await stored();
      expect((await chat(gw, content, { cache: { 'use-cache': true } })).headers.get('x-litellm-cache-key')).not.toBeNull();
      expect(upstreamCalls(upstream, content)).toBe(3);
    } finally {
      await gw.close();
    }
  });

  it('supported_call_types limits caching to those endpoints', async () => {
    const gw = await startGateway(cacheConfig(upstream.url, { supported_call_types: ['aembedding'] }), { extraPluginDirs: [probePlugin] });
    try {
      const content = unique('not cached');
      await chat(gw, content);
      await stored();
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBeNull();
      const input = unique('cached embedding');
      await call(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input });
      await stored();
      expect((await call(gw, '/v1/embeddings', { model: 'text-embedding-3-small', input })).headers.get('x-litellm-cache-key')).not.toBeNull();
    } finally {
      await gw.close();
    }
  });

  it('max_entries bounds the in-memory cache (least recently used goes first); a type Sluice lacks is a warning', async () => {
    const config = cacheConfig(upstream.url, { type: 's3', s3_bucket_name: 'b' });
    (config.plugins as unknown[]).push({ use: 'response-cache', config: { max_entries: 2 } });
    const gw = await startGateway(config, { extraPluginDirs: [probePlugin] });
    try {
      expect(gw.gateway.warnings.join('\n')).toContain('litellm_settings.cache_params.type: "s3" is not supported');
      expect(gw.gateway.warnings.join('\n')).toContain('litellm_settings.cache_params.s3_bucket_name has no effect');
      expect(gw.gateway.warnings.join('\n')).not.toMatch(/litellm_settings\.cache(_params)? is accepted but not yet supported/);
      const [a, b, c] = [unique('lru a'), unique('lru b'), unique('lru c')];
      for (const content of [a, b]) await chat(gw, content);
      await stored();
      expect((await chat(gw, a)).headers.get('x-litellm-cache-key')).not.toBeNull(); // a is now the most recent
      await chat(gw, c); // evicts b
      await stored();
      expect((await chat(gw, a)).headers.get('x-litellm-cache-key')).not.toBeNull();
      expect((await chat(gw, b)).headers.get('x-litellm-cache-key')).toBeNull();
    } finally {
      await gw.close();
    }
  });

  it('max_entry_bytes: an answer larger than that is not stored', async () => {
    const config = cacheConfig(upstream.url);
    (config.plugins as unknown[]).push({ use: 'response-cache', config: { max_entry_bytes: 100 } });
    const gw = await startGateway(config, { extraPluginDirs: [probePlugin] });
    try {
      const content = unique('too big');
      await chat(gw, content);
      await stored();
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).toBeNull();
    } finally {
      await gw.close();
    }
  });
});

describe.skipIf(!backends.redis)(`redis cache ${backends.skipReason.redis ?? ''}`, () => {
  const redisUrl = backends.redis!;
  const { hostname, port } = new URL(redisUrl);
  const namespace = `test-${uniqueTag()}`;
  let upstream: MockOpenAI;
  let one: TestGateway;
  let two: TestGateway;
  let redis: Redis;

  beforeAll(async () => {
    upstream = await startMockOpenAI({ reply: 'from redis' });
    const params = { type: 'redis', host: hostname, port: Number(port), namespace };
    one = await startGateway(cacheConfig(upstream.url, params), { extraPluginDirs: [probePlugin] });
    two = await startGateway(cacheConfig(upstream.url, params), { extraPluginDirs: [probePlugin] });
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await deleteRedisKeys(redisUrl, `${REDIS_PREFIX}${namespace}:`);
    redis?.disconnect();
    await upstream?.close();
  });

  it('a call answered by one instance is a hit on another: the upstream sees exactly one call', async () => {
    const content = unique('shared');
    const first = await chat(one, content);
    expect(first.status).toBe(200);
    await stored();
    const second = await chat(two, content);
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    const key = second.headers.get('x-litellm-cache-key')!;
    expect(key).toBe(`${namespace}:${cacheKey(chatBody(content), { namespace: undefined, providerSpecificParams: false })}`);
    expect(upstreamCalls(upstream, content)).toBe(1);
    expect(await redis.pttl(REDIS_PREFIX + key)).toBe(-1); // no ttl set: no expiry, as LiteLLM's Redis cache
    expect(await spendOf(two, second.headers.get('x-request-id')!)).toMatchObject({ cacheHit: true, cost: 0, cacheKey: key });
  });

  it('a stream cached by one instance is replayed by the other', async () => {
    const content = unique('shared stream');
    const body = { ...chatBody(content), stream: true };
    const first = await call(one, '/v1/chat/completions', body);
    await stored();
    const second = await call(two, '/v1/chat/completions', body);
    expect(second.headers.get('x-litellm-cache-key')).not.toBeNull();
    const text = (sse: string) =>
      sse
        .split('\n\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => (JSON.parse(l.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '')
        .join('');
    expect(text(second.text)).toBe(text(first.text));
    expect(text(second.text)).toBe('from redis');
    expect(upstreamCalls(upstream, content)).toBe(1);
  });

  it('cache: {ttl} sets the entry ttl in Redis', async () => {
    const content = unique('ttl');
    const miss = await chat(one, content, { cache: { ttl: 300 } });
    expect(miss.status).toBe(200);
    await stored();
    const key = (await chat(one, content, { cache: { ttl: 300 } })).headers.get('x-litellm-cache-key')!;
    const pttl = await redis.pttl(REDIS_PREFIX + key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300_000);
  });

  it('/cache/ping pings Redis; /cache/delete deletes across instances', async () => {
    const ping = await call(one, '/cache/ping', undefined, MASTER_KEY, 'GET');
    expect(ping.json).toMatchObject({ status: 'healthy', cache_type: 'redis', ping_response: true, set_cache_response: 'success' });
    const content = unique('delete shared');
    await chat(one, content);
    await stored();
    const key = (await chat(two, content)).headers.get('x-litellm-cache-key')!;
    expect((await call(one, '/cache/delete', { keys: [key] })).json).toEqual({ status: 'success' });
    expect((await chat(two, content)).headers.get('x-litellm-cache-key')).toBeNull();
    const info = await call(one, '/cache/redis/info', undefined, MASTER_KEY, 'GET');
    expect(info.status).toBe(200);
    expect(info.json.num_clients).toBeGreaterThan(0);
  });

  it('a Redis outage mid-run: calls still succeed (from the upstream), and hits resume when Redis is back', async () => {
    const relay = await tcpRelay(hostname, Number(port));
    const gw = await startGateway(cacheConfig(upstream.url, { type: 'redis', host: '127.0.0.1', port: relay.port, namespace }), { extraPluginDirs: [probePlugin] });
    try {
      const content = unique('outage');
      await chat(gw, content);
      await stored();
      expect((await chat(gw, content)).headers.get('x-litellm-cache-key')).not.toBeNull();
      relay.cut();
      for (let i = 0; i < 3; i++) {
        const res = await chat(gw, content);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-litellm-cache-key')).toBeNull();
      }
      const stream = await call(gw, '/v1/chat/completions', { ...chatBody(content), stream: true });
      expect(stream.status).toBe(200);
      expect(upstreamCalls(upstream, content)).toBe(5);
      expect(gw.logs.some((l) => l.includes('response cache lookup failed'))).toBe(true);
      relay.restore();
      let back = false;
      for (let i = 0; i < 50 && !back; i++) {
        await new Promise((r) => setTimeout(r, 100));
        back = (await chat(gw, content)).headers.get('x-litellm-cache-key') !== null;
      }
      expect(back).toBe(true);
    } finally {
      await gw.close();
      await relay.close();
    }
  });
});
