// `/v1/messages` against `/v1/chat/completions`: what Sluice adds to an Anthropic-format call
// relayed natively (to an Anthropic mock) and to a chat call (to the OpenAI mock), each measured
// against a bare fastify + undici pass-through of the same upstream. The bar: messages adds
// no more than chat does. One Sluice process (default plugins) serves both; c=1 blocks interleave
// the four targets; c=50 runs each pair back to back per round and reports the median paired ratio.
// One JSON line per scenario on stdout, a summary last; exits 1 only when a measurement is invalid.
// Knobs: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_C1_REQUESTS,
// BENCH_C1_WARMUP, BENCH_C1_BLOCKS, BENCH_PHASES (c50,c1), BENCH_MODES (nonstream,stream),
// BENCH_CPU_PROF (a directory: --cpu-prof for the Sluice process).
import { spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { NODE_FLAGS } from '../../bin/node-flags.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const env = process.env;
const num = (name, dflt) => (env[name] === undefined || env[name] === '' ? dflt : Number(env[name]));
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const ROUNDS = num('BENCH_ROUNDS', 3);
const C1_REQUESTS = num('BENCH_C1_REQUESTS', 2000);
const C1_WARMUP = num('BENCH_C1_WARMUP', 200);
const C1_BLOCKS = num('BENCH_C1_BLOCKS', 10);
const PHASES = new Set((env.BENCH_PHASES ?? 'c50,c1').split(','));
const MODES = (env.BENCH_MODES ?? 'nonstream,stream').split(',');
const CPU_PROF_DIR = env.BENCH_CPU_PROF || undefined;
// BENCH_FAMILIES=messages (or chat): only that family's pair, e.g. for a CPU profile of one path.
const FAMILIES = (env.BENCH_FAMILIES ?? 'chat,messages').split(',');
const MASTER_KEY = 'sk-bench-1234';

const log = (msg) => process.stderr.write(`[bench:messages] ${msg}\n`);
const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const r3 = (x) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The same conversation in both formats.
const SYSTEM = 'You are a helpful assistant. Answer briefly.';
const USER = 'Say hello and tell me in one sentence what an LLM gateway does.';
const BODIES = {
  chat: {
    nonstream: JSON.stringify({ model: 'bench-model', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }], temperature: 0.2, max_tokens: 64 }),
    stream: JSON.stringify({ model: 'bench-model', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }], temperature: 0.2, max_tokens: 64, stream: true }),
  },
  messages: {
    nonstream: JSON.stringify({ model: 'bench-claude', system: SYSTEM, messages: [{ role: 'user', content: USER }], temperature: 0.2, max_tokens: 64 }),
    stream: JSON.stringify({ model: 'bench-claude', system: SYSTEM, messages: [{ role: 'user', content: USER }], temperature: 0.2, max_tokens: 64, stream: true }),
  },
};

const children = new Set();
let tmp;
function startChild(name, args, extraEnv = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.name = name;
  child.exited = new Promise((resolve) => child.once('exit', () => { children.delete(child); resolve(); }));
  let buf = '';
  child.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (buf === null) return;
      buf += d.toString();
      const m = /READY (\d+)/.exec(buf);
      if (m) { buf = null; resolve(Number(m[1])); }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited early (code ${code})`)));
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
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
async function waitReady(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`${child.name}: not ready`);
}

async function check(t) {
  for (const mode of MODES) {
    const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: BODIES[t.family][mode] });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${t.name} ${mode}: status ${res.status}: ${text.slice(0, 300)}`);
    const ok = t.family === 'chat'
      ? (mode === 'nonstream' ? typeof JSON.parse(text).choices?.[0]?.message?.content === 'string' : text.trimEnd().endsWith('data: [DONE]'))
      : (mode === 'nonstream' ? JSON.parse(text).type === 'message' : text.includes('event: message_stop'));
    if (!ok) throw new Error(`${t.name} ${mode}: unexpected answer ${text.slice(0, 300)}`);
  }
  log(`${t.name}: answers correctly`);
}

let invalid = false;
const pids = {};
/** CPU seconds (user + system) a process has used so far (Linux /proc); null elsewhere. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
function cannon(t, mode, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url: t.url, method: 'POST', headers: t.headers, body: BODIES[t.family][mode], connections: CONNECTIONS, duration: seconds, pipelining: 1 }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

async function runC50(targets) {
  const out = {};
  for (const mode of MODES) {
    const per = Object.fromEntries(targets.map((t) => [t.name, []]));
    const cpu = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        if (WARMUP > 0) await cannon(t, mode, WARMUP);
        const pid = pids[t.name];
        const cpu0 = cpuSeconds(pid);
        const r = await cannon(t, mode, DURATION);
        const cpu1 = cpuSeconds(pid);
        // CPU per request of the process under test: what contention on a shared machine distorts least.
        if (cpu0 != null && cpu1 != null) cpu[t.name].push(((cpu1 - cpu0) * 1e6) / r.latency.totalCount);
        const bad = r.errors + r.timeouts + r.non2xx + r.resets;
        if (bad) { invalid = true; emit({ warning: true, target: t.name, mode, errors: r.errors, non2xx: r.non2xx }); }
        const rps = r.latency.totalCount / r.duration;
        per[t.name].push(rps);
        log(`c${CONNECTIONS} ${mode} ${t.name} round ${round}: ${rps.toFixed(0)} req/s, p50 ${r.latency.p50} ms`);
      }
    }
    out[mode] = {};
    for (const family of FAMILIES) {
      const s = per[`${family}-sluice`];
      const b = per[`${family}-bare`];
      const ratios = s.map((x, i) => x / b[i]);
      const line = { scenario: `c${CONNECTIONS}-${mode}`, family, sluice_rps: r3(median(s)), bare_rps: r3(median(b)), ratio_vs_bare: r3(median(ratios)), ratio_vs_bare_per_round: ratios.map(r3) };
      const cs = median(cpu[`${family}-sluice`]);
      const cb = median(cpu[`${family}-bare`]);
      if (cs != null && cb != null) Object.assign(line, { sluice_cpu_us_per_req: r3(cs), bare_cpu_us_per_req: r3(cb), added_cpu_us_per_req: r3(cs - cb) });
      out[mode][family] = line.ratio_vs_bare;
      out[mode][`${family}_cpu`] = line.added_cpu_us_per_req ?? null;
      emit(line);
    }
  }
  return out;
}

async function oneRequest(pool, t, mode, sample) {
  const t0 = process.hrtime.bigint();
  const { statusCode, body } = await pool.request({ path: t.path, method: 'POST', headers: t.headers, body: BODIES[t.family][mode] });
  let ttfb;
  for await (const chunk of body) {
    if (ttfb === undefined) ttfb = process.hrtime.bigint();
    void chunk;
  }
  const t1 = process.hrtime.bigint();
  if (statusCode !== 200) throw new Error(`${t.name} ${mode}: status ${statusCode}`);
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
      const samples = Object.fromEntries(targets.map((t) => [t.name, { total: [], ttfb: [] }]));
      for (const t of targets) for (let i = 0; i < C1_WARMUP; i++) await oneRequest(pools.get(t.name), t, mode, null);
      const perBlock = Math.ceil(C1_REQUESTS / C1_BLOCKS);
      for (let b = 0; b < C1_BLOCKS; b++) {
        for (const t of targets) for (let i = 0; i < perBlock; i++) await oneRequest(pools.get(t.name), t, mode, samples[t.name]);
      }
      const p50 = (xs) => median(xs);
      out[mode] = {};
      for (const family of FAMILIES) {
        const s = samples[`${family}-sluice`];
        const b = samples[`${family}-bare`];
        const line = { scenario: `c1-${mode}`, family, sluice_p50_ms: r3(p50(s.total)), bare_p50_ms: r3(p50(b.total)), added_p50_ms: r3(p50(s.total) - p50(b.total)) };
        if (mode === 'stream') line.added_ttfb_p50_ms = r3(p50(s.ttfb) - p50(b.ttfb));
        out[mode][family] = line.added_p50_ms;
        log(`c1 ${mode} ${family}: sluice ${line.sluice_p50_ms} ms, bare ${line.bare_p50_ms} ms, added ${line.added_p50_ms} ms`);
        emit(line);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  return out;
}

async function main() {
  tmp = mkdtempSync(join(tmpdir(), 'sluice-bench-messages-'));
  const openai = startChild('mock-openai', [join(here, 'mock-upstream.mjs'), '0']);
  const anthropic = startChild('mock-anthropic', [join(here, 'mock-anthropic-upstream.mjs'), '0']);
  const [openaiPort, anthropicPort] = await Promise.all([openai.ready, anthropic.ready]);
  const bareChat = startChild('bare-chat', [...NODE_FLAGS, join(here, 'bare-passthrough.mjs'), `http://127.0.0.1:${openaiPort}`, '0']);
  const bareMessages = startChild('bare-messages', [...NODE_FLAGS, join(here, 'bare-anthropic-passthrough.mjs'), `http://127.0.0.1:${anthropicPort}`, '0']);
  const port = await freePort();
  const config = join(tmp, 'sluice.yaml');
  writeFileSync(config, [
    'model_list:',
    '  - model_name: bench-model',
    '    litellm_params:',
    '      model: openai/bench-model',
    `      api_base: http://127.0.0.1:${openaiPort}/v1`,
    '      api_key: sk-upstream',
    '  - model_name: bench-claude',
    '    litellm_params:',
    '      model: anthropic/claude-bench',
    `      api_base: http://127.0.0.1:${anthropicPort}`,
    '      api_key: sk-ant-upstream',
    'storage:',
    `  data_dir: ${join(tmp, 'data')}`,
    'logging:',
    '  level: warn',
    '',
  ].join('\n'));
  const prof = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`, '--cpu-prof-name=sluice-messages.cpuprofile'] : [];
  const sluice = startChild('sluice', [...NODE_FLAGS, ...prof, join(root, 'bin', 'sluice.js'), 'start', '--config', config, '--port', String(port), '--host', '127.0.0.1'], {
    SLUICE_MASTER_KEY: MASTER_KEY,
    DATABASE_URL: `sqlite:${join(tmp, 'sluice.db')}`,
    LOG_LEVEL: 'warn',
  });
  await Promise.all([bareChat.ready, bareMessages.ready, waitReady(`http://127.0.0.1:${port}/health/readiness`, sluice)]);
  Object.assign(pids, { 'chat-bare': bareChat.pid, 'messages-bare': bareMessages.pid, 'chat-sluice': sluice.pid, 'messages-sluice': sluice.pid });
  const mk = (name, family, p, headers) => {
    const path = family === 'chat' ? '/v1/chat/completions' : '/v1/messages';
    return { name, family, origin: `http://127.0.0.1:${p}`, path, url: `http://127.0.0.1:${p}${path}`, headers: { 'content-type': 'application/json', ...headers } };
  };
  const targets = [
    mk('chat-bare', 'chat', await bareChat.ready, {}),
    mk('chat-sluice', 'chat', port, { authorization: `Bearer ${MASTER_KEY}` }),
    mk('messages-bare', 'messages', await bareMessages.ready, {}),
    mk('messages-sluice', 'messages', port, { 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01' }),
  ];
  const chosen = targets.filter((t) => FAMILIES.includes(t.family));
  targets.length = 0;
  targets.push(...chosen);
  for (const t of targets) await check(t);
  const c50 = PHASES.has('c50') ? await runC50(targets) : undefined;
  const c1 = PHASES.has('c1') ? await runC1(targets) : undefined;
  const summary = { summary: true, valid: !invalid };
  for (const mode of MODES) {
    if (c1) {
      summary[`added_p50_ms_chat_${mode}`] = c1[mode].chat;
      summary[`added_p50_ms_messages_${mode}`] = c1[mode].messages;
      summary[`messages_minus_chat_added_p50_ms_${mode}`] = r3(c1[mode].messages - c1[mode].chat);
    }
    if (c50) {
      summary[`rps_ratio_vs_bare_chat_${mode}`] = c50[mode].chat;
      summary[`rps_ratio_vs_bare_messages_${mode}`] = c50[mode].messages;
      summary[`added_cpu_us_per_req_chat_${mode}`] = c50[mode].chat_cpu;
      summary[`added_cpu_us_per_req_messages_${mode}`] = c50[mode].messages_cpu;
    }
  }
  emit(summary);
}

let code = 0;
try {
  await main();
  if (invalid) code = 1;
} catch (err) {
  log(`failed: ${err?.stack ?? err}`);
  code = 1;
} finally {
  await stopChildren();
}
process.exit(code);
