/**
 * Runs a purge periodically on one instance at a time. The lock is held for most of the interval
 * after a successful run, so when many instances share Redis the purge runs about once per
 * interval cluster-wide rather than once per instance.
 */
import type { Logger } from './capabilities.js';
import type { Counters } from './counters.js';

export interface PeriodicPurge {
  /** Runs now (if the lock is free); resolves to the rows deleted, or undefined when skipped. */
  runOnce(): Promise<number | undefined>;
  /** Stops the timers and waits for a run in progress. */
  stop(): Promise<void>;
}

/** A purge timer must not keep the process alive (typed loosely: the SDK is also compiled without Node's types). */
function unref(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

/** setInterval treats anything above 2^31-1 ms as 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function periodicPurge(opts: {
  name: string;
  intervalMs: number;
  counters: Counters;
  log: Logger;
  purge(): Promise<number>;
}): PeriodicPurge {
  const lockKey = `${opts.name}:retention-lock`;
  let running: Promise<number | undefined> | undefined;
  const runOnce = (): Promise<number | undefined> => {
    running ??= (async () => {
      // Counters that are down (or already closed by a gateway shutting down) skip this round.
      const token = await opts.counters.acquireLock(lockKey, Math.max(1000, Math.floor(opts.intervalMs * 0.9))).catch(() => null);
      if (token === null) return undefined;
      try {
        const deleted = await opts.purge();
        if (deleted > 0) opts.log.info({ deleted }, `${opts.name}: retention purge deleted old rows`);
        return deleted;
      } catch (err) {
        await opts.counters.releaseLock(lockKey, token).catch(() => false);
        opts.log.warn({ err: (err as Error).message }, `${opts.name}: retention purge failed; retried at the next interval`);
        return undefined;
      }
    })().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void runOnce(), Math.min(opts.intervalMs, MAX_TIMER_MS));
  unref(timer);
  // The first run shortly after start, so a gateway restarted often still purges.
  const first = setTimeout(() => void runOnce(), 1000);
  unref(first);
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      clearTimeout(first);
      await running;
    },
  };
}
