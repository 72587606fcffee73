/**
 * Batched writes on Postgres, without the query builder: one pooled connection per batch, its
 * rows streamed with `COPY … FROM STDIN` (text format) and its increments sent as one
 * parameterised multi-row upsert. knex's multi-row insert cost 22-26 µs of Node CPU a spend-log
 * row (building a 35-column statement with 17,500 bindings, which Postgres then parses); COPY
 * costs 6-9 µs, and Postgres only parses tab-separated text.
 *
 * An insert that skips stored keys (`ignoreConflictOn`) copies the rows straight into the table
 * under a savepoint: COPY has no ON CONFLICT, but a batch almost never holds a stored key (only a
 * replay does), so the fast path is the whole COPY. A unique violation rolls back to the savepoint;
 * the batch's stored keys are then looked up and only the other rows copied. Measured against
 * copying into a temporary staging table then `INSERT … SELECT … ON CONFLICT DO NOTHING` (every
 * row written twice) and against `INSERT … SELECT FROM unnest($1::text[], …)`, this is the fastest
 * (test/bench/spend-log.mjs; figures in the spend-logs README).
 */
import type { Knex } from 'knex';
import pgCopyStreams from 'pg-copy-streams';
import type { BatchWrite, BatchWriteRunner } from '@sluice/plugin-sdk';

/** Bind parameters per statement: under Postgres's 65,535. */
const MAX_PARAMS = 60_000;

/** The part of node-postgres's Client a batch uses. */
interface PgConnection {
  query<R = Record<string, unknown>>(sql: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
  query(stream: pgCopyStreams.CopyStreamQuery): pgCopyStreams.CopyStreamQuery;
  end(): Promise<void>;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const list = (names: readonly string[]) => names.map(quote).join(', ');

// COPY's text format: a row a line, columns split by tabs, `\N` for NULL, and backslash escapes
// for the characters that would end a field or a line. Postgres text cannot hold U+0000 at all: a
// client's NUL (in `user`, say) would fail its batch on every retry, so it is stored as U+FFFD.
const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\uFFFD' };
const escapeText = (s: string) => (NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!) : s);
/** A bound parameter, NUL replaced as in COPY text. */
const bindable = (v: unknown) => (v === undefined ? null : typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '\uFFFD') : v);

/** One value as COPY text reads it into the column's type, the way node-postgres would bind it. */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'string':
      return escapeText(v);
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
  }
  if (v instanceof Date) return v.toISOString();
  // bytea's hex input, its backslash escaped for the text format.
  if (v instanceof Uint8Array) return `\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  return escapeText(JSON.stringify(v));
}

/** Each row as one line of COPY text, newline included. */
function copyLines(rows: readonly (readonly unknown[])[]): string[] {
  const lines: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = '';
    for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + copyField(row[i]);
    lines[r] = line + '\n';
  }
  return lines;
}

async function copyIn(conn: PgConnection, table: string, columns: readonly string[], lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const stream = conn.query(pgCopyStreams.from(`COPY ${quote(table)} (${list(columns)}) FROM STDIN`));
  // 'finish' comes once the server has acknowledged the whole COPY; a refused row is an 'error'.
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(lines.join(''));
  });
}

/** `$1, $2 …` rows for a multi-row VALUES list; cached per shape, batches repeat a few sizes. */
const placeholderCache = new Map<string, string>();
function placeholders(rowCount: number, columnCount: number): string {
  const key = `${rowCount}x${columnCount}`;
  let text = placeholderCache.get(key);
  if (text === undefined) {
    const rows: string[] = [];
    for (let r = 0, p = 1; r < rowCount; r++) {
      const cells: string[] = [];
      for (let c = 0; c < columnCount; c++) cells.push(`$${p++}`);
      rows.push(`(${cells.join(', ')})`);
    }
    text = rows.join(', ');
    if (placeholderCache.size < 256) placeholderCache.set(key, text);
  }
  return text;
}

function chunks<T>(rows: readonly T[], columns: number): (readonly T[])[] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, columns)));
  if (rows.length <= size) return [rows];
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

const SAVEPOINT = 'sluice_batch_copy';
const UNIQUE_VIOLATION = '23505';

function postgresWriter(conn: PgConnection): BatchWrite {
  return {
    async insert(table, columns, rows, opts) {
      const key = opts?.ignoreConflictOn;
      if (!key) {
        await copyIn(conn, table, columns, copyLines(rows));
        return rows.map(() => true);
      }
      const k = columns.indexOf(key);
      if (k === -1) throw new Error(`ignoreConflictOn ${key} is not one of the columns`);
      const lines = copyLines(rows);
      // The usual batch holds only new keys: copied whole, under a savepoint. A key already stored
      // (a replayed batch) or repeated in the batch fails the COPY with a unique violation, undone
      // back to the savepoint; then the stored keys are looked up and only the others copied.
      await conn.query(`SAVEPOINT ${SAVEPOINT}`);
      try {
        await copyIn(conn, table, columns, lines);
        return rows.map(() => true);
      } catch (err) {
        if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
        await conn.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      }
      const ids = rows.map((r) => bindable(r[k]));
      const { rows: found } = await conn.query<{ id: unknown }>(`SELECT ${quote(key)} AS id FROM ${quote(table)} WHERE ${quote(key)} = ANY($1)`, [ids]);
      // Keys compared as the text node-postgres sends, so a number key matches its stored value.
      const taken = new Set<string>(found.map((f) => String(f.id)));
      const took = ids.map((id) => {
        const s = String(id);
        if (taken.has(s)) return false;
        taken.add(s); // a key twice in one batch: only its first row goes in
        return true;
      });
      await copyIn(conn, table, columns, lines.filter((_, i) => took[i]));
      return took;
    },
    async increment(table, keys, add, rows) {
      if (rows.length === 0) return;
      const columns = [...keys, ...add];
      const sets = add.map((c) => `${quote(c)} = ${quote(table)}.${quote(c)} + excluded.${quote(c)}`).join(', ');
      for (const chunk of chunks(rows, columns.length)) {
        const values: unknown[] = [];
        for (const row of chunk) for (const v of row) values.push(bindable(v));
        await conn.query(`INSERT INTO ${quote(table)} (${list(columns)}) VALUES ${placeholders(chunk.length, columns.length)} ON CONFLICT (${list(keys)}) DO UPDATE SET ${sets}`, values);
      }
    },
  };
}

/**
 * A batch blocked on a lock (a migration, an operator's LOCK TABLE) or a server that stopped
 * answering fails after this long instead of holding the writer forever: its rows stay queued,
 * spill past the writer's bound, and are retried.
 */
export const BATCH_STATEMENT_TIMEOUT_MS = 30_000;
const BEGIN = `BEGIN; SET LOCAL statement_timeout = ${BATCH_STATEMENT_TIMEOUT_MS}`;

/**
 * Ends a failed batch's transaction. A connection the server dropped (backend killed mid-COPY,
 * server restart) cannot roll back: it is ended instead, Postgres rolls back the transaction of a
 * session that ends, and knex's pool drops the connection rather than hand it to the next batch.
 */
async function abort(conn: PgConnection): Promise<void> {
  try {
    await conn.query('ROLLBACK');
  } catch {
    await conn.end().catch(() => undefined);
  }
}

/** Runs each batch as one transaction on a connection of knex's pool. */
export function postgresBatchWriteRunner(knex: Knex): BatchWriteRunner {
  const client = knex.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<unknown> };
  return async (fn) => {
    const conn = await client.acquireConnection();
    try {
      await conn.query(BEGIN);
      try {
        const result = await fn(postgresWriter(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await abort(conn);
        throw err;
      }
    } finally {
      await client.releaseConnection(conn);
    }
  };
}
