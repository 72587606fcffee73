/**
 * Runs limit checks against the shared counters, gives back what a refused call took, and settles
 * what an admitted call reserved. Every step is one atomic counters operation (a Lua script on
 * Redis), so concurrent gateways never read-then-write.
 *
 * - requests: a fixed one-minute window; the hit itself is the check (admitted ⇔ counted).
 * - tokens: the minute's count is only read before the call (the call's size is unknown until it
 *   ends) and the actual tokens are added after it; a call is refused once the minute is used up.
 * - max_parallel_requests: a slot is reserved before the call and released after it. Slots live
 *   in buckets of `slotTtlMs` (key expiry two buckets), so a slot whose release was lost (a
 *   gateway crashed mid-call) frees itself; a call counts against the limit in its bucket and the
 *   next, which is why the previous bucket is read alongside the reservation.
 */
import type { Counters } from '@sluice/plugin-sdk';
import type { LimitCheck } from './limit-checks.js';

export const WINDOW_MS = 60_000;

/** What a call holds on one limit: given back on refusal, settled after the call. */
export type Taken = { kind: 'hit'; key: string; windowEnd: number } | { kind: 'slot'; key: string };

export interface CheckOutcome {
  check: LimitCheck;
  /** False when the counters failed: the call was admitted unchecked and nothing is known of this limit. */
  counted: boolean;
  allowed: boolean;
  /** Requests counted this minute including this call, tokens counted this minute, or calls in flight including this one. */
  used: number;
  /** Milliseconds until the limit frees up: the minute's end, or a retry hint for parallel slots. */
  resetMs: number;
  taken: Taken | undefined;
}

/** A parallel slot frees when some call ends: there is no window to wait for. */
const PARALLEL_RETRY_MS = 1_000;

export class LimitCounting {
  constructor(
    private readonly counters: Counters,
    private readonly slotTtlMs: number,
    private readonly onCountersError: (err: unknown) => void,
  ) {}

  /** Checks every limit at once. A check whose counters call fails admits (fail-open) and holds nothing. */
  checkAll(checks: readonly LimitCheck[], now: number): Promise<CheckOutcome[]> {
    return Promise.all(
      checks.map((check) =>
        this.check(check, now).catch((err: unknown): CheckOutcome => {
          this.onCountersError(err);
          return { check, counted: false, allowed: true, used: 0, resetMs: WINDOW_MS, taken: undefined };
        }),
      ),
    );
  }

  private async check(check: LimitCheck, now: number): Promise<CheckOutcome> {
    const { counters } = this;
    if (check.type === 'requests') {
      const hit = await counters.hit(check.key, WINDOW_MS, 1, check.limit);
      const taken: Taken | undefined = hit.allowed ? { kind: 'hit', key: check.key, windowEnd: now + hit.resetMs } : undefined;
      return { check, counted: true, allowed: hit.allowed, used: hit.count, resetMs: hit.resetMs, taken };
    }
    if (check.type === 'tokens') {
      const peek = await counters.peekWindow(check.key, WINDOW_MS);
      return { check, counted: true, allowed: peek.count < check.limit, used: peek.count, resetMs: peek.resetMs, taken: undefined };
    }
    const bucket = Math.floor(now / this.slotTtlMs);
    const current = `${check.key}:b${bucket}`;
    const [reservation, previous] = await Promise.all([
      counters.reserve(current, 1, check.limit, 2 * this.slotTtlMs),
      counters.get(`${check.key}:b${bucket - 1}`),
    ]);
    const inFlight = reservation.value + Math.max(0, previous) + (reservation.ok ? 0 : 1);
    return {
      check,
      counted: true,
      allowed: reservation.ok && inFlight <= check.limit,
      used: inFlight,
      resetMs: PARALLEL_RETRY_MS,
      taken: reservation.ok ? { kind: 'slot', key: current } : undefined,
    };
  }

  /**
   * Gives back what a refused call took. A request hit is given back only within its own minute:
   * the next minute's count never included it.
   */
  async giveBack(outcomes: readonly CheckOutcome[]): Promise<void> {
    const now = Date.now();
    const undo: Promise<unknown>[] = [];
    for (const o of outcomes) {
      const t = o.taken;
      if (t?.kind === 'hit' && now < t.windowEnd) undo.push(this.counters.hit(t.key, WINDOW_MS, -1, Infinity));
      else if (t?.kind === 'slot') undo.push(this.release(t.key));
    }
    await Promise.all(undo.map((p) => p.catch(this.onCountersError)));
  }

  release(slotKey: string): Promise<number> {
    return this.counters.incrBy(slotKey, -1, 2 * this.slotTtlMs);
  }

  addTokens(key: string, tokens: number): Promise<unknown> {
    return this.counters.hit(key, WINDOW_MS, tokens, Infinity);
  }
}
