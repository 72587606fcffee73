// `npm run bench -- --curves` (issue 18, item 4): how Sluice's cost per call grows with the work it
// is given. Each curve starts real gateway processes against the mock upstream (its own process),
// as run.mjs does, and measures a sequential loop on one keep-alive connection: p50 latency and the
// gateway's CPU µs per call (from /proc/<pid>/stat over the measured calls).
//   a  prompt size 1 kB → 1 MB, hide_secrets and banned keywords on
//   b  stream length 10 → 10,000 chunks
//   c  keys in the database 10 → 1,000,000: cache hits, and cold misses (a different key each call)
//   d  deployments in one model group 1 → 1,000
//   e  no-op trusted plugins 0 → 20 (preCall, postCall per chunk, onSpend)
//   f  concurrent idle SSE streams 1 → 9,000: gateway RSS per open stream
// One JSON line per point on stdout, progress on stderr, then a markdown table on stdout.
// Knobs: CURVES_ONLY=a,c  CURVES_CALLS (most measured calls per point, 2000)  CURVES_SECONDS (time
// budget per point, 5)  CURVES_STREAMS=1,100,1000,9000 (curve f's points). See README.md.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { NODE_FLAGS } from '../../bin/node-flags.js';
import { answersReady, freePort, sleep, until } from './bench-util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const env = process.env;
const ONLY = new Set((env.CURVES_ONLY ?? 'a,b,c,d,e,f').split(',').map((s) => s.trim()));
const CALLS = Number(env.CURVES_CALLS || 2000);
const SECONDS = Number(env.CURVES_SECONDS || 5);
// The gateway holds two sockets per stream (client and upstream) under the machine's 20,000-fd
// hard limit, so 9,000 is the most that fits; 10,000 would not.
const STREAM_POINTS = (env.CURVES_STREAMS ?? '1,100,1000,9000').split(',').map(Number);
const MASTER_KEY = 'sk-bench-1234';

const log = (msg) => process.stderr.write(`[curves] ${msg}\n`);
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const r3 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);
const r1 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);

// ---- processes ---------------------------------------------------------------------------------
const children = new Set();
const tmp = mkdtempSync(join(tmpdir(), 'sluice-curves-'));

function startChild(name, args, extraEnv = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.name = name;
  child.exited = new Promise((resolve) => child.once('exit', () => { children.delete(child); resolve(); }));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { child.out = (child.out ?? '') + d; });
  child.stderr.on('data', (d) => { for (const line of d.toString().split('\n')) if (line.trim()) process.stderr.write(`[${name}] ${line}\n`); });
  return child;
}

async function stop(child) {
  child.kill('SIGTERM');
  await Promise.race([child.exited, sleep(10_000)]);
  if (children.has(child)) child.kill('SIGKILL');
  await child.exited;
}

process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Waits until `test` gives something truthy while `child` runs. */
const waitFor = (child, test, what, timeoutMs) => until(child.name, () => children.has(child), test, what, timeoutMs);

/** The mock upstream; `extraPorts` more listening ports (separate origins) for the idle-stream curve. */
async function startMock(extraPorts = 0) {
  const mock = startChild('mock', [join(here, 'mock-upstream.mjs'), '0'], { MOCK_EXTRA_PORTS: String(extraPorts) });
  await waitFor(mock, () => /READY \d+/.test(mock.out ?? ''), 'ready');
  const port = Number(/READY (\d+)/.exec(mock.out)[1]);
  const extra = /PORTS ([\d,]+)/.exec(mock.out)?.[1].split(',').map(Number) ?? [];
  return { child: mock, port, extra };
}

/** A model_list entry routed to the mock at `port` (`upstreamModel` is what the mock sees). */
const modelEntry = (name, upstreamModel, port, extra = []) => [
  `  - model_name: ${name}`,
  '    litellm_params:',
  `      model: openai/${upstreamModel}`,
  `      api_base: http://127.0.0.1:${port}/v1`,
  '      api_key: sk-upstream',
  ...extra,
];

/**
 * Starts a gateway with `yaml` (lines after model_list's entries) as `sluice start` runs it (the
 * same Node flags), or through curves-gateway.mjs with extra plugin folders. Resolves when ready.
 */
async function startGateway(name, yamlLines, { db = join(tmp, `${name}.db`), pluginDirs } = {}) {
  const port = await freePort();
  const config = join(tmp, `${name}.yaml`);
  writeFileSync(config, [...yamlLines, 'storage:', `  data_dir: ${join(tmp, name)}`, 'logging:', '  level: warn', ''].join('\n'));
  const entry = pluginDirs ? [join(here, 'curves-gateway.mjs'), config, String(port), ...pluginDirs] : [join(root, 'bin', 'sluice.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'];
  const child = startChild(name, [...NODE_FLAGS, ...entry], { SLUICE_MASTER_KEY: MASTER_KEY, DATABASE_URL: `sqlite:${db}`, LOG_LEVEL: 'warn' });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(child, () => answersReady(origin), 'ready', 300_000);
  return { child, origin, pid: child.pid };
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ = 100
}

function rssKb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

// ---- the sequential loop ----------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.ceil(s.length / 2) - 1] : NaN;
};

async function call(pool, body, authorization) {
  const { statusCode, body: res } = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
  const text = await res.text();
  if (statusCode !== 200) throw new Error(`status ${statusCode}: ${text.slice(0, 300)}`);
  if (body.includes('"stream":true') && !text.endsWith('data: [DONE]\n\n')) throw new Error(`stream did not end with [DONE]: ${text.slice(-200)}`);
}

/**
 * Warm-up (a tenth of the budget), then measured calls until `calls` or the time budget is spent.
 * `auth(i)` gives call i's authorization header. CPU is /proc's 10 ms ticks over the whole run, so
 * the budget keeps the run long enough for them.
 */
async function measure(gw, body, { auth = () => `Bearer ${MASTER_KEY}`, calls = CALLS, warmup = true } = {}) {
  const pool = new Pool(gw.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    if (warmup) {
      const until = Date.now() + (SECONDS * 1000) / 10;
      for (let i = 0; i < calls / 10 && Date.now() < until; i++) await call(pool, body, `Bearer ${MASTER_KEY}`);
    }
    const times = [];
    const cpu0 = cpuSeconds(gw.pid);
    const until = Date.now() + SECONDS * 1000;
    for (let i = 0; i < calls && (i < 10 || Date.now() < until); i++) {
      const t0 = process.hrtime.bigint();
      await call(pool, body, auth(i));
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const cpuUs = ((cpuSeconds(gw.pid) - cpu0) * 1e6) / times.length;
    return { calls: times.length, p50_ms: r3(median(times)), cpu_us_per_call: r1(cpuUs) };
  } finally {
    await pool.close();
  }
}

const chatBody = (model, content, stream = false) =>
  JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: 64, ...(stream ? { stream: true } : {}) });

// ---- curves ------------------------------------------------------------------------------------
const rows = []; // for the table: { curve, input, unit, p50_ms, cpu_us_per_call, kb_per_unit }

function point(curve, unit, input, result) {
  const line = { curve, input, ...result };
  emit(line);
  rows.push({ curve, unit, input, ...result });
  log(`${curve} ${input}: ${JSON.stringify(result)}`);
}

// Secret-looking text hide_secrets must find (an AWS key id, a GitHub token, a bearer JWT) in
// ordinary prose, so every kilobyte of the prompt carries secrets to redact.
const SECRET_KB =
  'Here is the deployment log you asked about. The build used AKIAIOSFODNN7EXAMPLE with the old ' +
  'role, then the CI token ghp_16C7e42F292c6912E7710c838347Ae178B4a was rotated. Authorization: ' +
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJlLWJlbmNo and the rest of the ' +
  'report follows with the numbers from the last three runs, nothing unusual in them at all. ';

function promptOf(bytes) {
  return SECRET_KB.repeat(Math.ceil(bytes / SECRET_KB.length)).slice(0, bytes);
}

async function curveA(mock) {
  const keywords = Array.from({ length: 50 }, (_, i) => `forbidden-topic-${i}`);
  const gw = await startGateway('curve-a', [
    'model_list:',
    ...modelEntry('bench-model', 'bench-model', mock.port),
    'server:',
    '  body_limit_mb: 8',
    'litellm_settings:',
    '  callbacks: ["hide_secrets", "banned_keywords"]',
    `  banned_keywords_list: ${JSON.stringify(keywords)}`,
  ]);
  try {
    for (const kb of [1, 10, 100, 1000]) point('a prompt size', 'kB', kb, await measure(gw, chatBody('bench-model', promptOf(kb * 1000))));
  } finally {
    await stop(gw.child);
  }
}

const CHUNK_POINTS = [10, 100, 1000, 10000];

async function curveB(mock) {
  const gw = await startGateway('curve-b', ['model_list:', ...CHUNK_POINTS.flatMap((n) => modelEntry(`chunks-${n}`, `bench-chunks-${n}`, mock.port))]);
  try {
    for (const n of CHUNK_POINTS) point('b stream chunks', 'chunk', n, await measure(gw, chatBody(`chunks-${n}`, 'Stream me something.', true)));
  } finally {
    await stop(gw.child);
  }
}

// ---- (c) keys in the database -------------------------------------------------------------------
const KEYS_TABLE = 'sluice_virtual_keys'; // plugins/governance-tenancy/src/migrations.ts
const plainKey = (i) => `sk-curve-${i.toString(36).padStart(8, '0')}`;
const hashKey = (key) => createHash('sha256').update(key).digest('hex'); // governance-tenancy key-record.ts

/** Copies of the generated key's row up to `total` rows, keys plainKey(from..total-2), one transaction. */
function insertKeys(dbFile, template, from, total) {
  const db = new Database(dbFile);
  try {
    const cols = Object.keys(template);
    const insert = db.prepare(`INSERT INTO ${KEYS_TABLE} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (let i = from; i < total - 1; i++) {
        const key = plainKey(i);
        insert.run({ ...template, token_hash: hashKey(key), key_name: `sk-...${key.slice(-4)}`, key_alias: null });
      }
    })();
  } finally {
    db.close();
  }
}

function keyTemplate(dbFile) {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM ${KEYS_TABLE}`).get();
  } finally {
    db.close();
  }
}

async function curveC(mock) {
  const yaml = ['model_list:', ...modelEntry('bench-model', 'bench-model', mock.port)];
  const db = join(tmp, 'curve-c.db');
  let gw = await startGateway('curve-c', yaml, { db });
  const res = await fetch(`${gw.origin}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ key_alias: 'curve-hit' }) });
  const { key: hitKey } = await res.json();
  await stop(gw.child);
  const template = keyTemplate(db);
  let inserted = 1; // rows so far
  const body = chatBody('bench-model', 'Say hello.');
  let nextMiss = 0; // each cold miss uses a key never presented before
  for (const n of [10, 1000, 100_000, 1_000_000]) {
    const t0 = Date.now();
    insertKeys(db, template, inserted - 1, n);
    inserted = n;
    log(`c: ${n} keys in ${KEYS_TABLE} (inserted in ${Date.now() - t0} ms)`);
    gw = await startGateway('curve-c', yaml, { db });
    try {
      point('c keys, cache hit', 'key', n, await measure(gw, body, { auth: () => `Bearer ${hitKey}` }));
      const misses = Math.min(CALLS, n - 1 - nextMiss);
      const first = nextMiss;
      nextMiss += misses;
      point('c keys, cold miss', 'key', n, await measure(gw, body, { auth: (i) => `Bearer ${plainKey(first + i)}`, calls: misses, warmup: false }));
    } finally {
      await stop(gw.child);
    }
  }
}

async function curveD(mock) {
  for (const n of [1, 10, 100, 1000]) {
    const entries = Array.from({ length: n }, () => modelEntry('bench-model', 'bench-model', mock.port)).flat();
    const gw = await startGateway(`curve-d-${n}`, ['model_list:', ...entries]);
    try {
      point('d deployments', 'deployment', n, await measure(gw, chatBody('bench-model', 'Say hello.')));
    } finally {
      await stop(gw.child);
    }
  }
}

// ---- (e) no-op plugins ---------------------------------------------------------------------------
/** N trusted plugin folders whose taps do nothing (the kernel's per-tap cost, not the plugin's). */
function noopPlugins(n) {
  const dir = join(tmp, 'noop-plugins');
  // The kernel API range the bundled plugins declare, so the no-op ones load on this kernel.
  const { apiVersion } = JSON.parse(readFileSync(join(root, 'plugins', 'spend-logs', 'plugin.json'), 'utf8'));
  return Array.from({ length: n }, (_, i) => {
    const id = `bench-noop-${i}`;
    const pluginDir = join(dir, id);
    mkdirSync(pluginDir, { recursive: true });
    const hooks = { preCall: { stage: 'TRANSFORM' }, postCall: { stage: 'TRANSFORM', streaming: 'chunk' }, onSpend: { stage: 'OBSERVE' } };
    writeFileSync(join(pluginDir, 'plugin.json'), JSON.stringify({ id, version: '1.0.0', apiVersion, main: 'index.mjs', hooks }));
    writeFileSync(
      join(pluginDir, 'index.mjs'),
      `export default { id: '${id}', version: '1.0.0', apiVersion: '${apiVersion}', async setup() {
  return { preCall: async () => {}, postCall: { streaming: 'chunk', response: async () => {}, chunk: async () => {} }, onSpend: async () => {} };
} };\n`,
    );
    return pluginDir;
  });
}

async function curveE(mock) {
  for (const n of [0, 5, 10, 20]) {
    const dirs = noopPlugins(n);
    const gw = await startGateway(`curve-e-${n}`, ['model_list:', ...modelEntry('bench-model', 'bench-model', mock.port), ...(n ? ['plugins:', ...dirs.map((_, i) => `  - use: bench-noop-${i}`)] : [])], { pluginDirs: dirs });
    try {
      point('e plugins, non-stream', 'plugin', n, await measure(gw, chatBody('bench-model', 'Say hello.')));
      point('e plugins, stream', 'plugin', n, await measure(gw, chatBody('bench-model', 'Say hello.', true)));
    } finally {
      await stop(gw.child);
    }
  }
}

// ---- (f) idle streams ----------------------------------------------------------------------------
/** Opens a stream through the gateway; resolves with its request once the first chunk arrived. */
function openStream(gw, body) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gw.origin}/v1/chat/completions`, { method: 'POST', agent: false, headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`idle stream: status ${res.statusCode}`));
      res.once('data', () => resolve(req));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ORIGINS = 64; // upstream origins for curve f: 9,000 streams stay under 256 sockets each

async function curveF(mock) {
  const entries = mock.extra.slice(0, ORIGINS).flatMap((port) => modelEntry('hold-model', 'bench-hold', port));
  const body = chatBody('hold-model', 'Hold the line.', true);
  for (const n of STREAM_POINTS) {
    const gw = await startGateway(`curve-f-${n}`, ['model_list:', ...entries]);
    try {
      (await openStream(gw, body)).destroy(); // warm the path before the baseline
      await sleep(500);
      const before = rssKb(gw.pid);
      const open = [];
      for (let i = 0; i < n; i += 200) open.push(...(await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => openStream(gw, body)))));
      await sleep(1000);
      const withOpen = rssKb(gw.pid);
      for (const req of open) req.destroy();
      point('f idle streams', 'stream', n, { rss_before_mb: r1(before / 1024), rss_open_mb: r1(withOpen / 1024), kb_per_stream: r1((withOpen - before) / n) });
    } finally {
      await stop(gw.child);
    }
  }
}

// ---- the table -----------------------------------------------------------------------------------
/** Slope from the previous point of the same curve: what one more unit of input costs. */
function slope(row, prev) {
  const fmt = (x) => (Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 0.1 ? x.toFixed(3) : x.toPrecision(2));
  if (row.kb_per_stream !== undefined) {
    // Per point, the growth over N streams; between points, the growth per added stream, which
    // leaves out what a gateway's first streams cost once (pools, JIT, young generation).
    const grown = (r) => (r.rss_open_mb - r.rss_before_mb) * 1024;
    const marginal = prev ? `, ${fmt((grown(row) - grown(prev)) / (row.input - prev.input))} KB per added stream` : '';
    return `${row.kb_per_stream} KB RSS per stream${marginal}`;
  }
  if (!prev) return '';
  const dx = row.input - prev.input;
  return `${fmt((row.cpu_us_per_call - prev.cpu_us_per_call) / dx)} µs CPU, ${fmt(((row.p50_ms - prev.p50_ms) * 1000) / dx)} µs p50 per ${row.unit}`;
}

function table() {
  const out = ['| curve | input | calls | p50 ms | CPU µs/call | slope from the previous point |', '|---|---|---|---|---|---|'];
  rows.forEach((row, i) => {
    const prev = rows.slice(0, i).findLast((r) => r.curve === row.curve);
    const input = row.kb_per_stream !== undefined ? `${row.input} (RSS ${row.rss_before_mb} → ${row.rss_open_mb} MB)` : row.input;
    out.push(`| ${row.curve} | ${input} | ${row.calls ?? '–'} | ${row.p50_ms ?? '–'} | ${row.cpu_us_per_call ?? '–'} | ${slope(row, prev)} |`);
  });
  return out.join('\n');
}

const CURVES = { a: curveA, b: curveB, c: curveC, d: curveD, e: curveE, f: curveF };

let code = 0;
try {
  const mock = await startMock(ONLY.has('f') ? ORIGINS : 0);
  for (const [id, run] of Object.entries(CURVES)) {
    if (!ONLY.has(id)) continue;
    const t0 = Date.now();
    await run(mock);
    log(`curve ${id} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
} catch (err) {
  log(`failed: ${err?.stack ?? err}`);
  code = 1;
} finally {
  await Promise.all([...children].map(stop));
}
process.stdout.write(`\n${table()}\n`);
process.exit(code);
