// `npm run bench -- --soak` (issue 18, item 5): the governed target (governed.mjs) under steady
// load for SOAK_MINUTES (30 documented), sampling the gateway's RSS and heap every
// SOAK_INTERVAL_S. Memory must not grow past warm-up: see BOUND below and README.md.
// One JSON line per sample on stdout, then a summary line with the verdict; progress on stderr.
// Exits 1 when the run is invalid (non-2xx or errors) or the bound is not met.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { NODE_FLAGS } from '../../bin/node-flags.js';
import { answersReady, benchModelYaml, freePort, sleep, until } from './bench-util.mjs';
import { GOVERNED_YAML, PRICED_MODEL_INFO, freshPostgres, provisionGoverned } from './governed.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const env = process.env;
const MINUTES = Number(env.SOAK_MINUTES || 30);
const INTERVAL_S = Number(env.SOAK_INTERVAL_S || 60);
const RPS = Number(env.SOAK_RPS || 300);
const CONNECTIONS = Number(env.SOAK_CONNECTIONS || 8);
// Warm-up: JIT, caches, pools and the young generation settle in the first minute; the first
// sample at or after it is the baseline the end is compared with.
const WARMUP_S = Number(env.SOAK_WARMUP_S || 60);
const BACKEND = env.SOAK_BACKEND === 'pg' ? 'pg' : 'sqlite';
const MASTER_KEY = 'sk-bench-1234';
// The bound: from the baseline to the end, heap used after a full GC may grow by at most 5 MB (or
// 10% of the baseline, if more), RSS by at most 30 MB. At 300 req/s for 30 min (540,000 calls), 5 MB
// is ~10 bytes per call: a leak of any object per call shows; RSS gets more room because the
// allocator keeps freed pages and the young generation (32 MB semi-spaces) fills unevenly.
const BOUND = { heap_used_growth_mb: 5, heap_used_growth_pct: 10, rss_growth_mb: 30 };

const log = (msg) => process.stderr.write(`[soak] ${msg}\n`);
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const children = new Set();
const tmp = mkdtempSync(join(tmpdir(), 'sluice-soak-'));
let pgDb;

function startChild(name, args, extraEnv = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.name = name;
  child.exited = new Promise((resolve) => child.once('exit', () => { children.delete(child); resolve(); }));
  child.lines = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    child.lines.push(...lines);
  });
  child.stderr.on('data', (d) => { for (const line of d.toString().split('\n')) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`); });
  return child;
}

async function stopAll() {
  for (const c of children) c.kill('SIGTERM');
  await Promise.race([Promise.all([...children].map((c) => c.exited)), sleep(10_000)]);
  for (const c of children) c.kill('SIGKILL');
  await pgDb?.drop().catch((err) => log(`dropping the soak database failed: ${err.message}`));
}

process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopAll().finally(() => process.exit(130)));

/** Waits until `test` gives something truthy while `child` runs, and resolves to it. */
const waitFor = (child, test, what, timeoutMs) => until(child.name, () => children.has(child), test, what, timeoutMs);

async function startGateway(upstream) {
  const port = await freePort();
  const config = join(tmp, 'soak.yaml');
  writeFileSync(config, [
    ...benchModelYaml(upstream),
    ...PRICED_MODEL_INFO,
    'storage:',
    `  data_dir: ${join(tmp, 'data')}`,
    'logging:',
    '  level: warn',
    ...GOVERNED_YAML,
    '',
  ].join('\n'));
  let backendEnv = { DATABASE_URL: `sqlite:${join(tmp, 'soak.db')}` };
  if (BACKEND === 'pg') {
    // The role run.mjs uses too: without one, the client connects as the OS user.
    const adminUrl = env.SOAK_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    pgDb = await freshPostgres(adminUrl);
    if (!pgDb) throw new Error(`SOAK_BACKEND=pg: no Postgres answers at ${adminUrl}`);
    backendEnv = { DATABASE_URL: pgDb.url, REDIS_URL: env.SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379' };
  }
  // --expose-gc and the preload only let soak-heap.mjs read the heap after a full GC on request.
  const args = [...NODE_FLAGS, '--expose-gc', '--import', join(here, 'soak-heap.mjs'), join(root, 'bin', 'sluice.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'];
  const child = startChild('sluice-governed', args, { SLUICE_MASTER_KEY: MASTER_KEY, LOG_LEVEL: 'warn', ...backendEnv });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(child, () => answersReady(origin), 'ready');
  return { child, origin };
}

function rssBytes(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** Heap used and total after a full GC, asked of the gateway's soak-heap.mjs preload. */
async function heap(child) {
  const seen = child.lines.length;
  child.kill('SIGUSR2');
  const line = await waitFor(child, () => child.lines.slice(seen).find((l) => l.startsWith('SOAK_HEAP ')), 'answering SIGUSR2', 10_000);
  return JSON.parse(line.slice('SOAK_HEAP '.length));
}

const messages = [
  { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
  { role: 'user', content: 'Say hello and tell me in one sentence what an LLM gateway does.' },
];
const BODIES = {
  nonstream: JSON.stringify({ model: 'bench-model', messages, max_tokens: 64 }),
  stream: JSON.stringify({ model: 'bench-model', messages, max_tokens: 64, stream: true }),
};

/** Half the rate and connections each, streaming and not, for the whole run; counts as it goes. */
function load(origin, headers, counts) {
  const runs = Object.entries(BODIES).map(([mode, body]) => {
    const instance = autocannon({
      url: `${origin}/v1/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      connections: Math.max(1, CONNECTIONS / 2),
      overallRate: RPS / 2,
      duration: MINUTES * 60,
    });
    instance.on('response', (_client, statusCode) => {
      counts.requests++;
      if (statusCode < 200 || statusCode > 299) counts.non2xx++;
    });
    instance.on('reqError', () => counts.errors++);
    return new Promise((resolve, reject) => instance.once('done', resolve).once('error', reject)).then((r) => ({ mode, timeouts: r.timeouts, resets: r.resets }));
  });
  return Promise.all(runs);
}

async function main() {
  log(`${MINUTES} min at ${RPS} req/s (${CONNECTIONS} connections, stream and non-stream alike), samples every ${INTERVAL_S} s, ${BACKEND}`);
  const mock = startChild('mock', [join(here, 'mock-upstream.mjs'), '0']);
  const mockPort = Number((await waitFor(mock, () => mock.lines.find((l) => l.startsWith('READY ')), 'ready')).slice(6));
  const gw = await startGateway(`http://127.0.0.1:${mockPort}`);
  const headers = await provisionGoverned(gw.origin, MASTER_KEY);
  const counts = { requests: 0, non2xx: 0, errors: 0 };
  const t0 = Date.now();
  const loadDone = load(gw.origin, headers, counts);
  const samples = [];
  for (let at = INTERVAL_S; at <= MINUTES * 60; at += INTERVAL_S) {
    await sleep(t0 + at * 1000 - Date.now());
    const h = await heap(gw.child);
    const sample = { sample: true, t_s: at, rss_mb: mb(rssBytes(gw.child.pid)), heap_used_mb: mb(h.used), heap_total_mb: mb(h.total), ...counts };
    samples.push(sample);
    emit(sample);
    log(`${at} s: RSS ${sample.rss_mb} MB, heap ${sample.heap_used_mb} / ${sample.heap_total_mb} MB, ${counts.requests} requests, ${counts.non2xx} non-2xx, ${counts.errors} errors`);
  }
  const ends = await loadDone;
  return summarise(samples, counts, ends);
}

function summarise(samples, counts, ends) {
  const base = samples.find((s) => s.t_s >= WARMUP_S) ?? samples[0];
  const end = samples.at(-1);
  const growth = { rss_mb: Math.round((end.rss_mb - base.rss_mb) * 10) / 10, heap_used_mb: Math.round((end.heap_used_mb - base.heap_used_mb) * 10) / 10 };
  const heapAllowed = Math.max(BOUND.heap_used_growth_mb, (base.heap_used_mb * BOUND.heap_used_growth_pct) / 100);
  const timeouts = ends.reduce((a, r) => a + r.timeouts, 0);
  const bad = counts.non2xx + counts.errors + timeouts;
  const withinBound = growth.heap_used_mb <= heapAllowed && growth.rss_mb <= BOUND.rss_growth_mb;
  const summary = {
    summary: true,
    backend: BACKEND,
    minutes: MINUTES,
    rps_offered: RPS,
    rps_done: Math.round(end.requests / (MINUTES * 60)),
    warmup_s: WARMUP_S,
    baseline: { t_s: base.t_s, rss_mb: base.rss_mb, heap_used_mb: base.heap_used_mb, heap_total_mb: base.heap_total_mb },
    end: { t_s: end.t_s, rss_mb: end.rss_mb, heap_used_mb: end.heap_used_mb, heap_total_mb: end.heap_total_mb },
    max: { rss_mb: Math.max(...samples.map((s) => s.rss_mb)), heap_used_mb: Math.max(...samples.map((s) => s.heap_used_mb)) },
    growth,
    bound: { heap_used_growth_mb: Math.round(heapAllowed * 10) / 10, rss_growth_mb: BOUND.rss_growth_mb },
    requests: end.requests,
    non2xx: counts.non2xx,
    errors: counts.errors,
    timeouts,
    within_bound: withinBound,
    valid: bad === 0,
  };
  if (base === end) log('note: the run ends at its baseline sample (make SOAK_MINUTES longer than SOAK_WARMUP_S): no growth can be seen');
  emit(summary);
  return summary;
}

let code = 0;
try {
  const summary = await main();
  if (!summary.valid) log('INVALID: the gateway answered errors or non-2xx statuses');
  if (!summary.within_bound) log('memory grew past the bound after warm-up');
  code = summary.valid && summary.within_bound ? 0 : 1;
} catch (err) {
  log(`failed: ${err?.stack ?? err}`);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);
