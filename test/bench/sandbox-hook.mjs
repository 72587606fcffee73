#!/usr/bin/env node
// Added cost of one sandboxed no-op preCall hook against the same hook in-process: both are
// tapped into a real gateway's preCall hook and called through hooks.preCall.promise(), with a
// ~2 kB request body crossing into the isolate and back. Prints one JSON line per target and a
// summary line. Run by `npm run bench` after run.mjs; alone: node --no-node-snapshot test/bench/sandbox-hook.mjs
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGateway } from '../../dist/kernel/gateway.js';

const N = Number(process.env.BENCH_SANDBOX_CALLS ?? 20000);
const WARMUP = Number(process.env.BENCH_SANDBOX_WARMUP ?? 2000);
const root = mkdtempSync(join(tmpdir(), 'sluice-bench-sandbox-'));

const body = `return { preCall: async (c) => c };`;
const inProcess = join(root, 'noop-in-process');
mkdirSync(inProcess);
writeFileSync(join(inProcess, 'plugin.json'), JSON.stringify({ id: 'noop-in-process', version: '1.0.0', apiVersion: '^1', main: 'index.mjs', hooks: { preCall: {} } }));
writeFileSync(join(inProcess, 'index.mjs'), `export default { id: 'noop-in-process', version: '1.0.0', apiVersion: '^1', async setup(ctx) { ${body} } };\n`);
const sandboxed = join(root, 'noop-sandboxed');
mkdirSync(sandboxed);
writeFileSync(join(sandboxed, 'plugin.json'), JSON.stringify({ id: 'noop-sandboxed', version: '1.0.0', apiVersion: '^1', main: 'plugin.js', hooks: { preCall: {} } }));
writeFileSync(join(sandboxed, 'plugin.js'), `var __sluicePlugin = (() => ({ default: { id: 'noop-sandboxed', version: '1.0.0', apiVersion: '^1', async setup(ctx) { ${body} } } }))();\n`);

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

const a = await measure('in-process', [{ use: 'noop-in-process' }], [inProcess]);
const b = await measure('sandboxed', [{ use: sandboxed }], []);
const added = Math.round((b.p50_us - a.p50_us) * 10) / 10;
console.log(JSON.stringify({ summary: true, scenario: 'precall-hook', added_p50_us_sandboxed_vs_in_process: added, sandboxed_p50_us: b.p50_us, target_p50_us: 50, target_met: b.p50_us <= 50 }));
