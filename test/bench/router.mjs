#!/usr/bin/env node
// Router decision time: router-litellm's router.route() for one model group of 50 deployments,
// per strategy, with an attempt() that resolves at once, so what is timed is the choice itself
// (health filter, strategy, bookkeeping) plus one await. Built from dist/ like the running gateway:
// the plugin's default export's setup() with a minimal PluginContext (in-memory counters, no-op
// log). Prints one JSON line per strategy and a summary line. Run by `npm run bench` after
// run.mjs; alone (after `npm run build`): node --no-node-snapshot test/bench/router.mjs
import routerPlugin from '../../dist/plugins/router-litellm/src/index.js';
import { MemoryCounters } from '@sluice/plugin-sdk/node';

const N = Number(process.env.BENCH_ROUTER_CALLS ?? 20000);
const WARMUP = Number(process.env.BENCH_ROUTER_WARMUP ?? 2000);
const DEPLOYMENTS = 50;
const TARGET_P50_US = 20;
const STRATEGIES = ['simple-shuffle', 'least-busy', 'latency-based-routing', 'usage-based-routing'];

const noop = () => {};
const log = { debug: noop, info: noop, warn: noop, error: noop, child: () => log };

// As the model registry hands them out: frozen, built once, no credentials.
const group = Object.freeze(
  Array.from({ length: DEPLOYMENTS }, (_, i) =>
    Object.freeze({ id: `bench-${i}`, modelName: 'bench-model', provider: 'openai', model: 'bench-model', rpm: undefined, tpm: undefined, weight: undefined, params: Object.freeze({ model: 'openai/bench-model' }) }),
  ),
);
const response = { kind: 'json', status: 200, body: { id: 'x', object: 'chat.completion', choices: [] } };
const body = Object.freeze({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }] });

function request(i) {
  return {
    requestId: `r${i}`,
    endpoint: 'chat',
    model: 'bench-model',
    body,
    stream: false,
    group: (name) => (name === 'bench-model' ? group : undefined),
    attempt: () => Promise.resolve(response),
    modelNotFound: (name) => new Error(`no model ${name}`),
    noDeploymentsAvailable: (name) => new Error(`no deployments for ${name}`),
  };
}

async function measure(strategy) {
  const counters = new MemoryCounters();
  const ctx = { pluginId: 'router-litellm', version: '1.0.0', log, counters, now: () => Date.now() };
  const instance = await routerPlugin.setup(ctx, { routing_strategy: strategy });
  const router = instance.router;
  for (let i = 0; i < WARMUP; i++) await router.route(request(i));
  const times = new Float64Array(N);
  const served = new Set();
  for (let i = 0; i < N; i++) {
    const req = request(i);
    const t = process.hrtime.bigint();
    const outcome = await router.route(req);
    times[i] = Number(process.hrtime.bigint() - t) / 1000;
    served.add(outcome.deployment.id);
  }
  await instance.close?.();
  await counters.close();
  times.sort();
  const q = (p) => Math.round(times[Math.min(N - 1, Math.floor(p * N))] * 100) / 100;
  const mean = Math.round((times.reduce((a, b) => a + b, 0) / N) * 100) / 100;
  const row = { scenario: 'router-decision', strategy, deployments: DEPLOYMENTS, calls: N, p50_us: q(0.5), p99_us: q(0.99), mean_us: mean, deployments_used: served.size };
  console.log(JSON.stringify(row));
  return row;
}

const rows = [];
for (const strategy of STRATEGIES) rows.push(await measure(strategy));
const met = Object.fromEntries(rows.map((r) => [r.strategy, r.p50_us <= TARGET_P50_US]));
console.log(
  JSON.stringify({
    summary: true,
    scenario: 'router-decision',
    deployments: DEPLOYMENTS,
    target_p50_us: TARGET_P50_US,
    worst_p50_us: Math.max(...rows.map((r) => r.p50_us)),
    targets_met: { ...met, all: Object.values(met).every(Boolean) },
  }),
);
