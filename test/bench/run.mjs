// `npm run bench`: Sluice's throughput and added latency against (a) the mock upstream directly and
// (b) a bare fastify + undici pass-through. Not a test: it measures and prints, one JSON line per
// scenario on stdout (progress on stderr), and exits 0 whether or not the targets are met. It exits 1
// only when a measurement is invalid (a target answered errors or non-2xx). See README.md.
import { spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { NODE_FLAGS } from '../../bin/node-flags.js';
import { Pool } from 'undici';
import { benchModelYaml, freePort, sleep } from './bench-util.mjs';
import { GOVERNED_YAML, PRICED_MODEL_INFO, freshPostgres, provisionGoverned, redisAnswers } from './governed.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

// ---- knobs -------------------------------------------------------------------------------------
const env = process.env;
const num = (name, dflt) => (env[name] === undefined || env[name] === '' ? dflt : Number(env[name]));
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const ROUNDS = num('BENCH_ROUNDS', 3);
const C1_REQUESTS = num('BENCH_C1_REQUESTS', 2000);
const C1_WARMUP = num('BENCH_C1_WARMUP', 200);
const C1_BLOCKS = num('BENCH_C1_BLOCKS', 10);
const PHASES = new Set((env.BENCH_PHASES ?? 'c50,c1').split(',').map((s) => s.trim()));
const TARGETS = (env.BENCH_TARGETS ?? 'direct,bare,sluice,sluice-core,sluice-cache,sluice-observed,sluice-governed,sluice-governed-pg').split(',').map((s) => s.trim());
// Where `sluice-governed-pg` gets its database (a fresh one, dropped after) and its counters.
const GOVERNED_PG_ADMIN_URL = env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const GOVERNED_REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MODES = (env.BENCH_MODES ?? 'nonstream,stream').split(',').map((s) => s.trim());
// BENCH_RATE: a fixed total request rate instead of as fast as possible, so that CPU per request
// is read off an unsaturated machine (A/B attribution); the c50 ratios then mean nothing.
const RATE = num('BENCH_RATE', 0);
// BENCH_ALLOC=1: the Sluice targets run with --trace-gc-nvp and each c50 line reports the bytes its
// heap allocated per request (summed from V8's per-GC `allocated=`), a measure of garbage per call.
const ALLOC = env.BENCH_ALLOC === '1';
const CPU_PROF_DIR = env.BENCH_CPU_PROF || undefined; // a directory: write bare.cpuprofile and sluice.cpuprofile there
const profArgs = (name) => (CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
const MASTER_KEY = 'sk-bench-1234';
const TARGET_RPS_RATIO = 0.8;
const TARGET_ADDED_P50_MS = 0.2;
// A response-cache hit (the same body again) against the bare pass-through going upstream for it.
const TARGET_CACHE_HIT_ADDED_P50_MS = 0.1;
// Issue 18: the governed target on SQLite + in-process counters (moonshot 0.9x and 0.1 ms).
const TARGET_GOVERNED_RPS_RATIO = 0.85;
const TARGET_GOVERNED_ADDED_P50_MS = 0.15;

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const r3 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);
const r1 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);

// ---- request bodies ----------------------------------------------------------------------------
const messages = [
  { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
  { role: 'user', content: 'Say hello and tell me in one sentence what an LLM gateway does.' },
];
const BODIES = {
  nonstream: JSON.stringify({ model: 'bench-model', messages, temperature: 0.2, max_tokens: 64 }),
  stream: JSON.stringify({ model: 'bench-model', messages, temperature: 0.2, max_tokens: 64, stream: true }),
};

// ---- child processes ---------------------------------------------------------------------------
const children = new Set();
let tmp;

function startChild(name, args, extraEnv = {}, { forwardStdout = false } = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.name = name;
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => { children.delete(child); resolve({ code, signal }); }));
  let buf = '';
  // BENCH_ALLOC: V8's --trace-gc-nvp lines (`allocated=` bytes since the previous GC) are summed,
  // not forwarded; the bench reads `child.allocated` around each measured run.
  child.allocated = 0;
  let partial = '';
  child.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      const text = d.toString();
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const gc = / allocated=(\d+)/.exec(line);
        if (gc) child.allocated += Number(gc[1]);
        else if (forwardStdout && line.trim()) process.stderr.write(`[${name}] ${line}\n`);
      }
      if (buf === null) return;
      buf += text;
      const m = /READY (\d+)/.exec(buf);
      if (m) { buf = null; resolve(Number(m[1])); }
    });
    child.once('exit', (code, signal) => reject(new Error(`${name} exited early (code ${code}, signal ${signal})`)));
  });
  child.ready.catch(() => undefined);
  child.stderr.on('data', (d) => { for (const line of d.toString().split('\n')) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`); });
  return child;
}

async function stopChildren() {
  const all = [...children];
  for (const c of all) c.kill('SIGTERM');
  await Promise.race([Promise.all(all.map((c) => c.exited)), sleep(5000)]);
  for (const c of children) c.kill('SIGKILL');
}

process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping children`);
    stopChildren().finally(() => process.exit(130));
  });
}

async function waitReady(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`${child.name}: ${url} not ready after ${timeoutMs} ms`);
}

// ---- sanity check: one request per target and mode ---------------------------------------------
async function check(target) {
  for (const mode of MODES) {
    const res = await fetch(target.url, { method: 'POST', headers: target.headers, body: BODIES[mode] });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${target.name} ${mode}: status ${res.status}: ${text.slice(0, 300)}`);
    if (mode === 'nonstream') {
      const json = JSON.parse(text);
      if (!Array.isArray(json.choices) || typeof json.choices[0]?.message?.content !== 'string') throw new Error(`${target.name}: no choices in ${text.slice(0, 300)}`);
    } else {
      const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
      if (events.at(-1) !== 'data: [DONE]') throw new Error(`${target.name} stream: does not end with [DONE]: ${text.slice(-200)}`);
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
      const content = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
      if (!content || !chunks.every((c) => Array.isArray(c.choices) && c.choices.length > 0)) {
        throw new Error(`${target.name} stream: unexpected chunks (empty content or a usage-only chunk the client did not ask for): ${text.slice(0, 300)}`);
      }
    }
  }
  log(`${target.name}: answers correctly (${MODES.join(', ')})`);
}

// ---- c=50: autocannon --------------------------------------------------------------------------
/** Runs autocannon; onFirstTick (optional, async) runs once the first second is over. */
function cannon(target, mode, seconds, onFirstTick) {
  return new Promise((resolve, reject) => {
    let tick;
    const instance = autocannon(
      { url: target.url, method: 'POST', headers: target.headers, body: BODIES[mode], connections: CONNECTIONS, duration: seconds, pipelining: 1, ...(RATE > 0 ? { overallRate: RATE } : {}) },
      (err, result) => (err ? reject(err) : Promise.resolve(tick).then(() => resolve(result), reject)),
    );
    if (onFirstTick) instance.once('tick', () => { tick = onFirstTick(); });
  });
}

// BENCH_GOVERNED_WITHOUT (e.g. `rate-limiter,budget,spend-logs,hide_secrets`): per-plugin A/B of the
// governed target, one more target `sluice-governed-no-<x>` each, with that plugin switched off
// (`hide_secrets`: the guardrail callback left out); the summary's `governed_without` gives the CPU
// per call each costs and the throughput it takes, from the same interleaved rounds.
const GOVERNED_WITHOUT = (env.BENCH_GOVERNED_WITHOUT ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const withoutTarget = (x) => `sluice-governed-no-${x}`;
for (const x of GOVERNED_WITHOUT) TARGETS.push(withoutTarget(x));
const SLUICE_TARGETS = ['sluice', 'sluice-core', 'sluice-cache', 'sluice-ab', 'sluice-observed', 'sluice-governed', 'sluice-governed-pg', ...GOVERNED_WITHOUT.map(withoutTarget)];
const isSluice = (name) => SLUICE_TARGETS.includes(name);
const isGoverned = (name) => name.startsWith('sluice-governed');
/** The governed config lines of a target, less what its A/B switches off. */
function governedYaml(name) {
  const without = GOVERNED_WITHOUT.find((x) => name === withoutTarget(x));
  if (without === undefined) return GOVERNED_YAML;
  if (without === 'hide_secrets') return ['litellm_settings:', '  callbacks: []'];
  return [...GOVERNED_YAML, 'plugins:', `  - { use: ${without}, enabled: false }`];
}
// BENCH_AB_ROOT: another checkout (built), run as target `sluice-ab` with `sluice`'s config, for a
// paired A/B of a change (e.g. the same tree without it): its blocks interleave with `sluice`'s.
const AB_ROOT = env.BENCH_AB_ROOT || undefined;

/** Plugins enabled by default besides master-key auth (providers load from model_list, not by default). */
function laterDefaultPlugins() {
  const dir = join(root, 'plugins');
  return readdirSync(dir)
    .filter((id) => existsSync(join(dir, id, 'plugin.json')))
    .filter((id) => JSON.parse(readFileSync(join(dir, id, 'plugin.json'), 'utf8')).enabledByDefault === true && id !== 'auth-master-key')
    .sort();
}

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let invalid = false;
/** The fresh Postgres database of `sluice-governed-pg`, dropped at the end. */
let governedPg;
let loadStart;
let stealStart;

/** The machine's total and steal CPU ticks so far, from /proc/stat (Linux); null elsewhere. */
function cpuTicks() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

function stealShare(from, to) {
  if (!from || !to || to.total <= from.total) return null;
  return (to.steal - from.steal) / (to.total - from.total);
}
let upstreamOrigin;
const pids = {}; // target name -> pid of the process under test (none for direct); 'upstream' -> the mock
const processes = {}; // target name -> its child process (for BENCH_ALLOC's byte counts)
/** Bytes the target's V8 heap allocated so far (BENCH_ALLOC only; counted at each GC). */
const allocatedBy = (name) => (ALLOC && processes[name] ? processes[name].allocated : null);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid) {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return null;
  }
}

/** The mock's counters: TCP connections accepted, chat requests answered. Each call opens one connection of its own. */
function upstreamStats() {
  return new Promise((resolve, reject) => {
    httpGet(`${upstreamOrigin}/stats`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

async function runC50(targets) {
  const results = {}; // mode -> target -> [{rps,p50,p99,...}]
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) {
      for (const t of targets) {
        if (WARMUP > 0) await cannon(t, mode, WARMUP);
        // Upstream connections are counted from the end of the first second: the gateway's pool may
        // have to replace connections it dropped when the previous run's clients disconnected.
        let before;
        const cpu0 = [cpuSeconds(pids[t.name]), cpuSeconds(pids.upstream)];
        const alloc0 = allocatedBy(t.name);
        const r = await cannon(t, mode, DURATION, async () => { before = await upstreamStats(); });
        const cpu1 = [cpuSeconds(pids[t.name]), cpuSeconds(pids.upstream)];
        const allocPerReq = alloc0 === null ? null : (allocatedBy(t.name) - alloc0) / r.latency.totalCount;
        const after = await upstreamStats();
        before ??= after;
        const perReq = (i) => (cpu0[i] == null || cpu1[i] == null ? null : ((cpu1[i] - cpu0[i]) * 1e6) / r.latency.totalCount);
        const upstreamConnections = after.connections - before.connections - 1; // minus the /stats fetch's own
        const bad = r.errors + r.timeouts + r.non2xx + r.resets + r.mismatches;
        const rps = r.latency.totalCount / r.duration;
        log(`c${CONNECTIONS} ${mode} ${t.name} round ${round}: ${rps.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms` + (bad ? `, ${bad} BAD` : ''));
        if (bad) {
          invalid = true;
          emit({ warning: true, scenario: `c${CONNECTIONS}-${mode}`, target: t.name, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, resets: r.resets, mismatches: r.mismatches, status_codes: r.statusCodeStats });
        }
        ((results[mode] ??= {})[t.name] ??= []).push({ rps, p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.average, total: r.latency.totalCount, upstreamConnections, proxyCpu: perReq(0), upstreamCpu: perReq(1), allocPerReq });
      }
    }
  }
  const out = {};
  for (const mode of MODES) {
    const agg = {};
    for (const t of targets) {
      const rs = results[mode][t.name];
      agg[t.name] = { rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), mean: median(rs.map((x) => x.mean)), total: rs.reduce((a, x) => a + x.total, 0), upstreamConnections: Math.max(...rs.map((x) => x.upstreamConnections)), proxyCpu: median(rs.map((x) => x.proxyCpu)), upstreamCpu: median(rs.map((x) => x.upstreamCpu)), allocPerReq: median(rs.map((x) => x.allocPerReq)) };
    }
    // Ratios are the median of each round's own ratio: the two runs of a round are back to back, so
    // a slow stretch of the machine (other tenants, CPU steal) weighs on both sides of it alike.
    const paired = (x, y) => median(results[mode][x].map((r, i) => r.rps / results[mode][y][i].rps));
    const spread = (x, y) => results[mode][x].map((r, i) => r3(r.rps / results[mode][y][i].rps));
    for (const t of targets) agg[t.name].pairedRatioVsBare = agg.bare && t.name !== 'bare' ? paired(t.name, 'bare') : null;
    for (const t of targets) {
      const a = agg[t.name];
      const line = { scenario: `c${CONNECTIONS}-${mode}`, target: t.name, connections: CONNECTIONS, duration_s: DURATION, rounds: ROUNDS, rps: r1(a.rps), p50_ms: a.p50, p99_ms: a.p99, mean_ms: r3(a.mean), requests: a.total, upstream_connections_opened: a.upstreamConnections };
      if (t.name !== 'direct') line.proxy_cpu_us_per_req = r1(a.proxyCpu);
      line.upstream_cpu_us_per_req = r1(a.upstreamCpu);
      if (a.allocPerReq != null) line.heap_kb_allocated_per_req = r1(a.allocPerReq / 1024);
      if (t.name !== 'direct') line.ratio_vs_direct = agg.direct ? r3(paired(t.name, 'direct')) : null;
      if (isSluice(t.name) && agg.bare) {
        line.ratio_vs_bare = r3(a.pairedRatioVsBare);
        line.ratio_vs_bare_per_round = spread(t.name, 'bare');
      }
      emit(line);
    }
    out[mode] = agg;
  }
  return out;
}

// ---- c=1: sequential loop with a microsecond timer --------------------------------------------
function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function oneRequest(pool, target, mode, sample) {
  const t0 = process.hrtime.bigint();
  const { statusCode, body } = await pool.request({ path: target.path, method: 'POST', headers: target.headers, body: BODIES[mode] });
  let ttfb;
  for await (const chunk of body) {
    if (ttfb === undefined) ttfb = process.hrtime.bigint();
    void chunk;
  }
  const t1 = process.hrtime.bigint();
  if (statusCode !== 200) throw new Error(`${target.name} ${mode}: status ${statusCode} in the c=1 loop`);
  if (sample) {
    sample.total.push(Number(t1 - t0) / 1e6);
    sample.ttfb.push(Number((ttfb ?? t1) - t0) / 1e6);
  }
}

async function runC1(targets) {
  const pools = new Map(targets.map((t) => [t.name, new Pool(t.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 })]));
  const out = {};
  try {
    for (const mode of MODES) {
      const samples = Object.fromEntries(targets.map((t) => [t.name, { total: [], ttfb: [], upstreamConnections: 0, upstreamRequests: 0 }]));
      for (const t of targets) for (let i = 0; i < C1_WARMUP; i++) await oneRequest(pools.get(t.name), t, mode, null);
      // Interleaved blocks, so that drift (thermal, other load) hits every target alike.
      const perBlock = Math.ceil(C1_REQUESTS / C1_BLOCKS);
      for (let b = 0; b < C1_BLOCKS; b++) {
        for (const t of targets) {
          const n = Math.min(perBlock, C1_REQUESTS - b * perBlock);
          const before = await upstreamStats();
          for (let i = 0; i < n; i++) await oneRequest(pools.get(t.name), t, mode, samples[t.name]);
          const after = await upstreamStats();
          samples[t.name].upstreamConnections += after.connections - before.connections - 1;
          samples[t.name].upstreamRequests += after.requests - before.requests;
        }
      }
      const agg = {};
      for (const t of targets) {
        const s = samples[t.name];
        const total = s.total.sort((a, b) => a - b);
        const ttfb = s.ttfb.sort((a, b) => a - b);
        agg[t.name] = { p50: pct(total, 50), p99: pct(total, 99), ttfb50: pct(ttfb, 50), ttfb99: pct(ttfb, 99), n: total.length, upstreamConnections: s.upstreamConnections, upstreamRequests: s.upstreamRequests };
      }
      for (const t of targets) {
        const a = agg[t.name];
        const line = { scenario: `c1-${mode}`, target: t.name, requests: a.n, p50_ms: r3(a.p50), p99_ms: r3(a.p99) };
        if (mode === 'stream') Object.assign(line, { ttfb_p50_ms: r3(a.ttfb50), ttfb_p99_ms: r3(a.ttfb99) });
        line.upstream_connections_opened = a.upstreamConnections;
        // Chat requests the upstream answered during this target's measured requests (0 for cache hits).
        line.upstream_requests = a.upstreamRequests;
        if (t.name !== 'direct' && agg.direct) {
          line.added_p50_ms_vs_direct = r3(a.p50 - agg.direct.p50);
          if (mode === 'stream') line.added_ttfb_p50_ms_vs_direct = r3(a.ttfb50 - agg.direct.ttfb50);
        }
        if (isSluice(t.name) && agg.bare) {
          line.added_p50_ms_vs_bare = r3(a.p50 - agg.bare.p50);
          if (mode === 'stream') line.added_ttfb_p50_ms_vs_bare = r3(a.ttfb50 - agg.bare.ttfb50);
        }
        log(`c1 ${mode} ${t.name}: p50 ${line.p50_ms} ms, p99 ${line.p99_ms} ms` + (mode === 'stream' ? `, ttfb p50 ${line.ttfb_p50_ms} ms` : ''));
        emit(line);
      }
      out[mode] = agg;
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  return out;
}

// ---- main --------------------------------------------------------------------------------------
async function main() {
  tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  loadStart = loadavg().map(r1);
  stealStart = cpuTicks();
  if (loadStart[0] > 0.5) log(`note: load average is ${loadStart.join(' ')} before starting; other work on this machine skews the numbers`);
  log(`bare and sluice run with ${NODE_FLAGS.join(' ')} (bin/node-flags.js)`);
  log(`duration ${DURATION}s (+${WARMUP}s warm-up) x ${ROUNDS} round(s), ${CONNECTIONS} connections; c=1: ${C1_REQUESTS} requests after ${C1_WARMUP} warm-up`);

  const mock = startChild('mock-upstream', [join(here, 'mock-upstream.mjs'), '0']);
  const mockPort = await mock.ready;
  pids.upstream = mock.pid;
  const upstream = `http://127.0.0.1:${mockPort}`;
  upstreamOrigin = upstream;

  const wanted = new Set(TARGETS);
  // The Postgres + Redis governed target runs where both answer; it is left out (and said so) otherwise.
  if (wanted.has('sluice-governed-pg')) {
    governedPg = (await redisAnswers(GOVERNED_REDIS_URL)) ? await freshPostgres(GOVERNED_PG_ADMIN_URL) : null;
    if (!governedPg) {
      log(`sluice-governed-pg: left out (no Postgres at ${GOVERNED_PG_ADMIN_URL} or no Redis at ${GOVERNED_REDIS_URL})`);
      wanted.delete('sluice-governed-pg');
      TARGETS.splice(TARGETS.indexOf('sluice-governed-pg'), 1);
    }
  }
  let bare;
  const ready = [];
  if (wanted.has('bare')) {
    // The same Node flags as the gateway: its V8 tuning is the stack's, not a head start.
    bare = startChild('bare', [...NODE_FLAGS, ...(env.BENCH_BARE_NODE_ARGS ?? '').split(' ').filter(Boolean), ...profArgs('bare'), join(here, 'bare-passthrough.mjs'), upstream, '0'], {}, { forwardStdout: Boolean(env.BENCH_BARE_NODE_ARGS) });
    ready.push(bare.ready);
    pids.bare = bare.pid;
  }
  // `sluice`: the default plugin set, as `npm start` runs it. `sluice-core`: this benchmark's
  // original subject, master-key auth and the full proxy path, with the default plugins that later
  // features added (budgets, rate limits, spend logs, tenancy, router, pricing…) switched off.
  const sluicePorts = {};
  for (const name of SLUICE_TARGETS) {
    if (!wanted.has(name)) continue;
    const port = await freePort();
    const config = join(tmp, `${name}.yaml`);
    const later = name === 'sluice-core' ? laterDefaultPlugins() : [];
    writeFileSync(
      config,
      [
        ...benchModelYaml(upstream),
        ...(isGoverned(name) ? PRICED_MODEL_INFO : []),
        'storage:',
        `  data_dir: ${join(tmp, name)}`,
        'logging:',
        '  level: warn',
        ...(later.length > 0 ? ['plugins:', ...later.map((id) => `  - { use: ${id}, enabled: false }`)] : []),
        // `sluice-cache`: the default plugins plus LiteLLM's in-memory response cache. Every request
        // of the c=1 loop sends the same body, so after the first one each is a hit.
        ...(name === 'sluice-cache' ? ['litellm_settings:', '  cache: true', '  cache_params:', '    type: local'] : []),
        // `sluice-observed`: the default plugins plus Prometheus, OpenTelemetry and the generic_api
        // logger (issue 17's bar: >= 0.9x of `sluice`), both exporters sending to the mock's sink.
        ...(name === 'sluice-observed' ? ['litellm_settings:', '  callbacks: ["prometheus", "otel", "generic_api"]'] : []),
        // `sluice-governed(-pg)`: the default plugins with what a real deployment turns on (governed.mjs).
        ...(isGoverned(name) ? governedYaml(name) : []),
        // Extra YAML for A/B runs, e.g. disabling a default plugin to measure what it costs.
        name === 'sluice' || name === 'sluice-ab' ? (env.BENCH_SLUICE_YAML ?? '') : '',
        '',
      ].join('\n'),
    );
    // BENCH_SLUICE_NODE_ARGS: extra Node flags for the gateway's process, for A/B runs.
    const nodeArgs = [...NODE_FLAGS, ...(env.BENCH_SLUICE_NODE_ARGS ?? '').split(' ').filter(Boolean), ...profArgs(name), ...(ALLOC ? ['--trace-gc-nvp'] : [])];
    if (name === 'sluice-ab' && !AB_ROOT) throw new Error('target sluice-ab needs BENCH_AB_ROOT (a built checkout)');
    const child = startChild(name, [...nodeArgs, join(name === 'sluice-ab' ? AB_ROOT : root, 'bin', 'sluice.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'], {
      SLUICE_MASTER_KEY: MASTER_KEY,
      DATABASE_URL: name === 'sluice-governed-pg' ? governedPg.url : `sqlite:${join(tmp, `${name}.db`)}`,
      ...(name === 'sluice-governed-pg' && { REDIS_URL: GOVERNED_REDIS_URL }),
      LOG_LEVEL: 'warn',
      ...(name === 'sluice-observed' && { OTEL_EXPORTER: 'otlp_http', OTEL_ENDPOINT: `${upstream}/sink/v1/traces`, GENERIC_LOGGER_ENDPOINT: `${upstream}/sink/logs` }),
    }, { forwardStdout: true });
    ready.push(waitReady(`http://127.0.0.1:${port}/health/readiness`, child));
    pids[name] = child.pid;
    processes[name] = child;
    sluicePorts[name] = port;
    if (later.length > 0) log(`sluice-core: ${later.join(', ')} disabled`);
  }
  await Promise.all(ready);

  const targets = [];
  const mk = (name, port, headers) => ({ name, origin: `http://127.0.0.1:${port}`, path: '/v1/chat/completions', url: `http://127.0.0.1:${port}/v1/chat/completions`, headers: { 'content-type': 'application/json', ...headers } });
  for (const name of TARGETS) {
    if (name === 'direct') targets.push(mk('direct', mockPort, { authorization: 'Bearer sk-upstream' }));
    else if (name === 'bare') targets.push(mk('bare', await bare.ready, {}));
    else if (isGoverned(name)) targets.push(mk(name, sluicePorts[name], await provisionGoverned(`http://127.0.0.1:${sluicePorts[name]}`, MASTER_KEY)));
    else if (isSluice(name)) targets.push(mk(name, sluicePorts[name], { authorization: `Bearer ${MASTER_KEY}` }));
    else throw new Error(`unknown target ${name} in BENCH_TARGETS`);
  }
  log(`targets: ${targets.map((t) => `${t.name}=${t.origin}`).join(' ')}`);
  for (const t of targets) await check(t);

  const c50 = PHASES.has('c50') ? await runC50(targets) : undefined;
  const c1 = PHASES.has('c1') ? await runC1(targets) : undefined;

  const ratio = (mode, name = 'sluice') => c50?.[mode]?.[name]?.pairedRatioVsBare ?? null;
  const cpuRatio = (mode, name = 'sluice') => (c50?.[mode]?.[name]?.proxyCpu && c50[mode].bare?.proxyCpu ? c50[mode][name].proxyCpu / c50[mode].bare.proxyCpu : null);
  const added = (mode, key, name = 'sluice') => (c1?.[mode]?.[name] && c1[mode].bare ? c1[mode][name][key] - c1[mode].bare[key] : null);
  const summary = {
    summary: true,
    rps_ratio_vs_bare_nonstream: r3(ratio('nonstream')),
    rps_ratio_vs_bare_stream: r3(ratio('stream')),
    added_p50_ms_vs_bare_nonstream: r3(added('nonstream', 'p50')),
    added_p50_ms_vs_bare_stream: r3(added('stream', 'p50')),
    added_ttfb_p50_ms_vs_bare: r3(added('stream', 'ttfb50')),
    cpu_per_req_ratio_vs_bare_nonstream: r3(cpuRatio('nonstream')),
    cpu_per_req_ratio_vs_bare_stream: r3(cpuRatio('stream')),
  };
  const met = (v, ok) => (v == null ? null : ok(v));
  summary.targets_met = {
    rps_nonstream_ge_0_8x_bare: met(summary.rps_ratio_vs_bare_nonstream, (v) => v >= TARGET_RPS_RATIO),
    rps_stream_ge_0_8x_bare: met(summary.rps_ratio_vs_bare_stream, (v) => v >= TARGET_RPS_RATIO),
    added_p50_nonstream_le_0_2ms: met(summary.added_p50_ms_vs_bare_nonstream, (v) => v <= TARGET_ADDED_P50_MS),
    added_p50_stream_le_0_2ms: met(summary.added_p50_ms_vs_bare_stream, (v) => v <= TARGET_ADDED_P50_MS),
    added_ttfb_p50_le_0_2ms: met(summary.added_ttfb_p50_ms_vs_bare, (v) => v <= TARGET_ADDED_P50_MS),
  };
  const all = Object.values(summary.targets_met).filter((v) => v !== null);
  summary.targets_met.all = all.length ? all.every(Boolean) : null;
  if (TARGETS.includes('sluice-core')) {
    summary.core = {
      rps_ratio_vs_bare_nonstream: r3(ratio('nonstream', 'sluice-core')),
      rps_ratio_vs_bare_stream: r3(ratio('stream', 'sluice-core')),
      added_p50_ms_vs_bare_nonstream: r3(added('nonstream', 'p50', 'sluice-core')),
      added_p50_ms_vs_bare_stream: r3(added('stream', 'p50', 'sluice-core')),
      added_ttfb_p50_ms_vs_bare: r3(added('stream', 'ttfb50', 'sluice-core')),
      cpu_per_req_ratio_vs_bare_nonstream: r3(cpuRatio('nonstream', 'sluice-core')),
      cpu_per_req_ratio_vs_bare_stream: r3(cpuRatio('stream', 'sluice-core')),
    };
    const c = summary.core;
    const coreMet = [
      met(c.rps_ratio_vs_bare_nonstream, (v) => v >= TARGET_RPS_RATIO),
      met(c.rps_ratio_vs_bare_stream, (v) => v >= TARGET_RPS_RATIO),
      met(c.added_p50_ms_vs_bare_nonstream, (v) => v <= TARGET_ADDED_P50_MS),
      met(c.added_p50_ms_vs_bare_stream, (v) => v <= TARGET_ADDED_P50_MS),
      met(c.added_ttfb_p50_ms_vs_bare, (v) => v <= TARGET_ADDED_P50_MS),
    ].filter((v) => v !== null);
    c.targets_met = coreMet.length ? coreMet.every(Boolean) : null;
  }
  if (TARGETS.includes('sluice-cache')) {
    // Hits of the response cache against the bare pass-through's full round trip for the same body.
    const hitAdded = (mode, key) => r3(added(mode, key, 'sluice-cache'));
    summary.cache = {
      hit_added_p50_ms_vs_bare_nonstream: hitAdded('nonstream', 'p50'),
      hit_added_p50_ms_vs_bare_stream: hitAdded('stream', 'p50'),
      hit_p50_ms_nonstream: r3(c1?.nonstream?.['sluice-cache']?.p50 ?? null),
      hit_p50_ms_stream: r3(c1?.stream?.['sluice-cache']?.p50 ?? null),
      upstream_requests_during_hits: c1 ? MODES.reduce((sum, mode) => sum + (c1[mode]?.['sluice-cache']?.upstreamRequests ?? 0), 0) : null,
    };
    const cm = summary.cache;
    const cacheMet = [
      met(cm.hit_added_p50_ms_vs_bare_nonstream, (v) => v <= TARGET_CACHE_HIT_ADDED_P50_MS),
      met(cm.hit_added_p50_ms_vs_bare_stream, (v) => v <= TARGET_CACHE_HIT_ADDED_P50_MS),
      met(cm.upstream_requests_during_hits, (v) => v === 0),
    ].filter((v) => v !== null);
    cm.targets_met = cacheMet.length ? cacheMet.every(Boolean) : null;
  }
  if (TARGETS.includes('sluice-observed') && TARGETS.includes('sluice')) {
    // Observability on (prometheus + otel + generic_api) against the same default set without it.
    const pairedVsSluice = (mode) => {
      const rounds = c50?.[mode];
      return rounds?.['sluice-observed']?.rps && rounds?.sluice?.rps ? rounds['sluice-observed'].pairedRatioVsBare / rounds.sluice.pairedRatioVsBare : null;
    };
    summary.observed = {
      rps_ratio_vs_sluice_nonstream: r3(pairedVsSluice('nonstream')),
      rps_ratio_vs_sluice_stream: r3(pairedVsSluice('stream')),
      added_p50_ms_vs_sluice_nonstream: c1?.nonstream?.['sluice-observed'] && c1.nonstream.sluice ? r3(c1.nonstream['sluice-observed'].p50 - c1.nonstream.sluice.p50) : null,
    };
    const o = summary.observed;
    const obsMet = [met(o.rps_ratio_vs_sluice_nonstream, (v) => v >= 0.9), met(o.rps_ratio_vs_sluice_stream, (v) => v >= 0.9)].filter((v) => v !== null);
    o.targets_met = obsMet.length ? obsMet.every(Boolean) : null;
  }
  for (const name of ['sluice-governed', 'sluice-governed-pg']) {
    if (!TARGETS.includes(name)) continue;
    // Issue 18's bar is on the SQLite + in-process target; the Postgres + Redis one is quoted beside it.
    const g = {
      backend: name === 'sluice-governed' ? 'sqlite+in-process' : 'postgres+redis',
      rps_ratio_vs_bare_nonstream: r3(ratio('nonstream', name)),
      rps_ratio_vs_bare_stream: r3(ratio('stream', name)),
      added_p50_ms_vs_bare_nonstream: r3(added('nonstream', 'p50', name)),
      added_p50_ms_vs_bare_stream: r3(added('stream', 'p50', name)),
      added_p99_ms_vs_bare_nonstream: r3(added('nonstream', 'p99', name)),
      added_p99_ms_vs_bare_stream: r3(added('stream', 'p99', name)),
      cpu_us_per_req_nonstream: r1(c50?.nonstream?.[name]?.proxyCpu ?? null),
      cpu_us_per_req_stream: r1(c50?.stream?.[name]?.proxyCpu ?? null),
      cpu_per_req_ratio_vs_bare_nonstream: r3(cpuRatio('nonstream', name)),
      cpu_per_req_ratio_vs_bare_stream: r3(cpuRatio('stream', name)),
    };
    if (ALLOC) {
      g.heap_kb_allocated_per_req_nonstream = r1((c50?.nonstream?.[name]?.allocPerReq ?? NaN) / 1024);
      g.heap_kb_allocated_per_req_stream = r1((c50?.stream?.[name]?.allocPerReq ?? NaN) / 1024);
    }
    if (name === 'sluice-governed') {
      const gm = [
        met(g.rps_ratio_vs_bare_nonstream, (v) => v >= TARGET_GOVERNED_RPS_RATIO),
        met(g.rps_ratio_vs_bare_stream, (v) => v >= TARGET_GOVERNED_RPS_RATIO),
        met(g.added_p50_ms_vs_bare_nonstream, (v) => v <= TARGET_GOVERNED_ADDED_P50_MS),
        met(g.added_p50_ms_vs_bare_stream, (v) => v <= TARGET_GOVERNED_ADDED_P50_MS),
      ].filter((v) => v !== null);
      g.targets_met = gm.length ? gm.every(Boolean) : null;
    }
    summary[name === 'sluice-governed' ? 'governed' : 'governed_pg'] = g;
  }
  if (GOVERNED_WITHOUT.length > 0 && TARGETS.includes('sluice-governed')) {
    summary.governed_without = {};
    for (const x of GOVERNED_WITHOUT) {
      const name = withoutTarget(x);
      const cpuSaved = (mode) => (c50?.[mode]?.['sluice-governed']?.proxyCpu != null && c50[mode][name]?.proxyCpu != null ? r1(c50[mode]['sluice-governed'].proxyCpu - c50[mode][name].proxyCpu) : null);
      const rpsGain = (mode) => (ratio(mode, name) != null && ratio(mode, 'sluice-governed') ? r3(ratio(mode, name) / ratio(mode, 'sluice-governed')) : null);
      summary.governed_without[x] = {
        cpu_us_per_call_nonstream: cpuSaved('nonstream'),
        cpu_us_per_call_stream: cpuSaved('stream'),
        rps_without_vs_with_nonstream: rpsGain('nonstream'),
        rps_without_vs_with_stream: rpsGain('stream'),
        added_p50_ms_nonstream: c1?.nonstream?.['sluice-governed'] && c1.nonstream[name] ? r3(c1.nonstream['sluice-governed'].p50 - c1.nonstream[name].p50) : null,
      };
    }
  }
  if (TARGETS.includes('sluice-ab') && c1) {
    // This tree's `sluice` minus the other checkout's, same config, interleaved blocks.
    const diff = (mode, key) => (c1[mode]?.sluice && c1[mode]['sluice-ab'] ? r3(c1[mode].sluice[key] - c1[mode]['sluice-ab'][key]) : null);
    summary.ab = { root: AB_ROOT, p50_ms_minus_ab_nonstream: diff('nonstream', 'p50'), p50_ms_minus_ab_stream: diff('stream', 'p50'), ttfb_p50_ms_minus_ab: diff('stream', 'ttfb50') };
  }
  summary.valid = !invalid;
  summary.loadavg_start = loadStart;
  summary.loadavg_end = loadavg().map(r1);
  // CPU time the hypervisor gave to other guests while this ran: the usual cause of noisy rounds.
  const steal = stealShare(stealStart, cpuTicks());
  if (steal !== null) summary.cpu_steal_pct = r1(steal * 100);
  summary.cpus = cpus().length;
  emit(summary);
}

let code = 0;
try {
  await main();
  if (invalid) {
    log('INVALID: a target answered with errors or non-2xx statuses (see the warning lines); the numbers do not measure the proxy path');
    code = 1;
  }
} catch (err) {
  log(`failed: ${err?.stack ?? err}`);
  code = 1;
} finally {
  await stopChildren();
  await governedPg?.drop().catch((err) => log(`could not drop the governed target's database: ${err.message}`));
}
if (CPU_PROF_DIR) log(`CPU profiles in ${CPU_PROF_DIR}; summarise with: node test/bench/cpuprofile-summary.mjs ${CPU_PROF_DIR}/sluice.cpuprofile`);
process.exit(code);
