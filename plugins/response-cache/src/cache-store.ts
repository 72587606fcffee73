/**
 * Where entries live. `local`: a Map kept in least-recently-used order, bounded in entries and entry
 * size, with a TTL per entry. `redis`: shared by every instance; a Redis that is down or slow makes
 * a miss (and a skipped write), never a failed call — the command fails at once while disconnected
 * (no offline queue) and times out after `timeoutMs` otherwise; the client reconnects by itself.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface CacheStore {
  readonly type: 'local' | 'redis';
  get(key: string): Promise<string | undefined>;
  /** Several entries in one round trip (embedding elements). */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** `ttlSeconds` undefined: the store's default (none in Redis). */
  set(key: string, value: string, ttlSeconds: number | undefined): Promise<void>;
  delete(keys: readonly string[]): Promise<number>;
  /** Removes every entry of this cache (and nothing else). */
  flush(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

interface LocalEntry {
  value: string;
  expiresAt: number;
}

export class LocalStore implements CacheStore {
  readonly type = 'local' as const;
  private readonly entries = new Map<string, LocalEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly defaultTtlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used goes last
    return entry.value;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const out: (string | undefined)[] = [];
    for (const key of keys) out.push(await this.get(key));
    return out;
  }

  async set(key: string, value: string, ttlSeconds: number | undefined): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + (ttlSeconds ?? this.defaultTtlSeconds) * 1000 });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async delete(keys: readonly string[]): Promise<number> {
    let n = 0;
    for (const key of keys) if (this.entries.delete(key)) n++;
    return n;
  }

  async flush(): Promise<void> {
    this.entries.clear();
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Every entry's Redis key starts with this, so flushing the cache touches nothing else in Redis. */
export const REDIS_PREFIX = 'sluice:response-cache:';

export class RedisStore implements CacheStore {
  readonly type = 'redis' as const;
  readonly client: Redis;

  constructor(target: { url?: string; options: RedisOptions }, timeoutMs: number) {
    const options: RedisOptions = {
      ...target.options,
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(timeoutMs, 1000),
      retryStrategy: (times) => Math.min(times * 200, 2000),
    };
    this.client = target.url ? new Redis(target.url, options) : new Redis(options);
    this.client.on('error', () => {}); // reported by the calls that fail; reconnects on its own
  }

  /** Resolves once connected, or after `waitMs` (false): a Redis that is not up yet is a miss until it is. */
  ready(waitMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), waitMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      this.client.on('ready', onReady);
    });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(REDIS_PREFIX + key)) ?? undefined;
  }

  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = await this.client.mget(...keys.map((k) => REDIS_PREFIX + k));
    return values.map((v) => v ?? undefined);
  }

  async set(key: string, value: string, ttlSeconds: number | undefined): Promise<void> {
    if (ttlSeconds === undefined) await this.client.set(REDIS_PREFIX + key, value);
    else await this.client.set(REDIS_PREFIX + key, value, 'PX', Math.max(1, Math.round(ttlSeconds * 1000)));
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.client.del(...keys.map((k) => REDIS_PREFIX + k));
  }

  async flush(): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await this.client.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
      cursor = next;
      if (found.length > 0) await this.client.unlink(...found);
    } while (cursor !== '0');
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping()) === 'PONG';
  }

  async info(): Promise<{ num_clients: number; clients: Record<string, string>[]; info: Record<string, string | number> }> {
    const [list, info] = await Promise.all([this.client.client('LIST') as Promise<string>, this.client.info()]);
    const clients = list
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => Object.fromEntries(line.trim().split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])));
    const fields: Record<string, string | number> = {};
    for (const line of info.split('\n')) {
      const colon = line.indexOf(':');
      if (line.startsWith('#') || colon === -1) continue;
      const value = line.slice(colon + 1).trim();
      fields[line.slice(0, colon)] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    }
    return { num_clients: clients.length, clients, info: fields };
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
