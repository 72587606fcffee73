#!/usr/bin/env node
// Spend-log write throughput on Postgres (and on the embedded SQLite default) through the spend-logs plugin's own write path: the SDK's
// BatchWriter (default batch of 500, 1 s interval) feeding spendBatchWriter, i.e. one transaction
// per batch with the multi-row log insert and both daily rollup upserts. Rows come from
// spendLogRow() over synthetic spend events (60 keys/users, 6 teams, 3 orgs, 4 models, 0-2 tags,
// some customers). The clock runs from the first push to close() returning (every row committed);
// the run then checks the log and the rollups hold exactly BENCH_SPEND_ROWS requests.
// Built from dist/ like the running gateway; alone (after `npm run build`): node test/bench/spend-log.mjs
// Uses BENCH_DATABASE_URL, else the test database; works in a throwaway schema (SQLite: a temp
// file). Prints one JSON line per backend.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import pg from 'pg';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import { MIGRATIONS } from '../../dist/plugins/spend-logs/src/migrations.js';
import { spendLogRow } from '../../dist/plugins/spend-logs/src/spend-row.js';
import { spendBatchWriter } from '../../dist/plugins/spend-logs/src/spend-writer.js';
import { batchWriteRunner } from '../../dist/kernel/storage/batch-write.js';

const URL_ = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.env.BENCH_SPEND_ROWS ?? 50_000);
const MAX_BATCH = Number(process.env.BENCH_SPEND_BATCH ?? 500);
const TARGET_ROWS_PER_S = 5000;

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

async function measure(knex, backend, opts = {}) {
  for (const m of MIGRATIONS) await m.up(knex);
  const now = Date.now();
  const rows = Array.from({ length: ROWS }, (_, i) => spendLogRow(event(i, now)));
  const writes = batchWriteRunner(knex, backend, opts);
  const writer = new BatchWriter({ name: 'spend-logs-bench', write: spendBatchWriter(writes.run), dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')), log: silent, maxBatch: MAX_BATCH, maxQueued: ROWS });
  const t0 = process.hrtime.bigint();
  for (const r of rows) writer.push(r);
  await writer.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await writes.close();
  const [{ n }] = await knex('sluice_spend_logs').count({ n: '*' });
  const [{ r }] = await knex('sluice_spend_daily').sum({ r: 'api_requests' });
  if (Number(n) !== ROWS || Number(r) !== ROWS || writer.stats.spilled !== 0) throw new Error(`expected ${ROWS} rows, log has ${n}, rollups count ${r}, spilled ${writer.stats.spilled}`);
  const rowsPerS = Math.round(ROWS / seconds);
  return { bench: 'spend-log-write', backend, rows: ROWS, batch: MAX_BATCH, seconds: Math.round(seconds * 1000) / 1000, rows_per_s: rowsPerS, target_rows_per_s: TARGET_ROWS_PER_S, meets_target: rowsPerS >= TARGET_ROWS_PER_S };
}

try {
  process.stdout.write(`${JSON.stringify(await measure(pgKnex, 'postgres'))}\n`);
  process.stdout.write(`${JSON.stringify(await measure(sqliteKnex, 'sqlite', { sqliteFile, sqlitePragmas: ['synchronous = NORMAL'] }))}\n`);
} finally {
  await pgKnex.destroy();
  await sqliteKnex.destroy();
  await admin.query(`drop schema if exists "${schema}" cascade`);
  await admin.end();
}
