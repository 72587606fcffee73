/**
 * Batched writes for plugins that record every call (spend logs, audit): one transaction per
 * batch, with the statement shape fixed per table so the database does the work, not the query
 * builder. On SQLite each row runs a cached prepared statement inside one transaction on knex's
 * single connection (a few µs a row); on Postgres rows go as multi-row statements through knex.
 */
import type { Knex } from 'knex';
import type { BatchWrite, BatchWriteRunner } from '../../plugin-sdk/capabilities.js';
import type { Dialect } from './storage.js';

/** Bind parameters per statement: under SQLite's 32,766 and Postgres's 65,535. */
const MAX_PARAMS = 30_000;

interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const list = (names: readonly string[]) => names.map(quote).join(', ');

function insertSql(table: string, columns: readonly string[], ignoreConflictOn: string | undefined): string {
  const conflict = ignoreConflictOn ? ` ON CONFLICT (${quote(ignoreConflictOn)}) DO NOTHING` : '';
  return `INSERT INTO ${quote(table)} (${list(columns)}) VALUES (${columns.map(() => '?').join(', ')})${conflict}`;
}

function incrementSql(table: string, keys: readonly string[], add: readonly string[]): string {
  const sets = add.map((c) => `${quote(c)} = ${quote(table)}.${quote(c)} + excluded.${quote(c)}`).join(', ');
  return `INSERT INTO ${quote(table)} (${list([...keys, ...add])}) VALUES (${[...keys, ...add].map(() => '?').join(', ')}) ON CONFLICT (${list(keys)}) DO UPDATE SET ${sets}`;
}

/** better-sqlite3 binds no booleans or undefined. */
function sqliteValue(v: unknown): unknown {
  return v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function sqliteWriter(db: SqliteDatabase, statements: Map<string, SqliteStatement>): BatchWrite {
  const prepared = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };
  return {
    async insert(table, columns, rows, opts) {
      const stmt = prepared(insertSql(table, columns, opts?.ignoreConflictOn));
      return rows.map((row) => stmt.run(...row.map(sqliteValue)).changes === 1);
    },
    async increment(table, keys, add, rows) {
      const stmt = prepared(incrementSql(table, keys, add));
      for (const row of rows) stmt.run(...row.map(sqliteValue));
    },
  };
}

function chunks<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

const objectOf = (columns: readonly string[], row: readonly unknown[]) => {
  const o: Record<string, unknown> = {};
  columns.forEach((c, i) => (o[c] = row[i] === undefined ? null : row[i]));
  return o;
};

function knexWriter(trx: Knex.Transaction): BatchWrite {
  return {
    async insert(table, columns, rows, opts) {
      const key = opts?.ignoreConflictOn;
      if (!key) {
        for (const chunk of chunks(rows, columns.length)) await trx(table).insert(chunk.map((r) => objectOf(columns, r)));
        return rows.map(() => true);
      }
      const k = columns.indexOf(key);
      if (k === -1) throw new Error(`ignoreConflictOn ${key} is not one of the columns`);
      const inserted = new Set<unknown>();
      for (const chunk of chunks(rows, columns.length)) {
        const ids = (await trx(table).insert(chunk.map((r) => objectOf(columns, r))).onConflict(key).ignore().returning(key)) as Record<string, unknown>[];
        for (const id of ids) inserted.add(id[key]);
      }
      // A key twice in one batch: only its first row went in.
      return rows.map((r) => inserted.delete(r[k]));
    },
    async increment(table, keys, add, rows) {
      if (rows.length === 0) return;
      const columns = [...keys, ...add];
      const merge = Object.fromEntries(add.map((c) => [c, trx.raw('?? + excluded.??', [`${table}.${c}`, c])]));
      for (const chunk of chunks(rows, columns.length)) {
        await trx(table).insert(chunk.map((r) => objectOf(columns, r))).onConflict([...keys]).merge(merge);
      }
    },
  };
}

export function batchWriteRunner(knex: Knex, dialect: Dialect): BatchWriteRunner {
  if (dialect === 'postgres') return (fn) => knex.transaction((trx) => fn(knexWriter(trx)));
  const statements = new WeakMap<object, Map<string, SqliteStatement>>();
  return async (fn) => {
    // Holding knex's only SQLite connection keeps every other query out until the batch commits.
    const client = knex.client as { acquireConnection(): Promise<SqliteDatabase>; releaseConnection(c: SqliteDatabase): Promise<unknown> };
    const db = await client.acquireConnection();
    try {
      let cache = statements.get(db);
      if (!cache) statements.set(db, (cache = new Map()));
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(sqliteWriter(db, cache));
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      await client.releaseConnection(db);
    }
  };
}
