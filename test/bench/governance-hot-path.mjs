#!/usr/bin/env node
// What governance adds to every call, in-process: a warm virtual-key lookup (preAuth) and the
// preCall chain with rate limits on three scopes (key, user, team) on in-memory counters, then
// the budget step once its plugin is there. Built from dist/ like the running gateway: a real
// gateway (default plugins) whose hook points are called directly, no HTTP. The key is issued
// through the gateway's own /key/generate; the scopes are set on the call as the tenancy plugin
// would set them, so each step can be switched on alone.
//
// Scenarios, each timed per call (preAuth + preCall) with process.hrtime.bigint():
//   auth                     scopes without limits: the rate limiter's nothing-to-do path
//   auth+rate-limit          rpm, tpm and max_parallel_requests on key, user and team
//   auth+rate-limit+budget   the same plus a max_budget on each scope (BUDGET_STEP below)
// The settlement each call triggers off the request path (onSpend: tokens added, slots
// released) is timed separately as settle_*.
//
// Prints one JSON line per scenario and a summary (target: auth + rate limit + budget ≤ 100 µs
// p50). Run by `npm run bench`; alone (after `npm run build`):
//   node --no-node-snapshot test/bench/governance-hot-path.mjs
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGateway } from '../../dist/kernel/gateway.js';

const N = Number(process.env.BENCH_GOV_CALLS ?? 20000);
const WARMUP = Number(process.env.BENCH_GOV_WARMUP ?? 2000);
/** Interleaved blocks, so drift (GC, other load) hits every scenario alike. */
const BLOCKS = Number(process.env.BENCH_GOV_BLOCKS ?? 10);
const TARGET_P50_US = 100;
const MASTER_KEY = 'sk-bench-1234';
/** Limits every call is checked against and none reaches, so each call does the full work. */
const NEVER_REACHED = 1e12;

/**
 * The budget step: the plugin that enforces max_budget and what a scope carries for it. The
 * scenario runs whether or not the plugin is loaded; the summary says which it was.
 */
const BUDGET_STEP = { plugin: 'budget', scopeLimits: { maxBudget: 1e9, budgetDuration: '30d' } };

/** Plugins that would measure something else: spend-log writes are benchmarked on their own. */
const DISABLED = (process.env.BENCH_GOV_DISABLE ?? 'spend-logs').split(',').filter(Boolean);

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const root = mkdtempSync(join(tmpdir(), 'sluice-bench-governance-'));
const env = { ...process.env, DATABASE_URL: `sqlite:${join(root, 'bench.db')}`, REDIS_URL: '', SLUICE_MASTER_KEY: '', LITELLM_MASTER_KEY: '' };
const gw = await createGateway({
  config: {
    model_list: [{ model_name: 'bench-model', litellm_params: { model: 'fake/bench-model' } }],
    general_settings: { master_key: MASTER_KEY },
    storage: { data_dir: root },
    plugins: DISABLED.map((use) => ({ use, enabled: false })),
  },
  env,
  logDestination: quiet,
  logLevel: 'warn',
});
const loaded = new Set(gw.plugins.map((p) => p.id));

const issued = await gw.app.inject({ method: 'POST', url: '/key/generate', headers: { authorization: `Bearer ${MASTER_KEY}` }, payload: { key_alias: 'bench' } });
if (issued.statusCode !== 200) throw new Error(`/key/generate answered ${issued.statusCode}: ${issued.body}`);
const key = issued.json().key;

const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
const authInput = (i) => ({ headers, token: key, method: 'POST', path: '/v1/chat/completions', ip: '127.0.0.1', requestId: `r${i}` });
const messages = [{ role: 'user', content: 'Say hello.' }];

const probe = await gw.hooks.preAuth.promise(authInput(0));
if (!probe) throw new Error('the issued key did not authenticate');

const scopesWith = (limits) =>
  Object.freeze(
    [
      { kind: 'key', id: probe.keyHash ?? probe.id },
      { kind: 'user', id: 'bench-user' },
      { kind: 'team', id: 'bench-team' },
    ].map((s) => Object.freeze({ ...s, ...limits })),
  );
const RATE_LIMITS = { rpmLimit: NEVER_REACHED, tpmLimit: NEVER_REACHED, maxParallelRequests: NEVER_REACHED };
const SCENARIOS = [
  { name: 'auth', scopes: scopesWith({}) },
  { name: 'auth+rate-limit', scopes: scopesWith(RATE_LIMITS) },
  { name: 'auth+rate-limit+budget', scopes: scopesWith({ ...RATE_LIMITS, ...BUDGET_STEP.scopeLimits }) },
];

const usage = Object.freeze({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });

/** One call's hot path; returns its duration (µs) and settles it off the clock, as the gateway does. */
async function oneCall(i, scopes, settleTimes, at) {
  const input = authInput(i);
  const t0 = process.hrtime.bigint();
  const principal = await gw.hooks.preAuth.promise(input);
  const ctx = { requestId: input.requestId, endpoint: 'chat', principal, headers, ip: input.ip, receivedAt: Date.now(), body: { model: 'bench-model', messages }, state: {}, tags: [], scopes };
  const call = await gw.hooks.preCall.promise(ctx);
  const t1 = process.hrtime.bigint();
  const now = Date.now();
  const event = {
    requestId: input.requestId, endpoint: 'chat', principal, model: 'bench-model', deployment: undefined, status: 'success', httpStatus: 200,
    stream: false, usage, cost: 0.0001, tags: call.tags, user: undefined, scopes: call.scopes, state: call.state, startedAt: now, endedAt: now,
    overheadMs: 0, metadata: {},
  };
  const t2 = process.hrtime.bigint();
  await gw.hooks.onSpend.promise(event);
  if (settleTimes) settleTimes[at] = Number(process.hrtime.bigint() - t2) / 1000;
  return Number(t1 - t0) / 1000;
}

const quantile = (sorted, p) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 10) / 10;
const mean = (xs) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10;

for (const s of SCENARIOS) for (let i = 0; i < WARMUP; i++) await oneCall(i, s.scopes);

const per = Math.ceil(N / BLOCKS);
const results = SCENARIOS.map((s) => ({ ...s, times: new Float64Array(per * BLOCKS), settle: new Float64Array(per * BLOCKS), n: 0 }));
let seq = 0;
for (let b = 0; b < BLOCKS; b++) {
  for (const r of results) {
    for (let i = 0; i < per; i++, r.n++) r.times[r.n] = await oneCall(++seq, r.scopes, r.settle, r.n);
  }
}

const rows = results.map((r) => {
  const times = Array.from(r.times).sort((a, b) => a - b);
  const settle = Array.from(r.settle).sort((a, b) => a - b);
  const row = {
    scenario: 'governance-hot-path', step: r.name, calls: times.length, p50_us: quantile(times, 0.5), p99_us: quantile(times, 0.99), mean_us: mean(times),
    settle_p50_us: quantile(settle, 0.5), settle_p99_us: quantile(settle, 0.99),
  };
  console.log(JSON.stringify(row));
  return row;
});
await gw.close();

const [auth, rateLimit, budget] = rows;
const round = (x) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    summary: true,
    scenario: 'governance-hot-path',
    scopes: 3,
    auth_plugin: probe.authenticatedBy,
    auth_p50_us: auth.p50_us,
    rate_limit_added_p50_us: round(rateLimit.p50_us - auth.p50_us),
    budget_added_p50_us: round(budget.p50_us - rateLimit.p50_us),
    budget_plugin_loaded: loaded.has(BUDGET_STEP.plugin),
    total_p50_us: budget.p50_us,
    total_p99_us: budget.p99_us,
    target_p50_us: TARGET_P50_US,
    target_met: budget.p50_us <= TARGET_P50_US,
  }),
);
