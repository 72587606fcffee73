/**
 * Which external backends the tests run against.
 *
 * - `TEST_DATABASE_URL` / `TEST_REDIS_URL` name them explicitly.
 * - In CI (`CI=true`) the local defaults are used without probing: the suites always run and a
 *   server that is not there FAILS them. CI must never go green by skipping.
 * - Elsewhere the local defaults are probed (≤ 1 s) and the suites are skipped, with the reason,
 *   when nothing answers.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const PROBE_TIMEOUT_MS = 1_000;

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

export interface Backends {
  postgres?: string;
  redis?: string;
  /** Why a backend is absent, for `describe.skipIf(...)` titles. */
  skipReason: { postgres?: string; redis?: string };
}

export const backends: Backends = await resolveBackends();

async function resolveBackends(): Promise<Backends> {
  const [postgres, redis] = await Promise.all([
    resolveOne('TEST_DATABASE_URL', DEFAULT_POSTGRES_URL, probePostgres),
    resolveOne('TEST_REDIS_URL', DEFAULT_REDIS_URL, probeRedis),
  ]);
  return { postgres: postgres.url, redis: redis.url, skipReason: { postgres: postgres.skipReason, redis: redis.skipReason } };
}

async function resolveOne(
  envVar: string,
  fallback: string,
  probe: (url: string) => Promise<void>,
): Promise<{ url?: string; skipReason?: string }> {
  const explicit = process.env[envVar];
  if (explicit) return { url: explicit };
  if (IN_CI) return { url: fallback };
  try {
    await probe(fallback);
    return { url: fallback };
  } catch (err) {
    return { skipReason: `nothing usable at ${fallback} (${(err as Error).message}); set ${envVar}` };
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let socketError: Error | undefined;
  client.on('error', (err) => (socketError = err));
  try {
    await client.connect().catch((err) => {
      throw socketError ?? err; // more telling than ioredis's "Connection is closed."
    });
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** A short random tag, so concurrent runs sharing a server never collide. */
export function uniqueTag(): string {
  return randomBytes(5).toString('hex');
}

/**
 * A fresh Postgres schema, and a URL whose connections use it as their search_path, so tests
 * can migrate and roll back without touching other tests sharing the database.
 */
export async function createPostgresSchema(url: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `sluice_test_${uniqueTag()}`;
  await withPgClient(url, (c) => c.query(`create schema "${schema}"`));
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: scoped.toString(),
    schema,
    drop: () => withPgClient(url, (c) => c.query(`drop schema if exists "${schema}" cascade`)).then(() => undefined),
  };
}

async function withPgClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Deletes every key under `prefix` (tests give each run its own prefix). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
