/**
 * The live view of window spend: counters (in-process, or Redis shared by every instance) hold
 * each window's settled spend plus the estimates of calls in flight. A counter is seeded from the
 * database the first time anyone touches it — once across instances, with a counters lock as the
 * once-marker — so a restart (in-process counters) or a flushed Redis starts from what was spent.
 */
import type { Counters, Logger } from '@sluice/plugin-sdk';
import { counterTtl, markerTtl, type BudgetLimit, type WindowRef } from './budget-limits.js';
import type { WindowSpendLedger } from './window-spend-ledger.js';

/** How long this instance trusts that a counter is seeded before it checks the marker again (a Redis that lost its data). */
const RECHECK_MS = 60_000;
/** How long an instance waits for another one that is seeding the same counter. */
const SEED_WAIT_MS = 1_000;
const SEED_POLL_MS = 25;
/**
 * How long the call holding a window's last slice keeps other calls from taking a slice. Released
 * when it settles; the TTL only matters for an instance that died with the call in flight.
 */
const SLICE_HOLD_MS = 10 * 60_000;

const sliceLockKey = (key: string): string => `budget:slice:${key}`;

/** What a call reserved on one limit: the amount, and the slice lock when it holds the window's last slice. */
export interface Held {
  amount: number;
  sliceLock?: string;
}

export interface Refusal {
  limit: BudgetLimit;
  /** The window's spend and reservations when it refused. */
  value: number;
}

export class WindowCounters {
  /** Counter key → when to check its marker again. */
  private readonly seeded = new Map<string, number>();
  private readonly seeding = new Map<string, Promise<void>>();

  constructor(
    private readonly counters: Counters,
    private readonly ledger: WindowSpendLedger,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Resolves once `key` holds the window's recorded spend; undefined when it already does (no promise on the hot path). */
  ensureSeeded(key: string, ref: WindowRef): Promise<void> | undefined {
    const now = this.now();
    const until = this.seeded.get(key);
    if (until !== undefined && until > now) return undefined;
    let pending = this.seeding.get(key);
    if (!pending) {
      pending = this.seed(key, ref, now).finally(() => this.seeding.delete(key));
      this.seeding.set(key, pending);
    }
    return pending;
  }

  /**
   * Reserves `estimate` on every hard budget, all or nothing, and resolves to what each limit
   * holds (amount 0 for limits without a hard budget) or to the first refusal (in scope order),
   * after what the others reserved is given back.
   *
   * A call is admitted while the window's spend plus reservations is under the budget, as in
   * LiteLLM ("spend so far < budget"): when the whole estimate no longer fits, the call reserves
   * what is left of the budget instead. Only one call at a time may hold such a slice (a lock
   * per window, shared through the counters): a slice can be smaller than the call's cost, and
   * slices taken one after another as other calls settle would each go past the budget. So spend
   * passes a budget by at most one call's excess over its reservation.
   */
  async reserve(limits: readonly BudgetLimit[], estimate: number): Promise<{ held: Held[] } | { refusal: Refusal }> {
    const waits: Promise<void>[] = [];
    for (const l of limits) {
      if (l.maxBudget === null) continue;
      const w = this.ensureSeeded(l.key, l);
      if (w) waits.push(w);
    }
    if (waits.length > 0) await Promise.all(waits);
    const now = this.now();
    const results = await Promise.all(
      limits.map(async (l): Promise<{ ok: boolean; value: number; held: Held } | undefined> => {
        if (l.maxBudget === null) return undefined;
        // An unpriced model reserves nothing: then the check is LiteLLM's "spend so far < budget".
        if (estimate === 0) return this.counters.get(l.key).then((value) => ({ ok: value < l.maxBudget!, value, held: { amount: 0 } }));
        const whole = await this.counters.reserve(l.key, estimate, l.maxBudget, counterTtl(l, now));
        if (whole.ok || whole.value >= l.maxBudget) return { ...whole, held: { amount: whole.ok ? estimate : 0 } };
        return this.reserveSlice(l, whole.value, now);
      }),
    );
    const refused = results.findIndex((r) => r !== undefined && !r.ok);
    if (refused === -1) return { held: results.map((r) => r?.held ?? { amount: 0 }) };
    await Promise.all(results.map((r, i) => (r?.ok ? this.giveBack(limits[i]!, r.held) : undefined)));
    return { refusal: { limit: limits[refused]!, value: results[refused]!.value } };
  }

  /** What is left of the budget, for the one call that holds the window's slice lock; refused while another holds it or took the rest. */
  private async reserveSlice(l: BudgetLimit, seen: number, now: number): Promise<{ ok: boolean; value: number; held: Held }> {
    const lock = await this.counters.acquireLock(sliceLockKey(l.key), SLICE_HOLD_MS);
    if (lock === null) return { ok: false, value: seen, held: { amount: 0 } };
    const rest = l.maxBudget! - seen;
    const slice = await this.counters.reserve(l.key, rest, l.maxBudget!, counterTtl(l, now));
    if (slice.ok) return { ...slice, held: { amount: rest, sliceLock: lock } };
    await this.counters.releaseLock(sliceLockKey(l.key), lock);
    return { ...slice, held: { amount: 0 } };
  }

  private async giveBack(limit: BudgetLimit, held: Held): Promise<void> {
    if (held.amount > 0) await this.counters.incrBy(limit.key, -held.amount);
    if (held.sliceLock !== undefined) await this.counters.releaseLock(sliceLockKey(limit.key), held.sliceLock);
  }

  /** Replaces a call's reservation by its actual cost, then lets the next call take a slice (it sees this cost). */
  async settle(limit: BudgetLimit, held: Held, cost: number): Promise<void> {
    const delta = cost - held.amount;
    try {
      if (delta !== 0) await this.counters.incrBy(limit.key, delta, counterTtl(limit, this.now()));
    } finally {
      if (held.sliceLock !== undefined) await this.counters.releaseLock(sliceLockKey(limit.key), held.sliceLock);
    }
  }

  /** Adds settled spend to a counter of its own (soft budgets alert on spend, not on reservations); returns the window's spend. */
  async addSettled(key: string, ref: WindowRef, cost: number): Promise<number> {
    await this.ensureSeeded(key, ref);
    return this.counters.incrBy(key, cost, counterTtl(ref, this.now()));
  }

  /** Forgets counters whose recheck time passed (they are looked at again on their next use). */
  prune(): void {
    const now = this.now();
    for (const [key, until] of this.seeded) if (until <= now) this.seeded.delete(key);
  }

  private async seed(key: string, ref: WindowRef, now: number): Promise<void> {
    const marker = `budget:seeded:${key}`;
    const done = `budget:seed-done:${key}`;
    const ttl = markerTtl(ref, now);
    const token = await this.counters.acquireLock(marker, ttl);
    if (token !== null) {
      try {
        const spend = await this.ledger.spendOf(ref);
        if (spend > 0) await this.counters.incrBy(key, spend, counterTtl(ref, now));
        await this.counters.incrBy(done, 1, ttl);
      } catch (err) {
        // Let the next call try again rather than run against an unseeded counter.
        await this.counters.releaseLock(marker, token).catch(() => undefined);
        throw err;
      }
    } else {
      await this.awaitSeed(done, key);
    }
    this.seeded.set(key, Math.min(now + RECHECK_MS, ref.windowEnd ?? Infinity));
  }

  /** Another instance holds the marker: wait (briefly) until its seed is in the counter. */
  private async awaitSeed(done: string, key: string): Promise<void> {
    const deadline = this.now() + SEED_WAIT_MS;
    while ((await this.counters.get(done)) < 1) {
      if (this.now() >= deadline) {
        this.log.warn({ counter: key }, 'another instance took long to seed a budget counter; going on without waiting');
        return;
      }
      await new Promise((r) => setTimeout(r, SEED_POLL_MS));
    }
  }
}
