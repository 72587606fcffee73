/**
 * Redis going away must not stall requests: counters fall back to this instance, log it once,
 * and return to Redis when it answers again. Redis is reached through a TCP relay the test can cut.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FailoverCounters } from '../kernel/counters/failover-counters.js';
import { RedisCounters } from '../kernel/counters/redis-counters.js';
import { backends, deleteRedisKeys, uniqueTag } from './support/backends.js';
import { tcpRelay, throughRelay } from './support/tcp-relay.js';

/** Windows are aligned to their length: a day-long one is not crossed while the test runs (a minute-long one was, now and then). */
const WINDOW_MS = 86_400_000;

async function cuttableRelay(target: URL) {
  const relay = await tcpRelay(target.hostname, Number(target.port || 6379));
  return Object.assign(relay, { url: throughRelay(target.toString(), relay) });
}

describe.skipIf(!backends.redis)(`failover counters (${backends.skipReason.redis ?? backends.redis})`, () => {
  const keyPrefix = `sluice-test:${uniqueTag()}:`;
  afterAll(() => deleteRedisKeys(backends.redis!, keyPrefix));

  it('keeps answering from in-process counters while Redis is cut off, logs once, and returns to Redis', async () => {
    const relay = await cuttableRelay(new URL(backends.redis!));
    const redis = new RedisCounters({ url: relay.url, keyPrefix, commandTimeoutMs: 200 });
    await redis.connect();
    const warnings: unknown[] = [];
    const infos: unknown[] = [];
    const counters = new FailoverCounters(redis, { warn: (o: unknown) => warnings.push(o), info: (o: unknown) => infos.push(o) }, 2_000);
    try {
      expect((await counters.hit('rpm', WINDOW_MS, 1, 10)).count).toBe(1);
      expect(counters.degraded).toBe(false);

      relay.cut();
      const started = Date.now();
      const during = await Promise.all(Array.from({ length: 20 }, () => counters.hit('rpm', WINDOW_MS, 1, 100)));
      expect(Date.now() - started).toBeLessThan(1_500);
      // Served locally: the local window starts from zero.
      expect(Math.max(...during.map((h) => h.count))).toBe(20);
      expect(counters.degraded).toBe(true);
      expect(warnings.length).toBe(1);
      expect(JSON.stringify(warnings[0])).toMatch(/"op":"hit"/);

      relay.restore();
      // ioredis reconnects on its own; the next tries after retryMs go back to Redis.
      await expect.poll(async () => (await counters.hit('rpm', WINDOW_MS, 1, 100), counters.degraded), { timeout: 5_000, interval: 100 }).toBe(false);
      const direct = new RedisCounters({ url: backends.redis!, keyPrefix });
      try {
        expect((await direct.peekWindow('rpm', WINDOW_MS)).count).toBeGreaterThanOrEqual(2);
      } finally {
        await direct.close();
      }
      expect(infos.length).toBeGreaterThanOrEqual(1);
    } finally {
      await counters.close();
      await relay.close();
    }
  });

  it('delivers published messages to local subscribers while Redis is down', async () => {
    const relay = await cuttableRelay(new URL(backends.redis!));
    const redis = new RedisCounters({ url: relay.url, keyPrefix, commandTimeoutMs: 200 });
    await redis.connect();
    const counters = new FailoverCounters(redis, { warn: () => {}, info: () => {} }, 300);
    try {
      const got: string[] = [];
      await counters.subscribe('chan', (m) => got.push(m));
      relay.cut();
      await counters.publish('chan', 'while-down');
      await expect.poll(() => got, { timeout: 2_000 }).toContain('while-down');
    } finally {
      await counters.close();
      await relay.close();
    }
  });
});
