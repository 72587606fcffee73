/**
 * LiteLLM's daily spend tables → Sluice's rollups, for the days no imported spend log covers
 * (LiteLLM purged its logs by `maximum_spend_logs_retention_period`, or `--since` left them out):
 * the days the logs do cover get their rollups from the logs themselves (litellm-import.ts), so no
 * day is counted twice. LiteLLM_DailyUserSpend feeds `sluice_spend_daily` (by key, user and model)
 * and LiteLLM_DailyTagSpend `sluice_spend_daily_tags`; the team, organization and end-user tables
 * hold the same spend again by another owner, so they are not read. Rows are set, not added to, and
 * compared first: a second import changes nothing. Read through a server-side cursor.
 */
import type { Knex } from 'knex';
import type { ImportReporter, ImportSource } from '@sluice/plugin-sdk';
import { DAILY_KEYS, DAILY_TABLE, DAILY_TAG_KEYS, DAILY_TAG_TABLE } from './migrations.js';

const FETCH = 5000;
const TOTALS = ['spend', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'api_requests', 'successful_requests', 'failed_requests'] as const;
type Row = Record<string, string | number>;

interface DailySource {
  table: string;
  target: string;
  keys: readonly string[];
  /** Source expression per target key column ('' where LiteLLM's table has no such dimension). */
  dims: Record<string, string>;
}

const SOURCES: readonly DailySource[] = [
  {
    table: 'LiteLLM_DailyUserSpend',
    target: DAILY_TABLE,
    keys: DAILY_KEYS,
    dims: { day: '"date"', api_key: '"api_key"', user_id: '"user_id"', model: '"model"', custom_llm_provider: '"custom_llm_provider"' },
  },
  {
    table: 'LiteLLM_DailyTagSpend',
    target: DAILY_TAG_TABLE,
    keys: DAILY_TAG_KEYS,
    dims: { day: '"date"', tag: '"tag"', api_key: '"api_key"', model: '"model"' },
  },
];

/** Carries the daily totals of days before `firstLogDay` (YYYY-MM-DD; every day when undefined). */
export async function carryDailyTotals(source: ImportSource, knex: Knex, report: ImportReporter, dryRun: boolean, firstLogDay: string | undefined): Promise<void> {
  for (const s of SOURCES) {
    if ((await source.columns(s.table)).size === 0) continue;
    const table = report.table(`${s.table} (days without logs) → ${s.target}`);
    const dims = s.keys.map((k) => `COALESCE(${s.dims[k] ?? "''"}, '') AS "${k}"`);
    const cursor = `sluice_import_${s.table.toLowerCase()}`;
    await source.query(
      `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${dims.join(', ')}, sum("spend") AS spend, sum("prompt_tokens") AS prompt_tokens, sum("completion_tokens") AS completion_tokens,
         sum("prompt_tokens" + "completion_tokens") AS total_tokens, sum("api_requests") AS api_requests, sum("successful_requests") AS successful_requests,
         sum("failed_requests") AS failed_requests FROM "${s.table}"${firstLogDay ? ' WHERE "date" < $1' : ''} GROUP BY ${s.keys.map((_, i) => i + 1).join(', ')}`,
      firstLogDay ? [firstLogDay] : [],
    );
    try {
      for (;;) {
        const rows = (await source.query(`FETCH ${FETCH} FROM ${cursor}`)).map((r) => {
          const row: Row = {};
          for (const k of s.keys) row[k] = String(r[k]);
          for (const t of TOTALS) row[t] = Number(r[t] ?? 0);
          return row;
        });
        if (rows.length === 0) break;
        table.read(rows.length);
        await setRows(knex, s.target, s.keys, rows, table, dryRun);
        if (rows.length < FETCH) break;
      }
    } finally {
      await source.query(`CLOSE ${cursor}`);
    }
  }
}

async function setRows(knex: Knex, target: string, keys: readonly string[], rows: Row[], table: ReturnType<ImportReporter['table']>, dryRun: boolean): Promise<void> {
  const id = (r: Record<string, unknown>) => keys.map((k) => String(r[k])).join('\u0000');
  for (let i = 0; i < rows.length; i += 200) {
    const batch = rows.slice(i, i + 200);
    const found = (await knex(target).whereIn(keys as string[], batch.map((r) => keys.map((k) => r[k]!)) as string[][])) as Array<Record<string, unknown>>;
    const stored = new Map(found.map((f) => [id(f), f]));
    const inserts: Row[] = [];
    const updates: Row[] = [];
    for (const r of batch) {
      const before = stored.get(id(r));
      if (!before) inserts.push(r);
      else if (TOTALS.some((t) => Number(before[t]) !== r[t])) updates.push(r);
      else table.unchanged();
    }
    table.inserted(inserts.length);
    table.updated(updates.length);
    if (dryRun || inserts.length + updates.length === 0) continue;
    await knex.transaction(async (trx) => {
      if (inserts.length > 0) await trx(target).insert(inserts);
      for (const r of updates) {
        let q = trx(target);
        for (const k of keys) q = q.where(k, r[k]!);
        await q.update(Object.fromEntries(TOTALS.map((t) => [t, r[t]])));
      }
    });
  }
}
