/**
 * One store for every tenancy table (see entity-tables.ts). JSON columns are text and times
 * bigint; pg hands bigints back as strings and SQLite booleans as 0/1, so every row is parsed.
 */
import type { Knex } from 'knex';
import type { EntityTable } from './entity-tables.js';

export type Row = Record<string, unknown>;

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === '23505' || /^SQLITE_CONSTRAINT/.test(e.code ?? '') || /UNIQUE constraint failed/.test(e.message ?? '');
}

export class EntityStore<T extends Row = Row> {
  constructor(
    readonly knex: Knex,
    readonly def: EntityTable,
  ) {}

  private toRow(record: Row): Row {
    const row: Row = { ...record };
    for (const f of this.def.json) if (f in row) row[f] = JSON.stringify(row[f] ?? null);
    return row;
  }

  fromRow(row: Row): T {
    const out: Row = { ...row };
    for (const f of this.def.json) out[f] = row[f] === null || row[f] === undefined ? null : JSON.parse(String(row[f]));
    for (const f of [...this.def.ints, ...this.def.floats]) if (f in row) out[f] = row[f] === null ? null : Number(row[f]);
    for (const f of this.def.bools) out[f] = row[f] === true || row[f] === 1 || row[f] === '1';
    if ('spend' in out) out.spend = (out.spend as number | null) ?? 0;
    return out as T;
  }

  async find(id: string): Promise<T | undefined> {
    const row = await this.knex(this.def.table).where(this.def.id, id).first();
    return row ? this.fromRow(row as Row) : undefined;
  }

  async findMany(ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return [];
    const rows = await this.knex(this.def.table).whereIn(this.def.id, ids as string[]);
    return rows.map((r: Row) => this.fromRow(r));
  }

  async insert(record: T): Promise<void> {
    await this.knex(this.def.table).insert(this.toRow(record));
  }

  /** Inserts unless the id exists (first use of a customer from two instances at once). */
  async insertIfAbsent(record: T): Promise<void> {
    await this.knex(this.def.table).insert(this.toRow(record)).onConflict(this.def.id).ignore();
  }

  async update(id: string, patch: Partial<T>): Promise<T | undefined> {
    const changed = await this.knex(this.def.table).where(this.def.id, id).update(this.toRow(patch));
    return changed > 0 ? this.find(id) : undefined;
  }

  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return Number(await this.knex(this.def.table).whereIn(this.def.id, ids as string[]).delete());
  }

  /** A filter value is an exact match, a list (any of), or `{ contains }` (partial, case-insensitive). */
  async list(filter: Record<string, string | readonly string[] | { contains: string } | undefined>, page: number, size: number): Promise<{ records: T[]; total: number }> {
    const base = () => {
      let q = this.knex(this.def.table);
      for (const [field, value] of Object.entries(filter)) {
        if (value === undefined) continue;
        if (typeof value === 'object' && 'contains' in value) {
          q = q.whereRaw("lower(??) like ? escape '\\'", [field, `%${value.contains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
          continue;
        }
        q = typeof value === 'string' ? q.where(field, value) : q.whereIn(field, value as string[]);
      }
      return q;
    };
    const [{ n }] = (await base().count({ n: '*' })) as Array<{ n: number | string }>;
    const rows = await base().orderBy([{ column: 'created_at', order: 'desc' }, { column: this.def.id }]).limit(size).offset((page - 1) * size);
    return { records: rows.map((r: Row) => this.fromRow(r)), total: Number(n) };
  }

  /** Adds to `spend` without reading it (many instances flush into the same rows). */
  async addSpend(id: string, amount: number, trx: Knex = this.knex): Promise<void> {
    await trx(this.def.table).where(this.def.id, id).increment('spend', amount);
  }
}
