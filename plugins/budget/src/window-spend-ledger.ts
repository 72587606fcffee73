/**
 * Settled window spend, persisted. Settlements add to an in-memory batch that is written in one
 * upsert every `flushIntervalMs` and on close; a batch the database refuses goes back into the
 * queue and is retried on the next tick, so spend is never dropped by a database outage. Reads
 * (seeding a counter) and flushes take turns, so a read never counts a batch twice or not at all.
 */
import type { Knex } from 'knex';
import type { Logger } from '@sluice/plugin-sdk';
import type { WindowRef } from './budget-limits.js';
import { WINDOW_SPEND_TABLE } from './migrations.js';

interface PendingRow extends WindowRef {
  amount: number;
}

const ROWS_PER_STATEMENT = 500;
/** Rows of windows that ended this long ago are deleted: no counter will be seeded from them again. */
const KEEP_ENDED_WINDOWS_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
const CLOSE_ATTEMPTS = 5;
const CLOSE_RETRY_MS = 200;

const rowKey = (r: WindowRef): string => `${r.kind}\u0000${r.id}\u0000${r.model}\u0000${r.windowStart}`;

export class WindowSpendLedger {
  private pending = new Map<string, PendingRow>();
  /** Serialises flushes and reads. */
  private turn: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private lastPrune = 0;

  constructor(
    private readonly knex: Knex,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  start(intervalMs: number, onTick?: () => void): void {
    this.timer = setInterval(() => {
      onTick?.();
      void this.flush();
    }, intervalMs);
    this.timer.unref();
  }

  add(ref: WindowRef, amount: number): void {
    if (!(amount > 0)) return;
    const k = rowKey(ref);
    const row = this.pending.get(k);
    if (row) row.amount += amount;
    else this.pending.set(k, { kind: ref.kind, id: ref.id, model: ref.model, windowStart: ref.windowStart, windowEnd: ref.windowEnd, amount });
  }

  /** Spend recorded for a window: the database's plus what this instance has not written yet. */
  spendOf(ref: WindowRef): Promise<number> {
    return this.inTurn(async () => {
      const row = await this.knex(WINDOW_SPEND_TABLE)
        .where({ scope_kind: ref.kind, scope_id: ref.id, model: ref.model, window_start: ref.windowStart })
        .first('spend');
      return Number(row?.spend ?? 0) + (this.pending.get(rowKey(ref))?.amount ?? 0);
    });
  }

  /** Writes the queued spend; true when nothing is left queued. */
  flush(): Promise<boolean> {
    return this.inTurn(() => this.writeBatch());
  }

  /** Stops the timer and writes what is left, retrying a few times; what still fails is logged. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (let attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt++) {
      if (await this.flush()) return;
      if (attempt < CLOSE_ATTEMPTS) await new Promise((r) => setTimeout(r, CLOSE_RETRY_MS));
    }
    const rows = [...this.pending.values()];
    this.log.error(
      { windows: rows.length, spend: rows.reduce((s, r) => s + r.amount, 0), rows: rows.slice(0, 20) },
      'budget window spend could not be written to the database before shutdown; a restarted instance will not count it',
    );
  }

  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async writeBatch(): Promise<boolean> {
    if (this.pending.size === 0) return true;
    const batch = this.pending;
    this.pending = new Map();
    const at = this.now();
    const rows = [...batch.values()].map((r) => ({
      scope_kind: r.kind,
      scope_id: r.id,
      model: r.model,
      window_start: r.windowStart,
      window_end: r.windowEnd,
      spend: r.amount,
      updated_at: at,
    }));
    try {
      await this.knex.transaction(async (trx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          await trx(WINDOW_SPEND_TABLE)
            .insert(rows.slice(i, i + ROWS_PER_STATEMENT))
            .onConflict(['scope_kind', 'scope_id', 'model', 'window_start'])
            .merge({ spend: trx.raw('??.?? + excluded.??', [WINDOW_SPEND_TABLE, 'spend', 'spend']), updated_at: trx.raw('excluded.??', ['updated_at']) });
        }
      });
    } catch (err) {
      // Back into the queue, merged with what settled meanwhile; the next tick retries.
      for (const [k, r] of batch) {
        const later = this.pending.get(k);
        if (later) later.amount += r.amount;
        else this.pending.set(k, r);
      }
      if (!this.failing) this.log.warn({ err: (err as Error).message, windows: batch.size }, 'could not write budget window spend; kept in memory and retried');
      this.failing = true;
      return false;
    }
    if (this.failing) this.log.info({ windows: batch.size }, 'budget window spend written again after a database error');
    this.failing = false;
    await this.prune(at);
    return this.pending.size === 0;
  }

  private async prune(at: number): Promise<void> {
    if (at - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = at;
    await this.knex(WINDOW_SPEND_TABLE)
      .where('window_end', '<', at - KEEP_ENDED_WINDOWS_MS)
      .delete()
      .catch((err: Error) => this.log.warn({ err: err.message }, 'could not prune ended budget windows'));
  }
}
