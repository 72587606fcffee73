/**
 * Redis counters that never stall a request: while Redis is unreachable (a command fails or times
 * out, or the connection is not ready), every operation runs on this instance's in-process
 * counters instead, a warning is logged once per outage, and Redis is tried again after
 * `retryMs`. Limits then hold per instance rather than across instances until Redis is back.
 */
import type { Counters, Reservation, Unsubscribe, WindowHit } from '@sluice/plugin-sdk';
import type { Logger } from '../logging/create-logger.js';
import { MemoryCounters } from '@sluice/plugin-sdk/node';
import type { RedisCounters } from './redis-counters.js';

export class FailoverCounters implements Counters {
  readonly kind = 'redis' as const;
  private readonly local = new MemoryCounters();
  private downUntil = 0;
  private outages = 0;
  /** Redis was not reachable when the gateway started: say so when it first answers. */
  private startedDown: boolean;

  constructor(
    private readonly redis: RedisCounters,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    private readonly retryMs = 5_000,
    opts: { startedDown?: boolean } = {},
  ) {
    this.startedDown = opts.startedDown ?? false;
  }

  /** Whether operations currently go to the in-process fallback. */
  get degraded(): boolean {
    return !this.redis.ready || Date.now() < this.downUntil;
  }

  private run<T>(op: string, remote: (c: Counters) => Promise<T>): Promise<T> {
    if (this.degraded) return remote(this.local);
    return remote(this.redis).then(
      (value) => {
        if (this.startedDown) {
          this.startedDown = false;
          this.log.info({ op }, 'Redis is reachable now; counters are shared across instances');
        }
        if (this.outages > 0 && this.downUntil !== 0) {
          this.downUntil = 0;
          this.log.info({ op }, 'Redis is reachable again; counters are shared across instances');
        }
        return value;
      },
      (err: Error) => {
        if (this.downUntil === 0 || Date.now() >= this.downUntil) {
          this.outages++;
          this.log.warn({ op, err: err.message, retryMs: this.retryMs }, 'Redis unreachable; counters fall back to this instance until it answers again');
        }
        this.downUntil = Date.now() + this.retryMs;
        return remote(this.local);
      },
    );
  }

  hit(key: string, windowMs: number, cost: number, limit: number): Promise<WindowHit> {
    return this.run('hit', (c) => c.hit(key, windowMs, cost, limit));
  }
  peekWindow(key: string, windowMs: number): Promise<WindowHit> {
    return this.run('peekWindow', (c) => c.peekWindow(key, windowMs));
  }
  incrBy(key: string, amount: number, ttlMs?: number): Promise<number> {
    return this.run('incrBy', (c) => c.incrBy(key, amount, ttlMs));
  }
  get(key: string): Promise<number> {
    return this.run('get', (c) => c.get(key));
  }
  reserve(key: string, amount: number, limit: number, ttlMs?: number): Promise<Reservation> {
    return this.run('reserve', (c) => c.reserve(key, amount, limit, ttlMs));
  }
  del(key: string): Promise<void> {
    return this.run('del', (c) => c.del(key));
  }
  acquireLock(key: string, ttlMs: number): Promise<string | null> {
    return this.run('acquireLock', (c) => c.acquireLock(key, ttlMs));
  }
  releaseLock(key: string, token: string): Promise<boolean> {
    // A lock taken on one side is released on that side; try both.
    return this.run('releaseLock', async (c) => (await c.releaseLock(key, token)) || (c !== this.local && (await this.local.releaseLock(key, token))));
  }

  /** While Redis is down a message reaches this instance's subscribers only. */
  publish(channel: string, message: string): Promise<void> {
    return this.run('publish', (c) => c.publish(channel, message));
  }

  /**
   * Subscribed on both sides. While Redis cannot be reached the Redis side is retried in the
   * background (every `retryMs`), so a gateway that started without Redis hears other instances
   * once it is back.
   */
  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const offLocal = await this.local.subscribe(channel, handler);
    let offRemote: Unsubscribe | undefined;
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    const attach = async (): Promise<void> => {
      try {
        const off = await this.redis.subscribe(channel, handler);
        if (closed) await off();
        else offRemote = off;
      } catch {
        if (!closed) (retry = setTimeout(() => void attach(), this.retryMs)).unref();
      }
    };
    if (this.redis.ready) {
      offRemote = await this.redis.subscribe(channel, handler);
    } else {
      void attach();
    }
    return async () => {
      closed = true;
      clearTimeout(retry);
      await offLocal();
      await offRemote?.();
    };
  }

  ping(): Promise<boolean> {
    return this.redis.ping();
  }

  async close(): Promise<void> {
    await Promise.all([this.redis.close(), this.local.close()]);
  }
}
