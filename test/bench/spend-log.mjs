#!/usr/bin/env node
// Spend-log write throughput on Postgres (and on the embedded SQLite default) through the spend-logs plugin's own write path: the SDK's
// BatchWriter (the plugin's default batch per dialect: 5,000 rows on Postgres, 500 on SQLite; 1 s interval) feeding spendBatchWriter,
// i.e. one transaction per batch with the log rows (COPY FROM STDIN on Postgres, prepared inserts on SQLite) and both daily rollup
// upserts. Rows come from spendLogRow() over synthetic spend events (60 keys/users, 6 teams, 3 orgs, 4 models, 0-2 tags, some customers).
//
// Two modes:
// - burst (default): BENCH_SPEND_ROWS rows pushed at once; the clock runs from the first push to close() returning (every row committed).
// - sustained (BENCH_SPEND_SECONDS=60): rows are built and pushed for that long, either as fast as the writer takes them
//   (BENCH_SPEND_RATE=max, the default: the pusher waits while two batches are queued) or at a fixed offered rate
//   (BENCH_SPEND_RATE=20000 rows/s, pushed every 10 ms). Reports rows/s over the whole run (first push to close() returning),
//   the slowest 10 s window of commits, and rows spilled to disk (rows the writer could not keep up with; replayed, not lost).
// Either way the run then counts the log and the rollups: both must hold exactly the rows pushed ("no loss, rows counted"),
// and the run fails otherwise.
//
// Built from dist/ like the running gateway; alone (after `npm run build`): node test/bench/spend-log.mjs
// BENCH_SPEND_BACKENDS=postgres,sqlite picks backends. Uses BENCH_DATABASE_URL, else the test database; works in a throwaway
// schema (SQLite: a temp file). Prints one JSON line per backend, with the machine's load average before and after.
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import pg from 'pg';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import { MIGRATIONS } from '../../dist/plugins/spend-logs/src/migrations.js';
import { spendLogRow } from '../../dist/plugins/spend-logs/src/spend-row.js';
import { DEFAULT_MAX_BATCH, DEFAULT_MAX_QUEUED, spendBatchWriter } from '../../dist/plugins/spend-logs/src/spend-writer.js';
import { batchWriteRunner } from '../../dist/kernel/storage/batch-write.js';

const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_SPEND_ROWS ?? 50_000);
const SECONDS = Number(process.env.BENCH_SPEND_SECONDS ?? 0);
const RATE = process.env.BENCH_SPEND_RATE && process.env.BENCH_SPEND_RATE !== 'max' ? Number(process.env.BENCH_SPEND_RATE) : 'max';
const BACKENDS = (process.env.BENCH_SPEND_BACKENDS ?? 'postgres,sqlite').split(',');
const TARGET_ROWS_PER_S = 20_000;
const WINDOW_S = 10;

const schema = `sluice_bench_${process.pid}_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: URL_ });
await admin.connect();
await admin.query(`create schema "${schema}"`);
const scoped = new URL(URL_);
scoped.searchParams.set('options', `-c search_path=${schema}`);
const pgKnex = knexFactory({ client: 'pg', connection: scoped.toString(), pool: { min: 1, max: 4 } });
const sqliteFile = join(mkdtempSync(join(tmpdir(), 'sluice-bench-')), 'bench.db');
const sqliteKnex = knexFactory({ client: 'better-sqlite3', connection: { filename: sqliteFile }, useNullAsDefault: true, pool: { min: 1, max: 1, afterCreate: (c, done) => (c.pragma('journal_mode = WAL'), done(null, c)) } });

const silent = { debug() {}, info() {}, warn: (o, m) => process.stderr.write(`${m ?? ''} ${JSON.stringify(o)}\n`), error: (o, m) => process.stderr.write(`${m ?? ''} ${JSON.stringify(o)}\n`) };
silent.child = () => silent;

function event(i, now) {
  const k = i % 60;
  return {
    requestId: `bench-${i}-${now}`,
    endpoint: 'chat',
    principal: { id: `k${k}`, authenticatedBy: 'bench', role: 'internal_user', keyHash: `hash-${k}`, keyAlias: `alias-${k}`, userId: `user-${k}`, teamId: `team-${k % 6}`, organizationId: `org-${k % 3}`, projectId: `proj-${k % 4}` },
    model: `model-${i % 4}`,
    deployment: { id: `dep-${i % 4}`, modelName: `model-${i % 4}`, provider: 'openai', model: `gpt-${i % 4}`, apiBase: 'https://api.example.com/v1' },
    status: i % 50 === 0 ? 'failure' : 'success',
    httpStatus: i % 50 === 0 ? 502 : 200,
    stream: i % 3 === 0,
    usage: { prompt_tokens: 100 + (i % 37), completion_tokens: 20 + (i % 11), total_tokens: 120 + (i % 37) + (i % 11) },
    cost: 0.0001 + (i % 13) * 1e-6,
    tags: i % 3 === 0 ? [] : i % 3 === 1 ? [`app-${i % 5}`] : [`app-${i % 5}`, 'batch'],
    user: i % 4 === 0 ? `customer-${i % 20}` : undefined,
    scopes: [],
    state: {},
    startedAt: now - 200,
    endedAt: now,
    overheadMs: 0.2,
    metadata: { generation_name: 'bench' },
  };
}

/** Tag rollup requests for rows 0..n-1: one tag on each i % 3 === 1, two on each i % 3 === 2. */
const tagRequestsOf = (n) => Math.floor((n + 1) / 3) + 2 * Math.floor(n / 3);

/** CPU time stolen by the hypervisor, in jiffies (the 8th field of /proc/stat's cpu line), to report a noisy host. */
function stealJiffies() {
  try {
    return Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8]);
  } catch {
    return NaN;
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Pushes rows for SECONDS: at RATE rows/s, or whenever fewer than two batches wait. Returns rows pushed and the commit rate per window. */
async function sustain(writer, maxBatch, now) {
  const start = performance.now();
  const endAt = start + SECONDS * 1000;
  const windows = [];
  let windowStart = start;
  let windowWritten = 0;
  let pushed = 0;
  for (;;) {
    const t = performance.now();
    if (t - windowStart >= WINDOW_S * 1000) {
      windows.push(Math.round((writer.stats.written - windowWritten) / ((t - windowStart) / 1000)));
      windowStart = t;
      windowWritten = writer.stats.written;
    }
    if (t >= endAt) break;
    if (RATE === 'max') {
      if (writer.stats.queued >= 2 * maxBatch) {
        await sleep(1);
        continue;
      }
      for (let j = 0; j < 500; j++) writer.push(spendLogRow(event(pushed++, now)));
      await tick();
    } else {
      const due = Math.floor(((t - start) / 1000) * RATE);
      while (pushed < due) writer.push(spendLogRow(event(pushed++, now)));
      await sleep(10);
    }
  }
  return { pushed, windows };
}

async function measure(knex, backend, opts = {}) {
  for (const m of MIGRATIONS) await m.up(knex);
  const now = Date.now();
  const maxBatch = Number(process.env.BENCH_SPEND_BATCH ?? DEFAULT_MAX_BATCH[backend]);
  const writes = batchWriteRunner(knex, backend, opts);
  const burst = SECONDS > 0 ? undefined : Array.from({ length: ROWS }, (_, i) => spendLogRow(event(i, now)));
  const writer = new BatchWriter({
    name: 'spend-logs-bench',
    write: spendBatchWriter(writes.run),
    dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')),
    log: silent,
    maxBatch,
    // Burst: the whole run fits in memory. Sustained: the plugin's default bound, so spilling shows a writer that falls behind.
    maxQueued: burst ? ROWS : Math.max(DEFAULT_MAX_QUEUED[backend], 4 * maxBatch),
  });
  const load = loadavg()[0];
  const steal0 = stealJiffies();
  const t0 = performance.now();
  let rows = ROWS;
  let windows;
  if (burst) for (const r of burst) writer.push(r);
  else ({ pushed: rows, windows } = await sustain(writer, maxBatch, now));
  // Rows still queued when pushing stopped, and how long close() took to commit them: a writer that kept up has next to none.
  const backlog = writer.stats.queued;
  const t1 = performance.now();
  await writer.close();
  const drainSeconds = (performance.now() - t1) / 1000;
  const seconds = (performance.now() - t0) / 1000;
  await writes.close();
  const [{ n }] = await knex('sluice_spend_logs').count({ n: '*' });
  const [{ r }] = await knex('sluice_spend_daily').sum({ r: 'api_requests' });
  const [{ t }] = await knex('sluice_spend_daily_tags').sum({ t: 'api_requests' });
  const tagged = tagRequestsOf(rows);
  const { spilled, replayed, dropped } = writer.stats;
  if (Number(n) !== rows || Number(r) !== rows || Number(t) !== tagged || dropped !== 0) {
    throw new Error(`${backend}: pushed ${rows} rows, the log has ${n}, the daily rollups count ${r}, the tag rollups ${t} (expected ${tagged}), dropped ${dropped}`);
  }
  const rowsPerS = Math.round(rows / seconds);
  return {
    bench: 'spend-log-write',
    backend,
    mode: burst ? 'burst' : `sustained, offered ${RATE === 'max' ? 'as fast as taken' : `${RATE} rows/s`}`,
    rows,
    batch: maxBatch,
    seconds: Math.round(seconds * 1000) / 1000,
    rows_per_s: rowsPerS,
    ...(windows && { slowest_10s_rows_per_s: Math.min(...windows), windows_rows_per_s: windows, backlog_at_end: backlog, drain_seconds: Math.round(drainSeconds * 1000) / 1000 }),
    counted: { log: Number(n), daily_api_requests: Number(r), tag_api_requests: Number(t) },
    spilled,
    replayed,
    target_rows_per_s: TARGET_ROWS_PER_S,
    meets_target: rowsPerS >= TARGET_ROWS_PER_S,
    loadavg_1m: { before: Math.round(load * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 },
    steal_jiffies: stealJiffies() - steal0,
  };
}

try {
  if (BACKENDS.includes('postgres')) process.stdout.write(`${JSON.stringify(await measure(pgKnex, 'postgres'))}\n`);
  if (BACKENDS.includes('sqlite')) process.stdout.write(`${JSON.stringify(await measure(sqliteKnex, 'sqlite', { sqliteFile, sqlitePragmas: ['synchronous = NORMAL'] }))}\n`);
} finally {
  await pgKnex.destroy();
  await sqliteKnex.destroy();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
}
