/**
 * Runs SQLite batch writes (spend logs, audit) on a worker thread with its own connection to the
 * same database file. better-sqlite3 is synchronous: on the main thread every row's insert and
 * every commit is time the event loop serves no request, and under load that is the largest cost
 * per call after the sockets themselves. The main thread now only sends the rows.
 *
 * The worker's source is plain JavaScript in a string (`eval: true`), so it runs the same from the
 * compiled build and from the TypeScript sources the test runner loads; the driver is required by
 * its resolved path.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What the worker does with one message; rows are bound in order. */
export type WriteOp =
  | { op: 'begin' }
  | { op: 'run'; sql: string; rows: readonly (readonly unknown[])[]; changes: boolean }
  | { op: 'commit' }
  | { op: 'rollback' };

interface Reply {
  id: number;
  result?: Uint8Array | null;
  error?: { message: string; code?: string };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
for (const p of workerData.pragmas) db.pragma(p);
const statements = new Map();
// better-sqlite3 binds no booleans or undefined.
const bindable = (row) => {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v === undefined) row[i] = null;
    else if (v === true || v === false) row[i] = v ? 1 : 0;
  }
  return row;
};
const prepared = (sql) => {
  let stmt = statements.get(sql);
  if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
  return stmt;
};
parentPort.on('message', ({ id, op, sql, rows, changes }) => {
  try {
    let result = null;
    if (op === 'begin') db.exec('BEGIN IMMEDIATE');
    else if (op === 'commit') db.exec('COMMIT');
    else if (op === 'rollback') { if (db.inTransaction) db.exec('ROLLBACK'); }
    else if (op === 'run') {
      const stmt = prepared(sql);
      if (changes) {
        result = new Uint8Array(rows.length);
        for (let i = 0; i < rows.length; i++) result[i] = stmt.run(bindable(rows[i])).changes === 1 ? 1 : 0;
      } else {
        for (let i = 0; i < rows.length; i++) stmt.run(bindable(rows[i]));
      }
    }
    parentPort.postMessage({ id, result });
  } catch (err) {
    if (op !== 'rollback' && op !== 'begin' && db.inTransaction) { try { db.exec('ROLLBACK'); } catch {} }
    parentPort.postMessage({ id, error: { message: String(err && err.message || err), code: err && err.code } });
  }
});
parentPort.on('close', () => db.close());
`;

export interface SqliteWriteThread {
  send(op: WriteOp): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

/**
 * Starts the worker lazily, on the first message. If it dies, pending messages fail (the batch
 * writer retries them) and the next message starts a new one.
 */
export function sqliteWriteThread(filename: string, pragmas: readonly string[]): SqliteWriteThread {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (r: Uint8Array | null) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const start = (): Worker => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, filename, pragmas } });
    w.unref(); // a flush on close is awaited explicitly; an idle writer must not keep the process up
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.error) p.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else p.resolve(reply.result ?? null);
    });
    w.on('error', (err) => {
      if (worker === w) worker = undefined;
      failAll(err);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`SQLite writer thread exited (code ${code})`));
    });
    return w;
  };

  return {
    send(op) {
      worker ??= start();
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker!.postMessage({ id, ...op });
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
