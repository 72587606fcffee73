import { randomUUID } from 'node:crypto';
import type { Counters, Reservation, Unsubscribe, WindowHit } from './counters.js';

/** How often expired entries are swept when nobody reads them. */
const SWEEP_INTERVAL_MS = 30_000;
/**
 * Tolerance of budget comparisons: fifty reservations of 0.01 add up to 0.5000000000000002 in
 * binary floating point, and must still fit a limit of 0.5.
 */
const LIMIT_EPSILON = 1e-9;

interface Entry {
  /** A number for counters and windows, a token for locks. */
  value: number | string;
  expiresAt: number | undefined;
}

/**
 * What several `MemoryCounters` share when they stand for instances of one deployment (tests,
 * the test kernel): the keyspace and the channels. Redis plays this role across processes.
 */
export interface MemoryCountersState {
  entries: Map<string, Entry>;
  channels: Map<string, Set<(message: string) => void>>;
}

export function createMemoryCountersState(): MemoryCountersState {
  return { entries: new Map(), channels: new Map() };
}

/** Counters held in this process: correct for one gateway instance, shared by none. */
export class MemoryCounters implements Counters {
  readonly kind = 'memory' as const;
  private readonly entries: Map<string, Entry>;
  private readonly channels: Map<string, Set<(message: string) => void>>;
  private readonly ownHandlers = new Set<{ channel: string; handler: (message: string) => void }>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(opts: { state?: MemoryCountersState } = {}) {
    const state = opts.state ?? createMemoryCountersState();
    this.entries = state.entries;
    this.channels = state.channels;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref(); // never keep the process alive for housekeeping
  }

  async hit(key: string, windowMs: number, cost: number, limit: number): Promise<WindowHit> {
    this.checkOpen();
    checkFinite('cost', cost);
    const { windowKey, resetMs } = windowOf(key, windowMs);
    const count = this.numberAt(windowKey);
    if (count + cost > limit) return { allowed: false, count, resetMs };
    this.entries.set(windowKey, { value: count + cost, expiresAt: Date.now() + resetMs });
    return { allowed: true, count: count + cost, resetMs };
  }

  /** `allowed` is always true: a peek refuses nothing. */
  async peekWindow(key: string, windowMs: number): Promise<WindowHit> {
    this.checkOpen();
    const { windowKey, resetMs } = windowOf(key, windowMs);
    return { allowed: true, count: this.numberAt(windowKey), resetMs };
  }

  async incrBy(key: string, amount: number, ttlMs?: number): Promise<number> {
    this.checkOpen();
    checkFinite('amount', amount);
    return this.add(key, amount, ttlMs);
  }

  async get(key: string): Promise<number> {
    this.checkOpen();
    return this.numberAt(key);
  }

  async reserve(key: string, amount: number, limit: number, ttlMs?: number): Promise<Reservation> {
    this.checkOpen();
    checkFinite('amount', amount);
    const value = this.numberAt(key);
    if (value + amount > limit + LIMIT_EPSILON * Math.max(1, Math.abs(limit))) return { ok: false, value };
    return { ok: true, value: this.add(key, amount, ttlMs) };
  }

  async del(key: string): Promise<void> {
    this.checkOpen();
    this.entries.delete(key);
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | null> {
    this.checkOpen();
    checkLockTtl(ttlMs);
    if (this.live(key)) return null;
    const token = randomUUID();
    this.entries.set(key, { value: token, expiresAt: Date.now() + ttlMs });
    return token;
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    this.checkOpen();
    if (this.live(key)?.value !== token) return false;
    this.entries.delete(key);
    return true;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.checkOpen();
    for (const handler of this.channels.get(channel) ?? []) {
      // Deliver later, as a network hop would: a handler must never run inside publish().
      queueMicrotask(() => deliver(channel, handler, message));
    }
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    this.checkOpen();
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const subscription = { channel, handler: (message: string) => handler(message) };
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    handlers.add(subscription.handler);
    this.ownHandlers.add(subscription);
    return async () => this.unsubscribe(subscription);
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const subscription of [...this.ownHandlers]) this.unsubscribe(subscription);
  }

  private unsubscribe(subscription: { channel: string; handler: (message: string) => void }): void {
    this.ownHandlers.delete(subscription);
    const handlers = this.channels.get(subscription.channel);
    handlers?.delete(subscription.handler);
    if (handlers?.size === 0) this.channels.delete(subscription.channel);
  }

  /** Adds to a counter; a TTL is set when the key is created and never extended. */
  private add(key: string, amount: number, ttlMs: number | undefined): number {
    const entry = this.live(key);
    const value = toNumber(key, entry) + amount;
    const expiresAt = entry ? entry.expiresAt : ttlMs === undefined ? undefined : Date.now() + ttlMs;
    this.entries.set(key, { value, expiresAt });
    return value;
  }

  private numberAt(key: string): number {
    return toNumber(key, this.live(key));
  }

  /** The entry at `key` unless it expired (expired entries are dropped on sight). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(key);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('MemoryCounters is closed');
  }
}

/**
 * The key of the fixed window containing now, and the time left in it. Windows are aligned to
 * multiples of `windowMs` since the epoch so every instance agrees on where a window starts;
 * the window length is part of the key so two limits on one key never share a count.
 */
export function windowOf(key: string, windowMs: number, now = Date.now()): { windowKey: string; resetMs: number } {
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw new Error(`windowMs must be a positive number, got ${windowMs}`);
  const index = Math.floor(now / windowMs);
  return { windowKey: `${key}:w${windowMs}:${index}`, resetMs: (index + 1) * windowMs - now };
}

/** NaN would poison a counter for good (every later comparison is false). */
export function checkFinite(what: string, n: number): void {
  if (!Number.isFinite(n)) throw new Error(`Counter ${what} must be a finite number, got ${n}`);
}

/** A lock without expiry would outlive a crashed holder; Redis rejects PX 0 anyway. */
export function checkLockTtl(ttlMs: number): void {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) throw new Error(`Lock ttlMs must be a positive number, got ${ttlMs}`);
}

function toNumber(key: string, entry: Entry | undefined): number {
  if (entry === undefined) return 0;
  if (typeof entry.value !== 'number') throw new Error(`Counter "${key}" holds a lock, not a number`);
  return entry.value;
}

/** Runs a subscriber; its failure is reported, not thrown into whoever published. */
export function deliver(channel: string, handler: (message: string) => void, message: string): void {
  try {
    handler(message);
  } catch (err) {
    process.emitWarning(`Subscriber of channel "${channel}" threw: ${String(err)}`, 'SluiceCountersWarning');
  }
}
