#!/usr/bin/env node
// Added cost of one sandboxed no-op preCall hook against the same hook in-process: both are
// tapped into a real gateway's preCall hook and called through hooks.preCall.promise(), with a
// ~2 kB request body crossing into the isolate and back. Prints one JSON line per target and a
// summary line. Run by `npm run bench` after run.mjs; alone: node --no-node-snapshot test/bench/sandbox-hook.mjs
//
// `--spin` (or BENCH_SANDBOX_MODE=spin) measures instead what a misbehaving sandboxed plugin costs
// calls it does not serve: a plugin that taps streamed chunks (postCall, streaming: chunk) and
// spins for its whole timeout_ms on the first chunk of every stream, kept busy by BENCH_SPIN_CLIENTS
// clients sending streamed chat calls back to back, while a probe times `/health/liveliness` and
// a non-streamed chat call (which never reaches that plugin), first with the plugin idle, then
// spinning. BENCH_SPIN_SECONDS per phase; BENCH_SANDBOX_DIST picks another build than dist/.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
const { createGateway } = await import(process.env.BENCH_SANDBOX_DIST ? `${process.env.BENCH_SANDBOX_DIST}/kernel/gateway.js` : '../../dist/kernel/gateway.js');

const N = Number(process.env.BENCH_SANDBOX_CALLS ?? 20000);
const WARMUP = Number(process.env.BENCH_SANDBOX_WARMUP ?? 2000);
const root = mkdtempSync(join(tmpdir(), 'sluice-bench-sandbox-'));

const body = `return { preCall: async (c) => c };`;
const inProcess = join(root, 'noop-in-process');
mkdirSync(inProcess);
writeFileSync(join(inProcess, 'plugin.json'), JSON.stringify({ id: 'noop-in-process', version: '1.0.0', apiVersion: '^2', main: 'index.mjs', hooks: { preCall: {} } }));
writeFileSync(join(inProcess, 'index.mjs'), `export default { id: 'noop-in-process', version: '1.0.0', apiVersion: '^2', async setup(ctx) { ${body} } };\n`);
const sandboxed = join(root, 'noop-sandboxed');
mkdirSync(sandboxed);
writeFileSync(join(sandboxed, 'plugin.json'), JSON.stringify({ id: 'noop-sandboxed', version: '1.0.0', apiVersion: '^2', main: 'plugin.js', hooks: { preCall: {} } }));
writeFileSync(join(sandboxed, 'plugin.js'), `var __sluicePlugin = (() => ({ default: { id: 'noop-sandboxed', version: '1.0.0', apiVersion: '^2', async setup(ctx) { ${body} } } }))();\n`);

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const env = { ...process.env, DATABASE_URL: `sqlite:${join(root, 'bench.db')}`, REDIS_URL: '', SLUICE_MASTER_KEY: 'sk-bench-1234' };

async function measure(name, plugins, extraPluginDirs) {
  const gw = await createGateway({ config: { model_list: [], plugins }, env, extraPluginDirs, logDestination: quiet, logLevel: 'warn' });
  const ctx = () => ({
    requestId: 'r', endpoint: 'chat', principal: { id: 'p', authenticatedBy: 'x', role: 'proxy_admin' }, headers: { 'content-type': 'application/json' },
    ip: '127.0.0.1', receivedAt: Date.now(), state: {}, tags: [], scopes: [],
    body: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'x'.repeat(1900) }] },
  });
  for (let i = 0; i < WARMUP; i++) await gw.hooks.preCall.promise(ctx());
  const times = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const c = ctx();
    const t = process.hrtime.bigint();
    await gw.hooks.preCall.promise(c);
    times[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  await gw.close();
  times.sort();
  const q = (p) => Math.round(times[Math.min(N - 1, Math.floor(p * N))] * 10) / 10;
  const row = { scenario: 'precall-hook', target: name, calls: N, p50_us: q(0.5), p99_us: q(0.99), mean_us: Math.round((times.reduce((a, b) => a + b, 0) / N) * 10) / 10 };
  console.log(JSON.stringify(row));
  return row;
}

if (process.argv.includes('--spin') || process.env.BENCH_SANDBOX_MODE === 'spin') {
  await measureSpin();
  process.exit(0);
}

async function measureSpin() {
  const seconds = Number(process.env.BENCH_SPIN_SECONDS ?? 10);
  const clients = Number(process.env.BENCH_SPIN_CLIENTS ?? 2);
  const spinner = join(root, 'spinner');
  mkdirSync(spinner);
  writeFileSync(join(spinner, 'plugin.json'), JSON.stringify({
    id: 'spinner', version: '1.0.0', apiVersion: '^2', main: 'plugin.js', hooks: { postCall: { streaming: 'chunk' } },
  }));
  writeFileSync(join(spinner, 'plugin.js'), `var __sluicePlugin = (() => ({ default: { id: 'spinner', version: '1.0.0', apiVersion: '^2', async setup(ctx) { return { postCall: { streaming: 'chunk', chunk: (c) => { if (c.index === 0) while (true) {} } } }; } } }))();\n`);
  const gw = await createGateway({
    config: {
      model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }],
      general_settings: { master_key: 'sk-bench-1234' },
      plugins: [{ use: spinner, allow_unpinned: true }],
    },
    env, logDestination: quiet, logLevel: 'fatal',
  });
  const url = await gw.listen(0, '127.0.0.1');
  const headers = { authorization: 'Bearer sk-bench-1234', 'content-type': 'application/json' };
  const chat = (extra) => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hi' }], ...extra }) });
  const probes = { liveliness: () => fetch(`${url}/health/liveliness`), 'unrelated-chat': () => chat({}) };
  const phase = async (spinning) => {
    let stop = false;
    let served = 0;
    const load = spinning
      ? Array.from({ length: clients }, async () => {
          while (!stop) {
            const res = await chat({ stream: true });
            await res.arrayBuffer();
            served++;
          }
        })
      : [];
    const times = { liveliness: [], 'unrelated-chat': [] };
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      for (const [name, probe] of Object.entries(probes)) {
        const t = process.hrtime.bigint();
        const res = await probe();
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${name} answered ${res.status}`);
        times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    stop = true;
    await Promise.all(load);
    for (const [name, list] of Object.entries(times)) {
      list.sort((x, y) => x - y);
      const q = (p) => Math.round(list[Math.min(list.length - 1, Math.floor(p * list.length))] * 10) / 10;
      const mean = Math.round((list.reduce((a, b) => a + b, 0) / list.length) * 10) / 10;
      const over100 = list.filter((t) => t > 100).length;
      console.log(JSON.stringify({ scenario: 'sandbox-spin', plugin: spinning ? 'spinning' : 'idle', probe: name, probes: list.length, served_calls: served, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: q(1), mean_ms: mean, over_100ms: over100 }));
    }
  };
  await phase(false);
  await phase(true);
  await gw.close();
}

const a = await measure('in-process', [{ use: 'noop-in-process' }], [inProcess]);
const b = await measure('sandboxed', [{ use: sandboxed, allow_unpinned: true }], []);
const added = Math.round((b.p50_us - a.p50_us) * 10) / 10;
console.log(JSON.stringify({ summary: true, scenario: 'precall-hook', added_p50_us_sandboxed_vs_in_process: added, sandboxed_p50_us: b.p50_us, target_p50_us: 50, target_met: b.p50_us <= 50 }));
