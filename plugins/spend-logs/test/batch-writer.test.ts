/** The SDK's durable batch writer: batching, retry through an outage, spill file across restarts, close. */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BatchWriter } from '@sluice/plugin-sdk/node';
import type { Logger } from '@sluice/plugin-sdk';
import { tempDir } from '../../../test/support/gateway.js';

interface Line {
  level: string;
  msg: string;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? '') });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

/** A "database" that fails while `down` is true and records every row it accepted. */
function fakeDb() {
  const db = {
    down: false,
    rows: [] as number[],
    batches: [] as number[],
    calls: 0,
    async write(rows: number[]) {
      db.calls++;
      await new Promise((r) => setImmediate(r));
      if (db.down) throw new Error('connection refused');
      db.batches.push(rows.length);
      db.rows.push(...rows);
    },
  };
  return db;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('BatchWriter', () => {
  it('push never writes inline; a full batch is written at once, a partial one waits for the interval', async () => {
    const db = fakeDb();
    const w = new BatchWriter<number>({ name: 't', write: db.write, dataDir: tempDir(), log: recordingLogger([]), intervalMs: 60_000, maxBatch: 500 });
    for (const n of range(0, 1200)) w.push(n);
    expect(db.calls).toBe(0);
    await until(() => db.rows.length === 1200);
    expect(db.batches).toEqual([500, 500, 200]);
    for (const n of range(1200, 10)) w.push(n);
    await new Promise((r) => setTimeout(r, 50));
    expect(db.rows).toHaveLength(1200); // under a batch: waits for the timer
    await w.flush(); // what the timer does
    expect(db.rows).toEqual(range(0, 1210));
    await w.close();
  });

  it('keeps rows through a failing database and delivers each once when it recovers; logs the outage once', async () => {
    const db = fakeDb();
    const lines: Line[] = [];
    const w = new BatchWriter<number>({ name: 't', write: db.write, dataDir: tempDir(), log: recordingLogger(lines), intervalMs: 20, maxBatch: 50, retryMinMs: 10, retryMaxMs: 40 });
    db.down = true;
    for (const n of range(0, 120)) w.push(n);
    await until(() => db.calls >= 5);
    expect(db.rows).toEqual([]);
    expect(w.stats.queued).toBe(120);
    expect(w.stats.failing).toBe(true);
    db.down = false;
    await until(() => db.rows.length === 120);
    expect(db.rows).toEqual(range(0, 120));
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'info' && /recovered/.test(l.msg))).toHaveLength(1);
    await w.close();
  });

  it('spills past max_queued, keeps the rest at shutdown, and a new instance replays them once the database is back', async () => {
    const dir = tempDir();
    const db = fakeDb();
    db.down = true;
    const first = new BatchWriter<number>({ name: 't', write: db.write, dataDir: dir, log: recordingLogger([]), intervalMs: 20, maxBatch: 10, maxQueued: 30, retryMinMs: 5 });
    for (const n of range(0, 100)) first.push(n);
    expect(first.stats.queued).toBe(30);
    await first.close();
    expect(first.stats.spilled).toBe(100);
    expect(db.rows).toEqual([]);
    expect(readdirSync(dir)).toEqual(['t.spill.jsonl']);

    // Still down on the next start: nothing is lost, nothing is written twice later.
    const second = new BatchWriter<number>({ name: 't', write: db.write, dataDir: dir, log: recordingLogger([]), intervalMs: 20, maxBatch: 10, retryMinMs: 5 });
    second.push(1000);
    await until(() => db.calls >= 3);
    db.down = false;
    await until(() => db.rows.length === 101);
    expect([...db.rows].sort((a, b) => a - b)).toEqual([...range(0, 100), 1000]);
    expect(second.stats.replayed).toBe(100);
    // The replayed file is removed right after its last row is written.
    await until(() => !existsSync(`${dir}/t.spill.jsonl`) && !existsSync(`${dir}/t.replay.jsonl`));
    await second.close();
    expect(db.rows).toHaveLength(101);
  });

  it('close writes everything still queued', async () => {
    const db = fakeDb();
    const w = new BatchWriter<number>({ name: 't', write: db.write, dataDir: tempDir(), log: recordingLogger([]), intervalMs: 60_000, maxBatch: 1000 });
    for (const n of range(0, 2500)) w.push(n);
    await w.close();
    expect(db.rows).toEqual(range(0, 2500));
    expect(() => w.push(1)).toThrow(/closed/);
  });
});
