/**
 * Writes one batch of spend rows in one transaction: the multi-row insert into the log, then the
 * rollup upserts (`spend = spend + excluded.spend`) for exactly the rows the insert took. A row
 * already in the log (a batch retried after its commit was lost, a spill file replayed twice) is
 * skipped by the insert and therefore not counted twice in the rollups.
 */
import type { Knex } from 'knex';
import { DAILY_KEYS, DAILY_TABLE, DAILY_TAG_KEYS, DAILY_TAG_TABLE, LOG_TABLE } from './migrations.js';
import { dailyDeltas, dailyTagDeltas, type Totals } from './rollups.js';
import type { SpendLogRow } from './spend-row.js';

/** Bind parameters per statement: under SQLite's 32,766 and Postgres's 65,535. */
const MAX_PARAMS = 30_000;
const TOTALS: (keyof Totals)[] = ['spend', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'api_requests', 'successful_requests', 'failed_requests'];

function chunks<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

async function upsert(trx: Knex.Transaction, table: string, keys: readonly string[], rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const merge = Object.fromEntries(TOTALS.map((c) => [c, trx.raw('?? + excluded.??', [`${table}.${c}`, c])]));
  for (const chunk of chunks(rows, keys.length + TOTALS.length)) {
    await trx(table).insert(chunk as Record<string, unknown>[]).onConflict([...keys]).merge(merge);
  }
}

export function spendBatchWriter(knex: Knex): (rows: SpendLogRow[]) => Promise<void> {
  return (rows) =>
    knex.transaction(async (trx) => {
      const inserted = new Set<string>();
      for (const chunk of chunks(rows, Object.keys(rows[0] ?? {}).length || 1)) {
        const ids = (await trx(LOG_TABLE).insert(chunk).onConflict('request_id').ignore().returning('request_id')) as { request_id: string }[];
        for (const { request_id } of ids) inserted.add(request_id);
      }
      const fresh: SpendLogRow[] = [];
      for (const r of rows) if (inserted.delete(r.request_id)) fresh.push(r); // delete: a duplicate in the batch counts once
      await upsert(trx, DAILY_TABLE, DAILY_KEYS, dailyDeltas(fresh));
      await upsert(trx, DAILY_TAG_TABLE, DAILY_TAG_KEYS, dailyTagDeltas(fresh));
    });
}
