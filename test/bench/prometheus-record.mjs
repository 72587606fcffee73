#!/usr/bin/env node
// What the `prometheus` callback costs per call, in-process: `SpendMetrics.record()` of the
// metrics-prometheus plugin (the whole of its onSpend) on realistic spend events, bundled from the
// TypeScript source with esbuild (no build needed). Two calls alternate per scenario:
//   master     the master key, no scopes (what /tmp-style load tests send)
//   team-key   a team's key with budgets on key and team, custom metadata label, end_user on
// Prints µs per record() for each; add `--cpu-prof` to node for attribution.
//   node test/bench/prometheus-record.mjs
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const N = Number(process.env.BENCH_PROM_CALLS ?? 200_000);
const root = new URL('../../', import.meta.url).pathname;
const entry = `export { BoundedMetrics } from './plugins/metrics-prometheus/src/bounded-metrics.ts';
export { SpendMetrics } from './plugins/metrics-prometheus/src/spend-metrics.ts';`;
const out = await build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'error' });
const file = join(mkdtempSync(join(tmpdir(), 'prom-bench-')), 'bundle.mjs');
writeFileSync(file, `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(root)});\n${out.outputFiles[0].text}`);
const { BoundedMetrics, SpendMetrics } = await import(pathToFileURL(file).href);

const deployment = Object.freeze({ id: 'dep-1', modelName: 'bench-model', provider: 'openai', model: 'bench-model', apiBase: 'http://127.0.0.1:39111/v1' });
const master = Object.freeze({ id: 'master', authenticatedBy: 'auth-master-key', role: 'proxy_admin' });
const teamKey = Object.freeze({
  id: 'k1', authenticatedBy: 'auth-virtual-key', role: 'internal_user', keyHash: 'a'.repeat(64), keyAlias: 'research-key', userId: 'u-1', teamId: 't-1',
  metadata: Object.freeze({ team_alias: 'research', user_email: 'a@b.c', spend: 1.5, metadata: { project: 'apollo' } }),
});
const scopes = Object.freeze([
  Object.freeze({ kind: 'key', id: 'a'.repeat(64), maxBudget: 5, budgetDuration: '30d', budgetAnchor: 0, alias: 'research-key' }),
  Object.freeze({ kind: 'team', id: 't-1', maxBudget: 10, alias: 'research' }),
]);
const event = (principal, withScopes) => Object.freeze({
  requestId: 'r', endpoint: 'chat/completions', principal, model: 'bench-model', deployment, status: 'success', httpStatus: 200, stream: false,
  usage: Object.freeze({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }), cost: 0.0001, tags: [], user: withScopes ? 'customer-7' : undefined,
  scopes: withScopes ? scopes : [], state: {}, startedAt: 1_000, endedAt: 1_012, overheadMs: 2, metadata: withScopes ? { project: 'apollo' } : {}, ip: '127.0.0.1',
});

function run(name, events, opts) {
  const metrics = new BoundedMetrics({ maxSeries: 10_000, ttlMs: opts.ttl, customLabels: opts.custom.map((c) => c.label), latencyBuckets: undefined, now: () => Date.now() });
  const spend = new SpendMetrics(metrics, { endUser: opts.endUser, customLabels: opts.custom, now: () => Date.now() });
  for (let i = 0; i < 20_000; i++) spend.record(events[i % events.length]);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) spend.record(events[i % events.length]);
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / N;
  console.log(JSON.stringify({ scenario: name, us_per_record: Number(us.toFixed(2)), calls: N }));
  return metrics;
}

run('master', [event(master, false), { ...event(master, false), endedAt: 1_030 }], { endUser: false, custom: [], ttl: undefined });
run('team-key', [event(teamKey, true), { ...event(teamKey, true), endedAt: 1_500 }], { endUser: true, custom: [{ field: 'metadata.project', label: 'metadata_project' }], ttl: 3_600_000 });
