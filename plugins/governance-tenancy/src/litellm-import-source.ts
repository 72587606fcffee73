/**
 * Reading LiteLLM's Prisma tables whatever their version: select only the columns the source has
 * (missing ones read as undefined), page through big tables by their id, and turn Prisma's values
 * (Date, bigint strings, jsonb, text[]) into what Sluice's columns hold.
 */
import type { ImportSource } from '@sluice/plugin-sdk';

export type SourceRow = Record<string, unknown>;

const PAGE = 1000;

export interface SourceTable {
  name: string;
  present: boolean;
  /** Columns wanted and present, quoted for SQL. */
  select: string;
  has(column: string): boolean;
}

export async function sourceTable(source: ImportSource, name: string, wanted: readonly string[]): Promise<SourceTable> {
  const cols = await source.columns(name);
  const present = wanted.filter((c) => cols.has(c));
  return { name, present: cols.size > 0, select: present.map((c) => `"${c}"`).join(', ') || '1', has: (c) => cols.has(c) };
}

/** Every row (optionally filtered), a page at a time, ordered by `key` (keyset paging: no OFFSET scans). */
export async function* pages(source: ImportSource, t: SourceTable, key: string, filter?: { sql: string; params: unknown[] }): AsyncGenerator<SourceRow[]> {
  if (!t.present) return;
  let after: unknown;
  for (;;) {
    const params: unknown[] = [...(filter?.params ?? [])];
    const where: string[] = filter ? [filter.sql] : [];
    if (after !== undefined) {
      params.push(after);
      where.push(`"${key}" > $${params.length}`);
    }
    params.push(PAGE);
    const sql = `SELECT ${t.select}${t.select.includes(`"${key}"`) ? '' : `, "${key}"`} FROM "${t.name}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "${key}" LIMIT $${params.length}`;
    const rows = await source.query(sql, params);
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]![key];
  }
}

/** A small table whole (budgets, memberships, tags…), ordered by `key` (which need not be unique). */
export async function allRows(source: ImportSource, t: SourceTable, key: string): Promise<SourceRow[]> {
  if (!t.present) return [];
  return source.query(`SELECT ${t.select} FROM "${t.name}" ORDER BY "${key}"`);
}

export function ms(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const t = v instanceof Date ? v.getTime() : Date.parse(String(v));
  return Number.isNaN(t) ? null : t;
}
export const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined).map(String) : []);

/** A Json column: Prisma sometimes stored the JSON of a JSON string; unwrap it. */
export function object(v: unknown): Record<string, unknown> {
  let value = v;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A value that means something (what `notCarried` counts): not null, '', [], {} or false. */
export function isSet(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && !(v instanceof Date)) return Object.keys(v).length > 0;
  return true;
}
