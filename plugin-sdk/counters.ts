/**
 * Shared counters: rate windows, budgets, locks and pub/sub. In-process by default; Redis when
 * `REDIS_URL` is set so that many gateway instances share one view. Every operation is atomic on
 * its backend (Redis: one Lua script or one command, never read-then-write).
 */

export interface WindowHit {
  /** True when the hit was admitted (count stayed within `limit`). Refused hits are not counted. */
  allowed: boolean;
  /** Count in the current window after this call. */
  count: number;
  /** Milliseconds until the current window resets. */
  resetMs: number;
}

export interface Reservation {
  /** True when `amount` fitted under `limit` and was added. */
  ok: boolean;
  /** Value after the call (unchanged when refused). */
  value: number;
}

export type Unsubscribe = () => Promise<void>;

export interface Counters {
  /** `memory` or `redis`. */
  readonly kind: 'memory' | 'redis';

  /**
   * Fixed-window counter: adds `cost` to `key` in the window of `windowMs` if the result stays
   * `<= limit`; a limit of `Infinity` always admits.
   */
  hit(key: string, windowMs: number, cost: number, limit: number): Promise<WindowHit>;
  /** Current count of a window without changing it. */
  peekWindow(key: string, windowMs: number): Promise<WindowHit>;

  /** Adds `amount` (may be fractional or negative) to a numeric value; returns the new value. */
  incrBy(key: string, amount: number, ttlMs?: number): Promise<number>;
  /** Reads a numeric value (0 when absent). */
  get(key: string): Promise<number>;
  /** Adds `amount` only when the result stays `<= limit` (budget reservation). */
  reserve(key: string, amount: number, limit: number, ttlMs?: number): Promise<Reservation>;
  /** Removes a key of any kind. */
  del(key: string): Promise<void>;

  /** Takes a lock for `ttlMs`; returns a token to release it, or null when someone else holds it. */
  acquireLock(key: string, ttlMs: number): Promise<string | null>;
  /** Releases a lock only if `token` still owns it; returns whether it did. */
  releaseLock(key: string, token: string): Promise<boolean>;

  /** Publishes a message to every subscriber of `channel`, on every instance. */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes to `channel`; resolves once the subscription is active. */
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;

  /** Backend reachability, for /health/readiness. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
