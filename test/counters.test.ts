import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Counters } from '@sluice/plugin-sdk';
import { MemoryCounters, createMemoryCountersState } from '@sluice/plugin-sdk/node';
import { RedisCounters } from '../kernel/counters/redis-counters.js';
import { openCounters } from '../kernel/counters/open-counters.js';
import { backends, deleteRedisKeys, uniqueTag } from './support/backends.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every Counters backend owes the kernel. `make` returns a new instance sharing
 * the backend with the previous ones, as two gateway processes share one Redis.
 */
function counterContract(name: string, make: () => Promise<Counters>) {
  describe(`${name} counters`, () => {
    const opened: Counters[] = [];
    const open = async () => {
      const counters = await make();
      opened.push(counters);
      return counters;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    });
    const key = (label: string) => `${label}:${uniqueTag()}`;

    it('admits exactly `limit` of many concurrent hits and says when the window resets', async () => {
      const counters = await open();
      const k = key('rpm');
      const results = await Promise.all(Array.from({ length: 15 }, () => counters.hit(k, 60_000, 1, 10)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect(Math.max(...results.map((r) => r.count))).toBe(10);
      for (const r of results) {
        expect(r.resetMs).toBeGreaterThan(0);
        expect(r.resetMs).toBeLessThanOrEqual(60_000);
      }
    });

    it('does not count refused hits, and admits a smaller cost that still fits', async () => {
      const counters = await open();
      const k = key('tpm');
      expect(await counters.hit(k, 60_000, 8, 10)).toMatchObject({ allowed: true, count: 8 });
      expect(await counters.hit(k, 60_000, 3, 10)).toMatchObject({ allowed: false, count: 8 });
      expect(await counters.hit(k, 60_000, 3, 10)).toMatchObject({ allowed: false, count: 8 });
      expect(await counters.hit(k, 60_000, 2, 10)).toMatchObject({ allowed: true, count: 10 });
      expect((await counters.peekWindow(k, 60_000)).count).toBe(10);
    });

    it('always admits under an Infinity limit', async () => {
      const counters = await open();
      const k = key('unlimited');
      for (let i = 0; i < 3; i++) expect((await counters.hit(k, 60_000, 1000, Infinity)).allowed).toBe(true);
      expect((await counters.peekWindow(k, 60_000)).count).toBe(3000);
    });

    it('starts a fresh window after windowMs', async () => {
      const counters = await open();
      const k = key('short');
      let first = await counters.hit(k, 300, 1, 2);
      // A window just about to end would make the assertions below race with its end.
      if (first.resetMs < 100) {
        await sleep(first.resetMs + 5);
        first = await counters.hit(k, 300, 1, 2);
      }
      expect((await counters.hit(k, 300, 1, 2)).allowed).toBe(true);
      expect((await counters.hit(k, 300, 1, 2)).allowed).toBe(false);
      await sleep(first.resetMs + 20);
      expect(await counters.hit(k, 300, 1, 2)).toMatchObject({ allowed: true, count: 1 });
    });

    it('peeks at a window without changing it; windows of different lengths are separate', async () => {
      const counters = await open();
      const k = key('peek');
      expect(await counters.peekWindow(k, 60_000)).toMatchObject({ count: 0 });
      await counters.hit(k, 60_000, 4, 100);
      expect((await counters.peekWindow(k, 60_000)).count).toBe(4);
      expect((await counters.peekWindow(k, 60_000)).count).toBe(4);
      expect((await counters.peekWindow(k, 3_600_000)).count).toBe(0);
    });

    it('adds fractional and negative amounts; absent keys read as 0', async () => {
      const counters = await open();
      const k = key('spend');
      expect(await counters.get(k)).toBe(0);
      await counters.incrBy(k, 0.1);
      expect(await counters.incrBy(k, 0.2)).toBeCloseTo(0.3, 9);
      expect(await counters.incrBy(k, -0.05)).toBeCloseTo(0.25, 9);
      expect(await counters.get(k)).toBeCloseTo(0.25, 9);
      await counters.del(k);
      expect(await counters.get(k)).toBe(0);
    });

    it('expires a counter ttlMs after it was created; later additions do not extend it', async () => {
      const counters = await open();
      const k = key('ttl');
      await counters.incrBy(k, 1.5, 400);
      await sleep(200);
      expect(await counters.incrBy(k, 1, 400)).toBeCloseTo(2.5, 9);
      await sleep(300);
      expect(await counters.get(k)).toBe(0);
    });

    it('reserves a budget atomically: 100 concurrent reservations of 0.01 under 0.5 admit exactly 50', async () => {
      const counters = await open();
      const k = key('budget');
      const results = await Promise.all(Array.from({ length: 100 }, () => counters.reserve(k, 0.01, 0.5)));
      expect(results.filter((r) => r.ok)).toHaveLength(50);
      expect(await counters.get(k)).toBeCloseTo(0.5, 9);
      const refused = await counters.reserve(k, 0.01, 0.5);
      expect(refused.ok).toBe(false);
      expect(refused.value).toBeCloseTo(0.5, 9);
    });

    it('gives reservations a ttl and never refuses under an Infinity limit', async () => {
      const counters = await open();
      const k = key('budget-ttl');
      expect(await counters.reserve(k, 2.5, Infinity, 200)).toMatchObject({ ok: true, value: 2.5 });
      await sleep(300);
      expect(await counters.get(k)).toBe(0);
    });

    it('locks: one holder at a time, only the holder releases, expiry frees it', async () => {
      const [a, b] = [await open(), await open()];
      const k = key('lock');
      const token = await a.acquireLock(k, 10_000);
      expect(token).toEqual(expect.any(String));
      expect(await b.acquireLock(k, 10_000)).toBeNull();
      expect(await b.releaseLock(k, 'not-the-token')).toBe(false);
      expect(await b.acquireLock(k, 10_000)).toBeNull();
      expect(await a.releaseLock(k, token!)).toBe(true);
      expect(await a.releaseLock(k, token!)).toBe(false);

      const short = await b.acquireLock(k, 150);
      expect(short).not.toBeNull();
      await sleep(250);
      const next = await a.acquireLock(k, 10_000);
      expect(next).not.toBeNull();
      expect(await b.releaseLock(k, short!)).toBe(false); // an expired holder cannot free the new one
      await a.del(k);
      expect(await b.acquireLock(k, 10_000)).not.toBeNull();
    });

    it('delivers a message published on one instance to subscribers on another', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const channel = key('events');
      const first: string[] = [];
      const second: string[] = [];
      await subscriber.subscribe(channel, (m) => first.push(m));
      await subscriber.subscribe(channel, (m) => second.push(m));
      await publisher.publish(key('other-channel'), 'not for you');
      await publisher.publish(channel, 'hello');
      await expect.poll(() => first).toEqual(['hello']);
      await expect.poll(() => second).toEqual(['hello']);
    });

    it('never runs a handler inside publish()', async () => {
      const counters = await open();
      const channel = key('reentry');
      let received = false;
      await counters.subscribe(channel, () => (received = true));
      const publishing = counters.publish(channel, 'x');
      expect(received).toBe(false);
      await publishing;
      await expect.poll(() => received).toBe(true);
    });

    it('stops delivery after unsubscribe, leaving other handlers subscribed', async () => {
      const [publisher, subscriber] = [await open(), await open()];
      const channel = key('unsub');
      const gone: string[] = [];
      const kept: string[] = [];
      const unsubscribe = await subscriber.subscribe(channel, (m) => gone.push(m));
      await subscriber.subscribe(channel, (m) => kept.push(m));
      await unsubscribe();
      await unsubscribe(); // idempotent
      await publisher.publish(channel, 'after');
      await expect.poll(() => kept).toEqual(['after']);
      expect(gone).toEqual([]);
    });

    it('pings true while open; closing twice is fine; pings false after', async () => {
      const counters = await make();
      expect(await counters.ping()).toBe(true);
      await counters.close();
      await counters.close();
      expect(await counters.ping()).toBe(false);
    });
  });
}

const memoryState = createMemoryCountersState();
counterContract('memory', async () => new MemoryCounters({ state: memoryState }));

describe('openCounters', () => {
  it('gives in-process counters when no Redis URL is set', async () => {
    const counters = await openCounters({});
    expect(counters.kind).toBe('memory');
    await counters.close();
  });
});

describe.skipIf(!backends.redis)(`redis (${backends.skipReason.redis ?? backends.redis})`, () => {
  const redisUrl = backends.redis!;
  const keyPrefix = `sluice-test:${uniqueTag()}:`;
  afterAll(() => deleteRedisKeys(redisUrl, keyPrefix));

  counterContract('redis', async () => new RedisCounters({ url: redisUrl, keyPrefix }));

  it('openCounters connects to the given Redis', async () => {
    const counters = await openCounters({ redisUrl });
    expect(counters.kind).toBe('redis');
    expect(await counters.ping()).toBe(true);
    await counters.close();
  });

  it('openCounters gives in-process counters and a warning naming the URL without its password when Redis is unreachable', async () => {
    const warnings: string[] = [];
    const counters = await openCounters({ redisUrl: 'redis://:hunter2@127.0.0.1:1', onWarning: (w) => warnings.push(w) });
    try {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^Cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /);
      expect(warnings[0]).not.toMatch(/hunter2/);
      expect(await counters.incrBy('k', 2)).toBe(2); // served in-process meanwhile
    } finally {
      await counters.close();
    }
    const bad: string[] = [];
    expect((await openCounters({ redisUrl: 'redis://:<pw>@<your redis host>:1992', onWarning: (w) => bad.push(w) })).kind).toBe('memory');
    expect(bad[0]).toMatch(/cannot be used/);
  });

  it('rejects commands quickly instead of hanging when Redis is unreachable', async () => {
    const counters = new RedisCounters({ url: 'redis://127.0.0.1:1', keyPrefix });
    try {
      const started = Date.now();
      await expect(counters.hit('k', 1_000, 1, 10)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(await counters.ping()).toBe(false);
    } finally {
      await counters.close();
    }
  });
});
