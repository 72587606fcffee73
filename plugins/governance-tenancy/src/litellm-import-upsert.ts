/**
 * Writes imported rows idempotently: each batch reads the rows already stored under the same ids,
 * compares column by column, then inserts the new ones, updates only the columns that differ and
 * counts the rest as unchanged — so a second import writes nothing. Values are compared as the
 * drivers hand them back (pg: bigints as strings; SQLite: booleans as 0/1).
 */
import type { Knex } from 'knex';
import type { ImportTableReport } from '@sluice/plugin-sdk';

export type Row = Record<string, unknown>;

const ID_BATCH = 500;
/** Bound values per INSERT (SQLite allows 32766, Postgres 65535). */
const MAX_BINDINGS = 30_000;

function asBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

export function sameValue(a: unknown, b: unknown): boolean {
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (x === null || y === null) return x === y;
  if (typeof x === 'boolean' || typeof y === 'boolean') return asBool(x) === asBool(y);
  if (typeof x === 'number' || typeof y === 'number') return Number(x) === Number(y);
  return String(x) === String(y);
}

export interface UpsertOptions {
  dryRun: boolean;
  /** Columns set on insert only and never compared (times the source does not keep). */
  insertOnly?: readonly string[];
}

/** Upserts `rows` (all with the same columns) into `table` keyed on `keys`; resolves to the rows written. */
export async function upsertRows(knex: Knex, table: string, keys: readonly string[], rows: readonly Row[], report: ImportTableReport, opts: UpsertOptions): Promise<Row[]> {
  const written: Row[] = [];
  const idOf = (r: Row) => keys.map((k) => String(r[k])).join('\u0000');
  const insertOnly = new Set(opts.insertOnly ?? []);
  for (let i = 0; i < rows.length; i += ID_BATCH) {
    const batch = rows.slice(i, i + ID_BATCH);
    const ids = batch.map((r) => keys.map((k) => r[k]));
    const found = (await (keys.length === 1
      ? knex(table).whereIn(keys[0]!, ids.map((id) => id[0]) as string[])
      : knex(table).whereIn(keys as string[], ids as string[][]))) as Row[];
    const existing = new Map(found.map((r) => [idOf(r), r]));
    const inserts: Row[] = [];
    const updates: Array<{ row: Row; patch: Row }> = [];
    for (const row of batch) {
      const before = existing.get(idOf(row));
      if (!before) {
        inserts.push(row);
        continue;
      }
      const patch: Row = {};
      for (const [c, v] of Object.entries(row)) if (!insertOnly.has(c) && !keys.includes(c) && !sameValue(v, before[c])) patch[c] = v;
      if (Object.keys(patch).length > 0) updates.push({ row, patch });
      else report.unchanged();
    }
    report.inserted(inserts.length);
    report.updated(updates.length);
    written.push(...inserts, ...updates.map((u) => u.row));
    if (opts.dryRun || (inserts.length === 0 && updates.length === 0)) continue;
    await knex.transaction(async (trx) => {
      const perInsert = Math.max(1, Math.floor(MAX_BINDINGS / Math.max(1, Object.keys(inserts[0] ?? {}).length)));
      for (let j = 0; j < inserts.length; j += perInsert) await trx(table).insert(inserts.slice(j, j + perInsert));
      for (const { row, patch } of updates) {
        let q = trx(table);
        for (const k of keys) q = q.where(k, row[k] as string);
        await q.update(patch);
      }
    });
  }
  return written;
}
