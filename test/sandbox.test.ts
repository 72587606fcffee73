/**
 * Third-party plugins in isolated-vm: they reach only what they were granted, and a throw, an
 * infinite loop, a hang or a memory blow-up is contained — the next request succeeds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginEntry } from '../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from './support/gateway.js';
import { packDir, VERDICT_PRELUDE, writePackageDir } from './support/sandbox-packages.js';
import { KERNEL_API_VERSION } from '@sluice/plugin-sdk';

let secretServer: Server;
let secretPort = 0;
const secretRequests: string[] = [];

beforeAll(async () => {
  secretServer = createServer((req, res) => {
    secretRequests.push(`${req.method} ${req.url} ${req.headers['x-token'] ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: `secret-for-${req.url}` }));
  });
  await new Promise<void>((r) => secretServer.listen(0, '127.0.0.1', r));
  secretPort = (secretServer.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => secretServer.close(() => r())));

const prober = writePackageDir({
  id: 'probe-escape',
  hooks: { preCall: { stage: 'DEFAULT' } },
  setup: `return { preCall: async (c) => {
    const g = globalThis;
    const probes = {
      process: typeof process, require: typeof require, module: typeof module, setTimeout: typeof setTimeout,
      fetch: typeof fetch, Buffer: typeof Buffer, globalProcess: typeof g.process, host: typeof g.__sluiceHostCall,
      http: typeof ctx.http, kv: typeof ctx.kv, secrets: typeof ctx.secrets,
      ctorEscape: (() => { try { return typeof (function(){}).constructor('return process')(); } catch (e) { return 'threw'; } })(),
      importEscape: await (async () => { try { await eval('import("node:fs")'); return 'imported'; } catch (e) { return 'threw'; } })(),
    };
    c.body.messages.at(-1).content += ' ' + JSON.stringify(probes);
  } };`,
});

const misbehaving = writePackageDir({
  id: 'misbehaving',
  hooks: { preCall: { stage: 'DEFAULT' } },
  prelude: VERDICT_PRELUDE,
  setup: `return { preCall: async (c) => {
    const text = JSON.stringify(c.body.messages);
    if (text.includes('spin')) { while (true) {} }
    if (text.includes('later-spin')) { await ctx.kv.get('x'); while (true) {} }
    if (text.includes('hog')) { const a = []; while (true) a.push(new Array(1e5).fill(text)); }
    if (text.includes('throw')) throw new Error('plugin bug');
    if (text.includes('deny')) throw new SluiceError('MISBEHAVING_DENIED', 403, 'permission_error', 'denied by misbehaving');
    c.body.messages.at(-1).content += ' seen-by-misbehaving';
  } };`,
});

const kvWriter = writePackageDir({
  id: 'kv-writer',
  hooks: { preCall: {} },
  setup: `return { preCall: async (c) => { await ctx.kv.set('shared-key', 'writer-value'); c.body.messages.at(-1).content += ' writer:' + (await ctx.kv.get('shared-key')); } };`,
});
const kvReader = writePackageDir({
  id: 'kv-reader',
  hooks: { preCall: { stage: 'TRANSFORM' } },
  setup: `return { preCall: async (c) => { c.body.messages.at(-1).content += ' reader:' + (await ctx.kv.get('shared-key')); } };`,
});

const fetcher = writePackageDir({
  id: 'fetcher',
  hooks: { preCall: {} },
  setup: `return { preCall: async (c) => {
    const target = c.body.messages.at(-1).content.split(' ')[0];
    let result;
    try { const r = await ctx.http.fetch(target, { headers: { 'x-token': 't1' } }); result = 'status ' + r.status + ' ' + r.body; }
    catch (e) { result = 'refused: ' + e.message; }
    let secret;
    try { secret = await ctx.secrets.get(target.includes('other-secret') ? 'NOT_GRANTED' : 'GRANTED_SECRET'); } catch (e) { secret = 'refused: ' + e.message; }
    c.body.messages.at(-1).content += ' ' + result + ' | ' + secret;
  } };`,
});

/** Package folders cannot be pinned by sha256: these tests load them as development packages. */
function config(plugins: PluginEntry[]) {
  const entries = plugins.map((p) => (p.sha256 ? p : { allow_unpinned: true, ...p }));
  return { model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }], general_settings: { master_key: MASTER_KEY }, plugins: entries } as never;
}

async function chat(gw: TestGateway, content: string) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content }] }),
  });
  const json = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { message: string; type: string } };
  return { status: res.status, json, headers: res.headers, reply: json.choices?.[0]?.message.content ?? '' };
}

describe('a sandboxed plugin reaches nothing it was not granted', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(
      config([
        { use: prober },
        { use: kvWriter, grants: { kv: true } },
        { use: kvReader, grants: { kv: true } },
        { use: fetcher, grants: { http: [`127.0.0.1:${secretPort}`], secrets: ['GRANTED_SECRET'] } },
      ]),
      { env: { GRANTED_SECRET: 'granted-value', NOT_GRANTED: 'must-not-leak' } },
    );
  });
  afterAll(() => gw.close());

  it('has no process, require, timers, fetch, fs or host internals, and no capability it was not granted', async () => {
    const res = await chat(gw, `http://127.0.0.1:${secretPort}/probe`);
    expect(res.status).toBe(200);
    const probes = JSON.parse(res.reply.match(/\{"process".*?\}/)![0]);
    expect(probes).toEqual({
      process: 'undefined', require: 'undefined', module: 'undefined', setTimeout: 'undefined', fetch: 'undefined', Buffer: 'undefined',
      globalProcess: 'undefined', host: 'undefined', http: 'undefined', kv: 'undefined', secrets: 'undefined', ctorEscape: 'threw', importEscape: 'threw',
    });
  });

  it("cannot read another plugin's kv", async () => {
    const res = await chat(gw, `http://127.0.0.1:${secretPort}/kv`);
    expect(res.reply).toContain('writer:writer-value');
    expect(res.reply).toContain('reader:null');
  });

  it('fetches only granted hosts and reads only granted secrets', async () => {
    const ok = await chat(gw, `http://127.0.0.1:${secretPort}/v1/secret/a`);
    expect(ok.reply).toContain('status 200 {"value":"secret-for-/v1/secret/a"}');
    expect(ok.reply).toContain('| granted-value');
    expect(secretRequests.at(-1)).toBe('GET /v1/secret/a t1');
    const denied = await chat(gw, 'http://localhost:1/other-secret');
    expect(denied.reply).toContain('refused: http.fetch: host localhost:1 is not granted to this plugin');
    expect(denied.reply).toContain('refused: secrets.get: the secret NOT_GRANTED is not granted to this plugin');
    expect(denied.reply).not.toContain('must-not-leak');
    const sneaky = await chat(gw, `http://127.0.0.1:${secretPort + 1}/x`);
    expect(sneaky.reply).toContain('is not granted');
  });
});

describe('faults are contained', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config([{ use: misbehaving, sandbox: { memory_mb: 16, timeout_ms: 200 }, grants: { kv: true } }]));
  });
  afterAll(() => gw.close());

  const restarts = () => gw.gateway.metrics.get('sandbox_restarts_total', { plugin: 'misbehaving' });

  it('runs normally', async () => {
    const res = await chat(gw, 'hello');
    expect(res.status).toBe(200);
    expect(res.reply).toContain('hello');
  });

  it('a coded verdict passes through with its status', async () => {
    const res = await chat(gw, 'deny me');
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ message: 'denied by misbehaving', type: 'permission_error' });
    expect(res.headers.get('x-sluice-plugin')).toBe('misbehaving');
  });

  it.each([
    ['a throw', 'please throw', false],
    ['while(true){} in the synchronous part', 'spin', true],
    ['an infinite loop after an await', 'later-spin', true],
    ['unbounded allocation', 'hog', true],
  ])('%s: refused fail-closed naming the plugin, then the next request succeeds', async (_name, content, restartsIsolate) => {
    const before = restarts();
    const started = Date.now();
    const res = await chat(gw, content);
    expect(res.status).toBe(500);
    expect(res.json.error?.message).toBe('Plugin misbehaving failed in preCall; the request was refused (fail-closed).');
    expect(Date.now() - started).toBeLessThan(5000);
    if (restartsIsolate) expect(restarts()).toBe(before + 1);
    const next = await chat(gw, 'hello again');
    expect(next.status).toBe(200);
    expect(next.reply).toContain('hello again');
    expect(gw.logs.some((l) => l.includes('"plugin":"misbehaving"') && l.includes('plugin fault'))).toBe(true);
  });

  it('fail-open skips the broken plugin instead', async () => {
    const open = await startGateway(config([{ use: misbehaving, failure_policy: 'fail-open', sandbox: { timeout_ms: 100 } }]));
    try {
      const res = await chat(open, 'spin');
      expect(res.status).toBe(200);
      expect(res.reply).not.toContain('seen-by-misbehaving');
    } finally {
      await open.close();
    }
  });
});

describe('loading packages', () => {
  it('loads a packed .tgz and checks its pinned sha256', async () => {
    const { file, sha256 } = await packDir(kvWriter);
    const gw = await startGateway(config([{ use: file, sha256, grants: { kv: true } }]));
    try {
      expect((await chat(gw, 'x')).reply).toContain('writer:writer-value');
    } finally {
      await gw.close();
    }
    await expect(startGateway(config([{ use: file, sha256: '0'.repeat(64), grants: { kv: true } }]))).rejects.toThrow(
      new RegExp(`SHA-256 is ${sha256}, but the config pins 0{64}; refusing to load it`),
    );
  });

  it('refuses a package written for another kernel API, with a clear message', async () => {
    const next = Number(KERNEL_API_VERSION.split('.')[0]) + 1;
    const future = writePackageDir({ id: 'future-vendor', apiVersion: `^${next}`, setup: 'return {};' });
    await expect(startGateway(config([{ use: future }]))).rejects.toThrow(
      `future-vendor@1.0.0 needs kernel API ^${next}, but this kernel provides ${KERNEL_API_VERSION}`,
    );
  });

  it('refuses a package whose code and manifest disagree, or that adds routes', async () => {
    const liar = writePackageDir({ id: 'liar', setup: 'return {};' });
    const { writeFileSync, readFileSync } = await import('node:fs');
    writeFileSync(`${liar}/plugin.js`, readFileSync(`${liar}/plugin.js`, 'utf8').replace('"liar"', '"someone-else"'));
    await expect(startGateway(config([{ use: liar }]))).rejects.toThrow(/code says someone-else@1\.0\.0 but plugin\.json says liar@1\.0\.0/);
    const router = writePackageDir({ id: 'router', setup: "return { routes: [{ method: 'GET', url: '/x', access: 'public', handler: async () => ({ body: 1 }) }] };" });
    await expect(startGateway(config([{ use: router }]))).rejects.toThrow(/not add routes or providers/);
  });
});
