/**
 * `ctx.database.batch`: one contract for its three ways of writing — a SQLite file from the writer
 * thread, an in-memory SQLite database on knex's own connection, and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { batchWriteRunner, type KernelBatchWrites } from '../kernel/storage/batch-write.js';
import { SQLITE_PRAGMAS, openStorage } from '../kernel/storage/open-storage.js';
import type { Storage } from '../kernel/storage/storage.js';
import { backends, createPostgresSchema } from './support/backends.js';

const tempRoot = mkdtempSync(join(tmpdir(), 'sluice-batch-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));
let tempCount = 0;

interface Fixture {
  storage: Storage;
  writes: KernelBatchWrites;
  dispose(): Promise<void>;
}

async function withTables(storage: Storage): Promise<void> {
  await storage.knex.schema.createTable('t_log', (t) => {
    t.string('id', 64).primary();
    t.integer('n').notNullable();
    t.boolean('flag').nullable();
    t.text('note').nullable();
  });
  await storage.knex.schema.createTable('t_sum', (t) => {
    t.string('k', 64).notNullable();
    t.string('day', 10).notNullable();
    t.bigInteger('total').notNullable().defaultTo(0);
    t.bigInteger('calls').notNullable().defaultTo(0);
    t.unique(['k', 'day']);
  });
}

function batchContract(name: string, fresh: () => Promise<Fixture>) {
  describe(`${name} batch writes`, () => {
    const open: Fixture[] = [];
    const fixture = async () => {
      const f = await fresh();
      open.push(f);
      await withTables(f.storage);
      return f;
    };
    afterEach(async () => {
      for (const f of open.splice(0)) await f.dispose();
    });

    it('inserts rows, skips the ones already stored, and says which went in', async () => {
      const { storage, writes } = await fixture();
      const first = await writes.run((w) => w.insert('t_log', ['id', 'n'], [['a', 1], ['b', 2]], { ignoreConflictOn: 'id' }));
      expect(first).toEqual([true, true]);
      const second = await writes.run((w) => w.insert('t_log', ['id', 'n'], [['b', 20], ['c', 3], ['c', 30]], { ignoreConflictOn: 'id' }));
      expect(second).toEqual([false, true, false]);
      // Read on the main connection right after the batch resolves: it is committed and visible.
      const rows = await storage.knex('t_log').select('id', 'n').orderBy('id');
      expect(rows).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }]);
    });

    it('binds booleans and undefined', async () => {
      const { storage, writes } = await fixture();
      await writes.run((w) => w.insert('t_log', ['id', 'n', 'flag', 'note'], [['x', 1, true, undefined], ['y', 2, false, 'n']]));
      const rows = await storage.knex('t_log').select('id', 'flag', 'note').orderBy('id');
      expect(rows.map((r) => [r.id, Boolean(r.flag), r.note])).toEqual([['x', true, null], ['y', false, 'n']]);
    });

    it('stores text with the characters that delimit rows and columns exactly as given', async () => {
      const { storage, writes } = await fixture();
      // COPY's text format reads tabs, newlines, backslashes and \N as syntax unless escaped.
      const notes = ['tab\there', 'line\nbreak\r\n', 'back\\slash \\N \\t', '\\N', '', 'quote \' " , ; |', 'ünïcødé ✓ 🚀', '{"json":["a\\tb"]}'];
      const rows = notes.map((note, i) => [`n${i}`, i, i % 2 === 0, note]);
      expect(await writes.run((w) => w.insert('t_log', ['id', 'n', 'flag', 'note'], rows, { ignoreConflictOn: 'id' }))).toEqual(notes.map(() => true));
      const stored = await storage.knex('t_log').select('id', 'n', 'flag', 'note').orderBy('n');
      expect(stored.map((r) => [r.id, r.n, Boolean(r.flag), r.note])).toEqual(rows);
    });

    it('increments existing rows and creates missing ones', async () => {
      const { storage, writes } = await fixture();
      await writes.run((w) => w.increment('t_sum', ['k', 'day'], ['total', 'calls'], [['k1', 'd1', 5, 1]]));
      await writes.run((w) => w.increment('t_sum', ['k', 'day'], ['total', 'calls'], [['k1', 'd1', 7, 2], ['k2', 'd1', 1, 1]]));
      const rows = await storage.knex('t_sum').select('k', 'total', 'calls').orderBy('k');
      expect(rows.map((r) => [r.k, Number(r.total), Number(r.calls)])).toEqual([['k1', 12, 3], ['k2', 1, 1]]);
    });

    it('writes nothing of a batch whose function throws, and keeps working', async () => {
      const { storage, writes } = await fixture();
      await expect(
        writes.run(async (w) => {
          await w.insert('t_log', ['id', 'n'], [['a', 1]]);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(0);
      await writes.run((w) => w.insert('t_log', ['id', 'n'], [['b', 2]]));
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(1);
    });

    it('rolls back a batch whose statement fails, with the database error', async () => {
      const { storage, writes } = await fixture();
      await expect(
        writes.run(async (w) => {
          await w.insert('t_log', ['id', 'n'], [['a', 1]]);
          await w.insert('t_log', ['id', 'n'], [['a', 2]]); // primary key violation, no ignoreConflictOn
        }),
      ).rejects.toThrow(/unique|duplicate/i);
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(0);
      await expect(writes.run((w) => w.insert('no_such_table', ['id'], [['a']]))).rejects.toThrow(/no_such_table/);
      expect(await writes.run((w) => w.insert('t_log', ['id', 'n'], [['z', 26]]))).toEqual([true]);
    });

    it('serialises concurrent batches and interleaves them with ordinary queries', async () => {
      const { storage, writes } = await fixture();
      const batches = Array.from({ length: 10 }, (_, b) =>
        writes.run(async (w) => {
          await w.insert('t_log', ['id', 'n'], Array.from({ length: 50 }, (_, i) => [`${b}-${i}`, i]), { ignoreConflictOn: 'id' });
          await w.increment('t_sum', ['k', 'day'], ['total', 'calls'], [['all', 'd', 50, 1]]);
        }),
      );
      const reads = Array.from({ length: 10 }, () => storage.knex('t_log').count({ n: '*' }));
      const direct = storage.knex('t_sum').insert({ k: 'direct', day: 'd', total: 1, calls: 1 });
      await Promise.all([...batches, ...reads, direct]);
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(500);
      const sums = await storage.knex('t_sum').select('k', 'total', 'calls').orderBy('k');
      expect(sums.map((r) => [r.k, Number(r.total), Number(r.calls)])).toEqual([['all', 500, 10], ['direct', 1, 1]]);
    });

    it('handles batches larger than one statement can bind', async () => {
      const { storage, writes } = await fixture();
      const rows = Array.from({ length: 20_000 }, (_, i) => [`r${i}`, i]);
      const took = await writes.run((w) => w.insert('t_log', ['id', 'n'], rows, { ignoreConflictOn: 'id' }));
      expect(took.filter(Boolean)).toHaveLength(20_000);
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(20_000);
    });
  });
}

batchContract('SQLite file (writer thread)', async () => {
  const dataDir = join(tempRoot, String(++tempCount));
  const storage = openStorage({ dataDir });
  const writes = batchWriteRunner(storage.knex, 'sqlite', { sqliteFile: storage.location, sqlitePragmas: SQLITE_PRAGMAS });
  return { storage, writes, dispose: async () => (await writes.close(), await storage.close()) };
});

batchContract('SQLite in memory (main thread)', async () => {
  const storage = openStorage({ databaseUrl: 'sqlite::memory:', dataDir: tempRoot });
  const writes = batchWriteRunner(storage.knex, 'sqlite', { sqliteFile: storage.location, sqlitePragmas: SQLITE_PRAGMAS });
  return { storage, writes, dispose: async () => (await writes.close(), await storage.close()) };
});

describe.skipIf(!backends.postgres)(`postgres (${backends.skipReason.postgres ?? 'available'})`, () => {
  batchContract('Postgres', async () => {
    const schema = await createPostgresSchema(backends.postgres!);
    const storage = openStorage({ databaseUrl: schema.url, dataDir: tempRoot });
    const writes = batchWriteRunner(storage.knex, 'postgres');
    return {
      storage,
      writes,
      dispose: async () => {
        await writes.close();
        await storage.close();
        await schema.drop();
      },
    };
  });
});

describe.skipIf(!backends.postgres)('Postgres batch writes through an outage', () => {
  it('a batch whose server connection dies mid-COPY is rolled back, and the next batch writes on a fresh connection', async () => {
    const schema = await createPostgresSchema(backends.postgres!);
    const storage = openStorage({ databaseUrl: schema.url, dataDir: tempRoot });
    const writes = batchWriteRunner(storage.knex, 'postgres');
    try {
      await withTables(storage);
      // Another transaction holds the table: the batch's COPY waits on it, then its backend is killed.
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding = () => {};
      const held = new Promise<void>((resolve) => (holding = resolve));
      const locked = storage.knex.transaction(async (trx) => {
        await trx.raw('LOCK TABLE t_log IN ACCESS EXCLUSIVE MODE');
        holding();
        await released;
      });
      await held;
      const batch = writes.run((w) => w.insert('t_log', ['id', 'n'], [['a', 1], ['b', 2]]));
      // Observed at once: the batch may fail before pg_terminate_backend's own reply is read, and a
      // rejection nobody is listening to yet is reported as unhandled.
      const outcome = batch.then(
        () => new Error('the batch committed'),
        (err: unknown) => err,
      );
      const copying = async () =>
        (await storage.knex.raw(`SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY "t_log"%' AND wait_event_type = 'Lock'`)).rows as { pid: number }[];
      let pids: { pid: number }[] = [];
      for (let i = 0; i < 100 && pids.length === 0; i++) {
        pids = await copying();
        if (pids.length === 0) await new Promise((r) => setTimeout(r, 25));
      }
      expect(pids).toHaveLength(1);
      await storage.knex.raw('SELECT pg_terminate_backend(?)', [pids[0]!.pid]);
      expect(String(await outcome)).toMatch(/terminat|connection/i);
      release();
      await locked;
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(0);
      for (let i = 0; i < 3; i++) await writes.run((w) => w.insert('t_log', ['id', 'n'], [[`x${i}`, i]], { ignoreConflictOn: 'id' }));
      expect(await writes.run((w) => w.insert('t_log', ['id', 'n'], [['a', 1], ['x1', 1]], { ignoreConflictOn: 'id' }))).toEqual([true, false]);
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(4);
    } finally {
      await writes.close();
      await storage.close();
      await schema.drop();
    }
  });
});

describe.skipIf(!backends.postgres)('Postgres batch writes of text it cannot hold', () => {
  it('stores a NUL character as U+FFFD in inserts and increments, instead of failing the batch on every retry', async () => {
    const schema = await createPostgresSchema(backends.postgres!);
    const storage = openStorage({ databaseUrl: schema.url, dataDir: tempRoot });
    const writes = batchWriteRunner(storage.knex, 'postgres');
    try {
      await withTables(storage);
      await writes.run(async (w) => {
        await w.insert('t_log', ['id', 'n', 'note'], [['nul\u0000id', 1, 'a\u0000b']], { ignoreConflictOn: 'id' });
        await w.increment('t_sum', ['k', 'day'], ['total', 'calls'], [['k\u0000', 'd', 1, 1]]);
      });
      expect(await storage.knex('t_log').select('id', 'note')).toEqual([{ id: 'nul\uFFFDid', note: 'a\uFFFDb' }]);
      expect((await storage.knex('t_sum').select('k')).map((r) => r.k)).toEqual(['k\uFFFD']);
    } finally {
      await writes.close();
      await storage.close();
      await schema.drop();
    }
  });
});

describe('the SQLite writer thread', () => {
  it('starts on the first batch, stops on close, and a closed runner starts a new one', async () => {
    const storage = openStorage({ dataDir: join(tempRoot, String(++tempCount)) });
    try {
      await withTables(storage);
      const writes = batchWriteRunner(storage.knex, 'sqlite', { sqliteFile: storage.location, sqlitePragmas: SQLITE_PRAGMAS });
      await writes.run((w) => w.insert('t_log', ['id', 'n'], [['a', 1]]));
      await writes.close();
      await writes.run((w) => w.insert('t_log', ['id', 'n'], [['b', 2]]));
      await writes.close();
      expect(Number((await storage.knex('t_log').count({ n: '*' }))[0]!.n)).toBe(2);
    } finally {
      await storage.close();
    }
  });
});
