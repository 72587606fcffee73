/**
 * Writes one batch of spend rows in one transaction: the log insert, then the rollup increments
 * (`spend = spend + excluded.spend`) for exactly the rows the insert took. A row already in the
 * log (a batch retried after its commit was lost, a spill file replayed twice) is skipped by the
 * insert and therefore not counted twice in the rollups. Goes through the kernel's batch writes
 * (prepared statements on SQLite, COPY FROM STDIN on Postgres), which cost a few µs a row where
 * the query builder cost 20-50.
 */
import type { BatchWriteRunner, SqlDialect } from '@sluice/plugin-sdk';
import { DAILY_KEYS, DAILY_TABLE, DAILY_TAG_KEYS, DAILY_TAG_TABLE, LOG_TABLE } from './migrations.js';
import { dailyDeltas, dailyTagDeltas, type Totals } from './rollups.js';
import type { SpendLogRow } from './spend-row.js';

/**
 * Rows per transaction when `max_batch` is unset. On Postgres a batch pays fixed round trips (the
 * COPY, two upserts, the commit's WAL flush): batches of 5,000 wrote 1.3-1.5x the rows a second of
 * batches of 500 (interleaved A/B, test/bench/spend-log.mjs rows). SQLite's writer thread gained
 * nothing from 5,000 (28,600-28,900 rows/s at 500, 19,200-28,900 at 5,000).
 */
export const DEFAULT_MAX_BATCH: Readonly<Record<SqlDialect, number>> = { sqlite: 500, postgres: 5000 };
/**
 * Rows held in memory through an outage before spilling: four Postgres batches, ~15 MB (a row
 * without stored prompts measures ~0.75 kB of heap; stored prompts add up to their length cap).
 */
export const DEFAULT_MAX_QUEUED: Readonly<Record<SqlDialect, number>> = { sqlite: 10_000, postgres: 20_000 };

const TOTALS: readonly (keyof Totals)[] = ['spend', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'api_requests', 'successful_requests', 'failed_requests'];

/** The log's columns, in the order rows are bound. */
export const LOG_COLUMNS: readonly (keyof SpendLogRow)[] = [
  'request_id', 'call_type', 'api_key', 'key_alias', 'user_id', 'team_id', 'organization_id', 'project_id', 'end_user',
  'model', 'model_group', 'model_id', 'custom_llm_provider', 'api_base', 'prompt_tokens', 'completion_tokens',
  'total_tokens', 'spend', 'request_tags', 'status', 'http_status', 'error_code', 'start_time', 'end_time',
  'request_duration_ms', 'metadata', 'response_id', 'cache_hit', 'cache_key', 'session_id',
  'requester_ip_address', 'completion_start_time', 'messages', 'response', 'proxy_server_request',
];

/** Each row's values in LOG_COLUMNS order, written out: a row a call, where `LOG_COLUMNS.map` costs more. */
export const logValues = (r: SpendLogRow): unknown[] => [
  r.request_id, r.call_type, r.api_key, r.key_alias, r.user_id, r.team_id, r.organization_id, r.project_id, r.end_user,
  r.model, r.model_group, r.model_id, r.custom_llm_provider, r.api_base, r.prompt_tokens, r.completion_tokens,
  r.total_tokens, r.spend, r.request_tags, r.status, r.http_status, r.error_code, r.start_time, r.end_time,
  r.request_duration_ms, r.metadata, r.response_id, r.cache_hit, r.cache_key, r.session_id,
  // `?? null`: rows spilled by an older version have none of these.
  r.requester_ip_address ?? null, r.completion_start_time ?? null, r.messages ?? null, r.response ?? null, r.proxy_server_request ?? null,
];

const DAILY_COLUMNS: readonly string[] = [...DAILY_KEYS, ...TOTALS];
const DAILY_TAG_COLUMNS: readonly string[] = [...DAILY_TAG_KEYS, ...TOTALS];

const valuesOf = (columns: readonly string[], row: object): unknown[] => columns.map((c) => (row as Record<string, unknown>)[c]);

export function spendBatchWriter(batch: BatchWriteRunner): (rows: SpendLogRow[]) => Promise<void> {
  return (rows) =>
    batch(async (write) => {
      const took = await write.insert(LOG_TABLE, LOG_COLUMNS, rows.map(logValues), { ignoreConflictOn: 'request_id' });
      const fresh = rows.filter((_, i) => took[i]);
      const daily = dailyDeltas(fresh);
      await write.increment(DAILY_TABLE, DAILY_KEYS, TOTALS, daily.map((d) => valuesOf(DAILY_COLUMNS, d)));
      const tags = dailyTagDeltas(fresh);
      await write.increment(DAILY_TAG_TABLE, DAILY_TAG_KEYS, TOTALS, tags.map((d) => valuesOf(DAILY_TAG_COLUMNS, d)));
    });
}
