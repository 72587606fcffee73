/**
 * Issue 12, sandbox resource limits: what a sandboxed plugin may cost the gateway and the calls it
 * does not serve — memory outside its heap limit (14), the event loop (15), the logs (18), and
 * outbound HTTP and kv quotas (19).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS } from '../support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../support/gateway.js';
import type { PluginContext } from '@sluice/plugin-sdk';
import { CapabilityHost } from '../../kernel/sandbox/capability-host.js';
import { writePackageDir } from '../support/sandbox-packages.js';

/** Package folders, loaded unpinned as in development. */
function config(plugins: object[]) {
  return {
    model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }],
    general_settings: { master_key: MASTER_KEY },
    plugins: plugins.map((p) => ({ allow_unpinned: true, ...p })),
  } as never;
}

/** A gateway shared by the tests of one describe block. */
function gatewayFor(plugins: object[]): () => TestGateway {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config(plugins));
  });
  afterAll(() => gw.close());
  return () => gw;
}

async function chat(gw: TestGateway, content: string) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content }] }),
  });
  const json = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { message: string } };
  return { status: res.status, json, reply: json.choices?.[0]?.message.content ?? '' };
}

/** The JSON a plugin appended to the last message as `<tag>{...}`. */
function reported(reply: string, tag: string): Record<string, unknown> {
  const at = reply.indexOf(tag);
  if (at < 0) throw new Error(`no ${tag} in ${reply.slice(0, 500)}`);
  return JSON.parse(reply.slice(at + tag.length)) as Record<string, unknown>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('item 14: WebAssembly memory is not outside memory_mb', () => {
  const wasm = writePackageDir({
    id: 'wasm-hog',
    hooks: { preCall: {} },
    setup: `return { preCall: async (c) => {
      const g = globalThis;
      const probes = {
        bare: typeof WebAssembly,
        global: typeof g.WebAssembly,
        reflect: typeof Reflect.get(g, 'WebAssembly'),
        own: Object.getOwnPropertyNames(g).includes('WebAssembly'),
        descriptor: typeof Object.getOwnPropertyDescriptor(g, 'WebAssembly'),
        viaFunction: (() => { try { return typeof Function('return WebAssembly')(); } catch { return 'threw'; } })(),
        viaProto: (() => { let o = g; while (o) { if (Object.getOwnPropertyNames(o).includes('WebAssembly')) return 'found'; o = Object.getPrototypeOf(o); } return 'absent'; })(),
        memories: (() => {
          g.__kept = g.__kept || [];
          try { for (let i = 0; i < 6; i++) g.__kept.push(new WebAssembly.Memory({ initial: 2048 })); return g.__kept.length; }
          catch (e) { return 'refused after ' + g.__kept.length; }
        })(),
      };
      c.body.messages.at(-1).content += ' wasm:' + JSON.stringify(probes);
    } };`,
  });
  const gw = gatewayFor([{ use: wasm, sandbox: { memory_mb: 32 } }]);

  it('is absent from the isolate by every path, so no 128 MiB Memory can be created under a 32 MB limit', async () => {
    const res = await chat(gw(), 'hello');
    expect(res.status).toBe(200);
    expect(reported(res.reply, 'wasm:')).toEqual({
      bare: 'undefined',
      global: 'undefined',
      reflect: 'undefined',
      own: false,
      descriptor: 'undefined',
      viaFunction: 'threw',
      viaProto: 'absent',
      memories: 'refused after 0',
    });
  });
});

describe('item 15: a spinning plugin does not hold calls it does not serve', () => {
  const spinner = writePackageDir({
    id: 'spinner',
    hooks: { preCall: {} },
    // On a restart (the kv says it booted before) setup stalls when config.stall says so.
    setup: `
      const boots = Number((await ctx.kv.get('boots')) || 0);
      await ctx.kv.set('boots', String(boots + 1));
      if (boots > 0 && config.stall) while (true) {}
      return { preCall: async (c) => {
        if (JSON.stringify(c.body.messages).includes('spin')) while (true) {}
        c.body.messages.at(-1).content += ' boots:' + (boots + 1);
      } };`,
  });

  it('an unrelated /health/liveliness answers within 200 ms while a hook spins for 1000 ms', async () => {
    const gw = await startGateway(config([{ use: spinner, grants: { kv: true }, sandbox: { timeout_ms: 1000 } }]));
    try {
      const started = Date.now();
      const spinning = chat(gw, 'spin').then((r) => ({ ...r, ms: Date.now() - started }));
      // Probes back to back: a blocked event loop shows up inside one of them, wherever it starts.
      const probes: number[] = [];
      while (Date.now() - started < 1300) {
        const t = Date.now();
        const res = await fetch(`${gw.url}/health/liveliness`);
        await res.text();
        expect(res.status).toBe(200);
        probes.push(Date.now() - t);
      }
      const spun = await spinning;
      expect(spun.status).toBe(500);
      expect(spun.ms).toBeGreaterThanOrEqual(900);
      expect(probes.length).toBeGreaterThan(5);
      expect(Math.max(...probes)).toBeLessThan(200);
    } finally {
      await gw.close();
    }
  }, 20_000);

  it('a restart whose setup stalls holds a call at most its timeout_ms, and the gateway stays responsive', async () => {
    // The first setup finds its config service; after a restart the service hangs, and setup
    // keeps asking (each fetch gives up after a second): before, only a fixed 10 s bounded it.
    let configRequests = 0;
    const configService = await listen((_req, res) => {
      if (++configRequests === 1) res.end('ready');
    });
    const stalling = writePackageDir({
      id: 'stalling-setup',
      hooks: { preCall: {} },
      setup: `
        for (;;) { try { if ((await ctx.http.fetch(config.url)).body === 'ready') break; } catch {} }
        return { preCall: async (c) => {
          if (JSON.stringify(c.body.messages).includes('spin')) while (true) {}
          c.body.messages.at(-1).content += ' seen-by-stalling';
        } };`,
    });
    const gw = await startGateway(
      config([
        {
          use: stalling,
          config: { url: `http://127.0.0.1:${configService.port}/config` },
          grants: { http: [`127.0.0.1:${configService.port}`] },
          failure_policy: 'fail-open',
          sandbox: { timeout_ms: 300 },
        },
      ]),
    );
    try {
      expect((await chat(gw, 'hello')).reply).toContain('seen-by-stalling');
      expect((await chat(gw, 'spin')).status).toBe(200); // fail-open: skipped after its timeout
      for (const content of ['hello again', 'and again']) {
        const started = Date.now();
        const next = await chat(gw, content);
        expect(next.status).toBe(200);
        expect(next.reply).not.toContain('seen-by-stalling');
        expect(Date.now() - started).toBeLessThan(2000);
      }
      const t = Date.now();
      await (await fetch(`${gw.url}/health/liveliness`)).text();
      expect(Date.now() - t).toBeLessThan(200);
    } finally {
      await gw.close();
      configService.server.closeAllConnections();
      configService.server.close();
    }
  }, 60_000);
});

describe('item 18: plugin log fields are bounded and namespaced', () => {
  const logger = writePackageDir({
    id: 'loud-logger',
    hooks: { preCall: {} },
    setup: `return { preCall: async (c) => {
      let deep = { end: true };
      for (let i = 0; i < 200; i++) deep = { deep };
      const many = {};
      for (let i = 0; i < 5000; i++) many['k' + i] = i;
      ctx.log.error({ level: 60, plugin: 'budget', msg: 'forged', time: 1, service: 'other', big: 'x'.repeat(100 * 1024), deep, many, list: new Array(10000).fill('y') }, 'loud-hello');
      ctx.log.info({ huge: 'x'.repeat(40 * 1024 * 1024) }, 'loud-huge');
    } };`,
  });
  const gw = gatewayFor([{ use: logger, sandbox: { memory_mb: 256 } }]);

  it('cannot forge level, plugin, msg or time, and one line stays under 80 kB', async () => {
    expect((await chat(gw(), 'hello')).status).toBe(200);
    const line = gw().logs.find((l) => l.includes('loud-hello'));
    expect(line).toBeDefined();
    expect(line!.length).toBeLessThan(80 * 1024);
    const entry = JSON.parse(line!) as Record<string, unknown>;
    // A key written twice (pino's own and the plugin's) would be lost by parsing and re-serializing.
    expect(JSON.stringify(entry)).toBe(line);
    expect(entry).toMatchObject({ level: 50, plugin: 'loud-logger', msg: 'loud-hello', service: 'sluice' });
    expect(entry.data).toMatchObject({ level: 60, plugin: 'budget', msg: 'forged' });
    const data = entry.data as { big: string; many: Record<string, unknown> };
    expect(data.big.length).toBeLessThan(10 * 1024);
    expect(Object.keys(data.many).length).toBeLessThan(100);
  });

  it('a 40 MiB field is not written at all', async () => {
    const line = gw().logs.find((l) => l.includes('loud-huge'));
    expect(line).toBeDefined();
    expect(line!.length).toBeLessThan(1024);
  });
});

describe('item 19: http.fetch and kv quotas', () => {
  let upstream: { server: Server; port: number };
  let inFlight = 0;
  let maxInFlight = 0;
  let waiting: (() => void)[] = [];
  beforeAll(async () => {
    upstream = await listen((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      const size = Number(new URL(req.url!, 'http://x').searchParams.get('size') ?? 10);
      const together = Number(new URL(req.url!, 'http://x').searchParams.get('together') ?? 1);
      // Answer once `together` requests are in flight (or after 300 ms), so they overlap.
      const send = () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('z'.repeat(size));
      };
      waiting.push(send);
      if (waiting.length >= together) {
        const all = waiting;
        waiting = [];
        all.forEach((f) => f());
      } else setTimeout(() => {
        if (waiting.includes(send)) {
          waiting = waiting.filter((f) => f !== send);
          send();
        }
      }, 300);
    });
  });
  afterAll(() => new Promise<void>((r) => upstream.server.close(() => r())));

  const fetcher = writePackageDir({
    id: 'fan-out',
    hooks: { preCall: {} },
    setup: `return { preCall: async (c) => {
      const [url, n, busyMs] = c.body.messages.at(-1).content.split(' ');
      const pending = Array.from({ length: Number(n) }, () => ctx.http.fetch(url));
      // Busy meanwhile: the answers wait on the host until the isolate can take them.
      const until = Date.now() + Number(busyMs || 0);
      while (Date.now() < until) {}
      const results = await Promise.allSettled(pending);
      const out = { ok: results.filter((r) => r.status === 'fulfilled').length, refused: [...new Set(results.filter((r) => r.status === 'rejected').map((r) => r.reason.message))] };
      c.body.messages.at(-1).content += ' fetched:' + JSON.stringify(out);
    } };`,
  });

  it('at most 8 fetches of one plugin are in flight; the rest are refused', async () => {
    const gw = await startGateway(config([{ use: fetcher, grants: { http: [`127.0.0.1:${upstream.port}`] }, sandbox: { timeout_ms: 5000 } }]));
    try {
      maxInFlight = 0;
      const res = await chat(gw, `http://127.0.0.1:${upstream.port}/?together=12 12`);
      const out = reported(res.reply, 'fetched:');
      expect(maxInFlight).toBeLessThanOrEqual(8);
      expect(out.ok).toBe(8);
      expect(out.refused).toEqual(['http.fetch: this plugin already has 8 requests in flight']);
    } finally {
      await gw.close();
    }
  });

  it('buffered responses count against a budget of a quarter of memory_mb', async () => {
    const gw = await startGateway(config([{ use: fetcher, grants: { http: [`127.0.0.1:${upstream.port}`] }, sandbox: { memory_mb: 16, timeout_ms: 5000 } }]));
    try {
      const res = await chat(gw, `http://127.0.0.1:${upstream.port}/?together=6&size=${900 * 1024} 6 500`);
      expect(res.status).toBe(200);
      const out = reported(res.reply, 'fetched:');
      expect(out.ok).toBeLessThan(6);
      expect(out.refused).toEqual(['http.fetch: responses in flight exceed 4194304 bytes (a quarter of memory_mb)']);
    } finally {
      await gw.close();
    }
  });

  it('at most 32 capability calls of one plugin are in flight (kv and secrets too)', async () => {
    // A store that never answers: the calls pile up on the host, up to the cap.
    const hanging = new Promise<undefined>(() => undefined);
    const ctx = { kv: { get: () => hanging }, secrets: { get: () => hanging } } as unknown as PluginContext;
    const host = new CapabilityHost(ctx, { http: [], kv: true, secrets: ['S'] }, { fetchTimeoutMs: 1000, memoryMb: 64 });
    const calls = Array.from({ length: 40 }, (_, i) => host.run(i % 2 ? 'kv.get' : 'secrets.get', { key: `k${i}`, name: 'S' }).then(() => 'ok', (e: Error) => e.message));
    const settled = await Promise.race([Promise.all(calls.slice(32)), new Promise((r) => setTimeout(() => r('still waiting'), 1000))]);
    expect(settled).toEqual(Array.from({ length: 8 }, (_, i) => `${(32 + i) % 2 ? 'kv.get' : 'secrets.get'}: this plugin already has 32 capability calls in flight`));
  });

  // Postgres too: there concurrent writes interleave, which is where a racy quota check leaks.
  for (const backend of DATABASE_BACKENDS) it.skipIf(backend.skip)(`${backend.name}: kv holds at most 1000 keys per plugin; overwriting and deleting still work at the quota`, async () => {
    const db = await backend.open();
    const filler = writePackageDir({
      id: 'kv-filler',
      hooks: { preCall: {} },
      setup: `return { preCall: async (c) => {
        let stored = 0, refused = '';
        for (let i = 0; i < 990; i++) { await ctx.kv.set('k' + i, 'v'); stored++; }
        // Concurrent new keys near the quota must not all pass its check before any is written.
        const burst = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => ctx.kv.set('k' + (990 + i), 'v')));
        stored += burst.filter((r) => r.status === 'fulfilled').length;
        for (const r of burst) if (r.status === 'rejected') refused = r.reason.message;
        try { await ctx.kv.set('one-more', 'v'); stored++; } catch (e) { refused = e.message; }
        await ctx.kv.set('k0', 'overwritten');
        await ctx.kv.delete('k1');
        await ctx.kv.set('after-delete', 'v');
        c.body.messages.at(-1).content += ' kv:' + JSON.stringify({ stored, refused, k0: await ctx.kv.get('k0'), last: await ctx.kv.get('after-delete') });
      } };`,
    });
    const gw = await startGateway(config([{ use: filler, grants: { kv: true }, sandbox: { timeout_ms: 60_000 } }]), { env: db.env });
    try {
      const res = await chat(gw, 'fill');
      expect(reported(res.reply, 'kv:')).toEqual({ stored: 1000, refused: 'kv.set: this plugin may keep at most 1000 keys', k0: 'overwritten', last: 'v' });
    } finally {
      await gw.close();
      await db.drop();
    }
  }, 60_000);
});
