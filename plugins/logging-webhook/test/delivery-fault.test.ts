/**
 * The fault test for log delivery, through a real gateway with `callbacks: ["generic_api"]`:
 *   1. under steady load (8 concurrent clients) the webhook goes down for 30 s and comes back:
 *      every call's log arrives after it returns (distinct request ids == calls made), the memory
 *      held for the backlog stays under LogDelivery's byte bound (the rest goes to the spill file),
 *      and the p50 call latency before / during / after the outage is printed (not asserted);
 *   2. the webhook is still down at shutdown: the logs go to the spill file in the data dir, and a
 *      new gateway on the same data dir sends them once the webhook is up.
 * Figures are printed as `[delivery-fault] …` lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, tempDir } from '../../../test/support/gateway.js';
import { startFakeWebhook } from './fake-webhook.js';

const CLIENTS = 8;
/** Load not measured: JIT and connection pools warm up. */
const WARMUP_MS = 3_000;
const BEFORE_MS = 6_000;
const OUTAGE_MS = 30_000;
const AFTER_MS = 6_000;
/**
 * The bound on log bytes held in memory per destination (max_queued_bytes; LogDelivery's default is
 * 32 MiB). Set low here so that the outage overflows it whatever the machine's speed: the test then
 * always exercises the spill to disk and its replay while the load goes on.
 */
const QUEUE_BYTES_BOUND = 4 * 1024 * 1024;
const MiB = 1024 * 1024;

// A full GC before reading the heap, so the figure is what is retained, not garbage not yet collected.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** An OpenAI-compatible upstream that keeps nothing (a recording fake would grow with the load). */
async function startUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const answer = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'fine, thanks' }, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function config(upstream: string, dataDir: string, plugin: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream, api_key: 'sk-upstream' } }],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: { callbacks: ['generic_api'] },
    plugins: [{ use: 'logging-webhook', config: { flush_interval: 0.5, ...plugin } }],
    storage: { data_dir: dataDir },
  } as SluiceConfig;
}

const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How are you today? '.repeat(20) }] });

async function call(url: string): Promise<{ id: string; status: number; ms: number }> {
  const start = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: BODY });
  await res.arrayBuffer();
  return { id: res.headers.get('x-litellm-call-id')!, status: res.status, ms: performance.now() - start };
}

function p50(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

function gauge(gw: Awaited<ReturnType<typeof startGateway>>, name: string): number {
  const family = gw.gateway.metrics.registry.snapshot().find((m) => m.name === name);
  if (!family || family.kind === 'histogram') return 0;
  return (family.series as Array<{ labels: Record<string, string>; value: number }>).filter((s) => s.labels.integration === 'generic_api').reduce((a, s) => a + s.value, 0);
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function spillLines(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) n += spillLines(path);
    else if (/^generic_api\.(spill|replay)\.jsonl$/.test(name)) n += readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
  }
  return n;
}

describe('generic_api delivery under a destination outage', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(() => upstream.close());

  it('delivers every log after a 30 s outage under load, memory bounded', { timeout: 90_000 }, async () => {
    const hook = await startFakeWebhook();
    const gw = await startGateway(config(upstream.url, tempDir(), { max_queued_bytes: QUEUE_BYTES_BOUND }), { logLevel: 'warn', env: { GENERIC_LOGGER_ENDPOINT: hook.url } });
    type Phase = 'warmup' | 'before' | 'during' | 'after';
    let phase: Phase = 'warmup';
    const calls: Array<{ id: string; status: number; ms: number; phase: Phase }> = [];
    const memory: Record<Phase, { rss: number; heap: number; retained: number; queueBytes: number }> = {
      warmup: { rss: 0, heap: 0, retained: 0, queueBytes: 0 },
      before: { rss: 0, heap: 0, retained: 0, queueBytes: 0 },
      during: { rss: 0, heap: 0, retained: 0, queueBytes: 0 },
      after: { rss: 0, heap: 0, retained: 0, queueBytes: 0 },
    };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      const slot = memory[phase];
      slot.rss = Math.max(slot.rss, m.rss);
      slot.heap = Math.max(slot.heap, m.heapUsed);
      slot.queueBytes = Math.max(slot.queueBytes, gauge(gw, 'logging_queue_bytes'));
    }, 250);
    const retainedSampler = setInterval(() => {
      gc();
      const slot = memory[phase];
      slot.retained = Math.max(slot.retained, process.memoryUsage().heapUsed);
    }, 2_000);
    let running = true;
    const clients = Array.from({ length: CLIENTS }, async () => {
      while (running) {
        const at = phase;
        const r = await call(gw.url);
        calls.push({ ...r, phase: at });
      }
    });
    try {
      await new Promise((r) => setTimeout(r, WARMUP_MS));
      phase = 'before';
      await new Promise((r) => setTimeout(r, BEFORE_MS));
      await hook.down();
      phase = 'during';
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await hook.up();
      phase = 'after';
      await new Promise((r) => setTimeout(r, AFTER_MS));
      running = false;
      await Promise.all(clients);
      const spilled = gauge(gw, 'logging_spilled_total');
      // Everything queued or spilled goes once the webhook answers: retries back off to at most 5 s.
      await until(() => calls.every((c) => hook.seen.has(c.id)), 30_000);
      clearInterval(sampler);
      clearInterval(retainedSampler);

      const by = (p: Phase) => calls.filter((c) => c.phase === p);
      const distinct = new Set(calls.map((c) => c.id)).size;
      const delivered = calls.filter((c) => hook.seen.has(c.id)).length;
      const duplicates = [...hook.seen.values()].reduce((a, n) => a + n - 1, 0);
      console.log(`[delivery-fault] calls=${calls.length} (warm-up ${by('warmup').length}, before ${by('before').length}, during ${by('during').length}, after ${by('after').length}); distinct ids delivered=${hook.seen.size}; duplicates=${duplicates}; spilled to disk=${spilled}`);
      console.log(`[delivery-fault] p50 latency ms: before ${p50(by('before').map((c) => c.ms)).toFixed(2)}, during ${p50(by('during').map((c) => c.ms)).toFixed(2)}, after ${p50(by('after').map((c) => c.ms)).toFixed(2)}`);
      for (const p of ['before', 'during', 'after'] as const) {
        console.log(`[delivery-fault] ${p}: max rss ${(memory[p].rss / MiB).toFixed(0)} MiB, max heapUsed ${(memory[p].heap / MiB).toFixed(0)} MiB, max heap retained after a full GC ${(memory[p].retained / MiB).toFixed(0)} MiB, max queued log bytes ${(memory[p].queueBytes / MiB).toFixed(1)} MiB`);
      }

      expect(calls.every((c) => c.status === 200)).toBe(true);
      expect(distinct).toBe(calls.length);
      expect(delivered).toBe(calls.length);
      expect(hook.seen.size).toBe(calls.length);
      expect(by('during').length).toBeGreaterThan(0);
      // The backlog held in memory never passes the design bound; what did not fit was spilled.
      expect(memory.during.queueBytes).toBeLessThanOrEqual(QUEUE_BYTES_BOUND);
      expect(spilled).toBeGreaterThan(0);
      // The heap the process retains (gateway, load generator and receiver together) grows during
      // the outage by at most the queue's bound plus slack, however many logs the outage produced.
      expect(memory.during.retained - memory.before.retained).toBeLessThan(QUEUE_BYTES_BOUND + 32 * MiB);
    } finally {
      running = false;
      clearInterval(sampler);
      clearInterval(retainedSampler);
      await gw.close();
      await hook.close();
    }
  });

  it('spills logs to the data dir when the webhook is down at shutdown and replays them on the next start', { timeout: 60_000 }, async () => {
    const hook = await startFakeWebhook();
    await hook.down();
    const dataDir = tempDir();
    const first = await startGateway(config(upstream.url, dataDir), { logLevel: 'warn', env: { GENERIC_LOGGER_ENDPOINT: hook.url } });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const batch = await Promise.all(Array.from({ length: 8 }, () => call(first.url)));
        for (const r of batch) ids.push(r.id);
      }
    } finally {
      await first.close();
    }
    const onDisk = spillLines(dataDir);
    console.log(`[delivery-fault] shutdown with the webhook down: ${ids.length} calls, ${onDisk} logs in the spill file`);
    expect(onDisk).toBe(ids.length);
    expect(hook.seen.size).toBe(0);

    await hook.up();
    const second = await startGateway(config(upstream.url, dataDir), { logLevel: 'warn', env: { GENERIC_LOGGER_ENDPOINT: hook.url } });
    try {
      await until(() => ids.every((id) => hook.seen.has(id)), 20_000);
      console.log(`[delivery-fault] after restart: ${ids.filter((id) => hook.seen.has(id)).length} of ${ids.length} replayed from the spill file`);
      expect(hook.seen.size).toBe(ids.length);
      await until(() => spillLines(dataDir) === 0, 5_000);
    } finally {
      await second.close();
      await hook.close();
    }
  });
});
