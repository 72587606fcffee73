import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Counters, Reservation, Unsubscribe, WindowHit } from '@sluice/plugin-sdk';
import { checkFinite, checkLockTtl, deliver, windowOf } from '@sluice/plugin-sdk/node';

export interface RedisCountersOptions {
  url: string;
  /** Prepended to every key and channel, so deployments (and test runs) can share a server. */
  keyPrefix?: string;
  /** A command without a reply by then rejects: a slow Redis must not stall requests. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** See memory-counters.ts: 50 × 0.01 must fit under 0.5. */
const LIMIT_EPSILON = '1e-9';

/**
 * Read-modify-write operations, each one Lua script so concurrent gateways never interleave.
 * Numbers travel as strings: Lua would truncate a returned float to an integer. A limit of
 * `inf` means unlimited (Lua's tonumber does not parse infinity portably).
 */
const SCRIPTS = {
  // KEYS[1] window key; ARGV cost, limit, ms until the window ends. Returns {allowed, count}.
  sluiceHit: `
    local count = tonumber(redis.call('GET', KEYS[1]) or '0')
    if ARGV[2] ~= 'inf' and count + tonumber(ARGV[1]) > tonumber(ARGV[2]) then
      return {0, redis.call('GET', KEYS[1]) or '0'}
    end
    local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
    if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
    return {1, after}`,
  // KEYS[1] counter; ARGV amount, ttl ms or ''. The TTL starts when the key is created.
  sluiceIncr: `
    local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
    if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
    return after`,
  // KEYS[1] counter; ARGV amount, limit, ttl ms or ''. Returns {ok, value}.
  sluiceReserve: `
    local value = tonumber(redis.call('GET', KEYS[1]) or '0')
    if ARGV[2] ~= 'inf' then
      local limit = tonumber(ARGV[2])
      if value + tonumber(ARGV[1]) > limit + ${LIMIT_EPSILON} * math.max(1, math.abs(limit)) then
        return {0, redis.call('GET', KEYS[1]) or '0'}
      end
    end
    local after = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
    if ARGV[3] ~= '' and redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
    return {1, after}`,
  // KEYS[1] lock; ARGV token. Deletes only the owner's lock.
  sluiceRelease: `
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0`,
} as const;

type ScriptedRedis = Redis & {
  sluiceHit(key: string, cost: string, limit: string, resetMs: string): Promise<[number, string]>;
  sluiceIncr(key: string, amount: string, ttlMs: string): Promise<string>;
  sluiceReserve(key: string, amount: string, limit: string, ttlMs: string): Promise<[number, string]>;
  sluiceRelease(key: string, token: string): Promise<number>;
};

/** Counters shared by every gateway instance pointed at the same Redis and key prefix. */
export class RedisCounters implements Counters {
  readonly kind = 'redis' as const;
  private readonly prefix: string;
  private readonly client: ScriptedRedis;
  private subscriber: Redis | undefined;
  private readonly channels = new Map<string, { handlers: Set<(message: string) => void>; ready: Promise<unknown> }>();
  private closing: Promise<void> | undefined;
  /** ioredis rejects a failed connect with "Connection is closed."; the socket error says why. */
  private lastError: Error | undefined;

  constructor(opts: RedisCountersOptions) {
    this.prefix = opts.keyPrefix ?? 'sluice:';
    this.client = withErrorListener(connectionTo(opts) as ScriptedRedis, (err) => (this.lastError = err));
  }

  /** Whether the command connection is up (commands would otherwise wait for a reconnect). */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Connects now rather than on the first command; rejects when Redis cannot be reached. */
  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (err) {
      throw this.lastError ?? err;
    }
  }

  async hit(key: string, windowMs: number, cost: number, limit: number): Promise<WindowHit> {
    checkFinite('cost', cost);
    const { windowKey, resetMs } = windowOf(this.prefix + key, windowMs);
    const [allowed, count] = await this.client.sluiceHit(windowKey, String(cost), limitArg(limit), String(Math.ceil(resetMs)));
    return { allowed: allowed === 1, count: Number(count), resetMs };
  }

  async peekWindow(key: string, windowMs: number): Promise<WindowHit> {
    const { windowKey, resetMs } = windowOf(this.prefix + key, windowMs);
    return { allowed: true, count: Number((await this.client.get(windowKey)) ?? 0), resetMs };
  }

  async incrBy(key: string, amount: number, ttlMs?: number): Promise<number> {
    checkFinite('amount', amount);
    return Number(await this.client.sluiceIncr(this.prefix + key, String(amount), ttlArg(ttlMs)));
  }

  async get(key: string): Promise<number> {
    return Number((await this.client.get(this.prefix + key)) ?? 0);
  }

  async reserve(key: string, amount: number, limit: number, ttlMs?: number): Promise<Reservation> {
    checkFinite('amount', amount);
    const [ok, value] = await this.client.sluiceReserve(this.prefix + key, String(amount), limitArg(limit), ttlArg(ttlMs));
    return { ok: ok === 1, value: Number(value) };
  }

  async del(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | null> {
    checkLockTtl(ttlMs);
    const token = randomUUID();
    const set = await this.client.set(this.prefix + key, token, 'PX', Math.ceil(ttlMs), 'NX');
    return set === 'OK' ? token : null;
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    return (await this.client.sluiceRelease(this.prefix + key, token)) === 1;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    if (this.closing) throw new Error('RedisCounters is closed'); // would open a new connection
    const name = this.prefix + channel;
    const own = (message: string) => handler(message); // the same handler twice = two subscriptions
    let entry = this.channels.get(name);
    if (!entry) {
      entry = { handlers: new Set(), ready: this.subscriberConnection().subscribe(name) };
      this.channels.set(name, entry);
    }
    entry.handlers.add(own);
    try {
      await entry.ready;
    } catch (err) {
      entry.handlers.delete(own);
      if (entry.handlers.size === 0 && this.channels.get(name) === entry) this.channels.delete(name);
      throw err;
    }
    const subscribed = entry;
    return async () => {
      if (!subscribed.handlers.delete(own) || subscribed.handlers.size > 0) return;
      if (this.channels.get(name) === subscribed) this.channels.delete(name);
      if (!this.closing) await this.subscriber?.unsubscribe(name);
    };
  }

  async ping(): Promise<boolean> {
    if (this.closing) return false;
    try {
      return (await this.client.ping()) === 'PONG'; // bounded by commandTimeout
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([quit(this.client), this.subscriber && quit(this.subscriber)]).then(() => undefined);
    return this.closing;
  }

  /** Subscriptions need their own connection; most instances never subscribe, so it is lazy. */
  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      const subscriber = withErrorListener(this.client.duplicate());
      subscriber.on('message', (name: string, message: string) => {
        for (const handler of this.channels.get(name)?.handlers ?? []) deliver(name.slice(this.prefix.length), handler, message);
      });
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }
}

function connectionTo(opts: RedisCountersOptions): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 2_000,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    // While Redis is down, fail commands after one reconnect attempt instead of queueing them
    // for ever; callers decide whether to fail open or closed.
    maxRetriesPerRequest: 1,
    scripts: Object.fromEntries(Object.entries(SCRIPTS).map(([name, lua]) => [name, { lua, numberOfKeys: 1 }])),
  };
  return new Redis(opts.url, options);
}

/**
 * Without a listener ioredis reports every refused reconnect as an unhandled 'error' event.
 * Failures still reach callers, through their rejected commands.
 */
function withErrorListener<T extends Redis>(connection: T, onError: (err: Error) => void = () => {}): T {
  connection.on('error', onError);
  return connection;
}

async function quit(connection: Redis): Promise<void> {
  try {
    await connection.quit();
  } catch {
    // Redis is unreachable: nothing to say goodbye to.
  } finally {
    if (connection.status !== 'end') connection.disconnect(); // stop reconnect attempts
  }
}

function limitArg(limit: number): string {
  return limit === Infinity ? 'inf' : String(limit);
}

function ttlArg(ttlMs: number | undefined): string {
  return ttlMs === undefined ? '' : String(Math.ceil(ttlMs));
}
