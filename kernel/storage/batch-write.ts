/**
 * Batched writes for plugins that record every call (spend logs, audit): one transaction per
 * batch, with the statement shape fixed per table so the database does the work, not the query
 * builder. A SQLite file is written from a worker thread with its own connection (see
 * sqlite-write-thread.ts); an in-memory SQLite database, which a second connection cannot see, runs
 * cached prepared statements on knex's connection; on Postgres rows are streamed with COPY (see
 * postgres-batch-write.ts).
 */
import type { Knex } from 'knex';
import type { BatchWrite, BatchWriteRunner } from '@sluice/plugin-sdk';
import { postgresBatchWriteRunner } from './postgres-batch-write.js';
import { sqliteWriteThread, type SqliteWriteThread } from './sqlite-write-thread.js';
import type { Dialect } from './storage.js';

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

/** The kernel's side of `ctx.database.batch`: the runner plugins get, and its shutdown. */
export interface KernelBatchWrites {
  run: BatchWriteRunner;
  /** Stops the writer thread, if any; call after every plugin has flushed. */
  close(): Promise<void>;
}

export interface BatchWriteOptions {
  /** The SQLite database file: batches are then written from a worker thread. */
  sqliteFile?: string;
  /** Per-connection pragmas the writer thread's connection needs (synchronous, busy_timeout…). */
  sqlitePragmas?: readonly string[];
}

function threadWriter(thread: SqliteWriteThread): BatchWrite {
  return {
    async insert(table, columns, rows, opts) {
      if (rows.length === 0) return [];
      const changed = await thread.send({ op: 'run', sql: insertSql(table, columns, opts?.ignoreConflictOn), rows, changes: opts?.ignoreConflictOn !== undefined });
      return changed ? Array.from(changed, (c) => c === 1) : rows.map(() => true);
    },
    async increment(table, keys, add, rows) {
      if (rows.length === 0) return;
      await thread.send({ op: 'run', sql: incrementSql(table, keys, add), rows, changes: false });
    },
  };
}

/** How one SQLite batch begins, ends and writes: on the writer thread or on knex's connection. */
interface SqliteTransaction {
  begin(): Promise<unknown> | void;
  commit(): Promise<unknown> | void;
  rollback(): Promise<unknown> | void;
  writer: BatchWrite;
}

export function batchWriteRunner(knex: Knex, dialect: Dialect, opts: BatchWriteOptions = {}): KernelBatchWrites {
  if (dialect === 'postgres') return { run: postgresBatchWriteRunner(knex), close: async () => undefined };
  // Holding knex's only SQLite connection keeps every other query of this process out until the
  // batch commits: in-thread that is the transaction's own connection; with the writer thread it
  // means no main-thread write ever waits on the thread's lock (better-sqlite3 would block the
  // event loop for it).
  const client = knex.client as { acquireConnection(): Promise<SqliteDatabase>; releaseConnection(c: SqliteDatabase): Promise<unknown> };
  const runWith =
    (transactionOn: (db: SqliteDatabase) => SqliteTransaction): BatchWriteRunner =>
    async (fn) => {
      const db = await client.acquireConnection();
      try {
        const tx = transactionOn(db);
        await tx.begin();
        try {
          const result = await fn(tx.writer);
          await tx.commit();
          return result;
        } catch (err) {
          await Promise.resolve(tx.rollback()).catch(() => undefined);
          throw err;
        }
      } finally {
        await client.releaseConnection(db);
      }
    };

  const file = opts.sqliteFile;
  if (file && file !== ':memory:') {
    const thread = sqliteWriteThread(file, opts.sqlitePragmas ?? []);
    const writer = threadWriter(thread);
    const onThread: SqliteTransaction = {
      begin: () => thread.send({ op: 'begin' }),
      commit: () => thread.send({ op: 'commit' }),
      rollback: () => thread.send({ op: 'rollback' }),
      writer,
    };
    return { run: runWith(() => onThread), close: () => thread.close() };
  }
  const statements = new WeakMap<object, Map<string, SqliteStatement>>();
  const onConnection = (db: SqliteDatabase): SqliteTransaction => {
    let cache = statements.get(db);
    if (!cache) statements.set(db, (cache = new Map()));
    return {
      begin: () => db.exec('BEGIN IMMEDIATE'),
      commit: () => db.exec('COMMIT'),
      rollback: () => {
        if (db.inTransaction) db.exec('ROLLBACK');
      },
      writer: sqliteWriter(db, cache),
    };
  };
  return { run: runWith(onConnection), close: async () => undefined };
}
