/**
 * The counting rules that integration tests cannot reach in reasonable time: parallel slots across
 * a bucket boundary, a request hit given back only within its own minute, and a counters backend
 * that fails (the limiter admits and warns, it never fails the call).
 */
import { describe, expect, it } from 'vitest';
import { MemoryCounters } from '@sluice/plugin-sdk/node';
import type { CallContext, Counters, LimitScope, Logger, PluginContext } from '@sluice/plugin-sdk';
import rateLimiter from '../src/index.js';
import type { LimitCheck } from '../src/limit-checks.js';
import { LimitCounting, WINDOW_MS } from '../src/limit-counting.js';

const SLOT_TTL_MS = 1_000;
const parallel = (limit: number): LimitCheck => ({ descriptor: 'api_key', value: 'k', type: 'max_parallel_requests', limit, key: 'rl:par:key:k' });
const requests = (limit: number): LimitCheck => ({ descriptor: 'api_key', value: 'k', type: 'requests', limit, key: 'rl:rpm:key:k' });
const ignore = () => {};

describe('parallel slots', () => {
  it('a call that started in the previous bucket still holds its slot', async () => {
    const counting = new LimitCounting(new MemoryCounters(), SLOT_TTL_MS, ignore);
    const boundary = Math.ceil(Date.now() / SLOT_TTL_MS) * SLOT_TTL_MS + 10 * SLOT_TTL_MS;
    const [first] = await counting.checkAll([parallel(1)], boundary - 1);
    expect(first!.allowed).toBe(true);

    const [second] = await counting.checkAll([parallel(1)], boundary + 1);
    expect(second!.allowed).toBe(false);
    await counting.giveBack([second!]);

    await counting.release((first!.taken as { key: string }).key);
    const [third] = await counting.checkAll([parallel(1)], boundary + 2);
    expect(third!.allowed).toBe(true);
    expect(third!.used).toBe(1);
  });

  it('a refused reservation takes nothing', async () => {
    const counting = new LimitCounting(new MemoryCounters(), SLOT_TTL_MS, ignore);
    const now = Date.now();
    const [a] = await counting.checkAll([parallel(1)], now);
    const [b] = await counting.checkAll([parallel(1)], now);
    expect([a!.allowed, b!.allowed]).toEqual([true, false]);
    expect(b!.taken).toBeUndefined();
  });
});

describe('giving back a request hit', () => {
  it('within its minute, the hit is taken back', async () => {
    const counters = new MemoryCounters();
    const counting = new LimitCounting(counters, SLOT_TTL_MS, ignore);
    const outcomes = await counting.checkAll([requests(5)], Date.now());
    await counting.giveBack(outcomes);
    expect((await counters.peekWindow('rl:rpm:key:k', WINDOW_MS)).count).toBe(0);
  });

  it('after its minute ended, nothing is taken from the new minute', async () => {
    const counters = new MemoryCounters();
    const counting = new LimitCounting(counters, SLOT_TTL_MS, ignore);
    const [outcome] = await counting.checkAll([requests(5)], Date.now());
    // As if the minute the hit was counted in had ended before the refusal came back.
    await counting.giveBack([{ ...outcome!, taken: { kind: 'hit', key: 'rl:rpm:key:k', windowEnd: Date.now() - 1 } }]);
    expect((await counters.peekWindow('rl:rpm:key:k', WINDOW_MS)).count).toBe(1);
  });
});

describe('a failing counters backend', () => {
  const failing = new Proxy({} as Counters, {
    get: (_t, name) => (name === 'kind' ? 'redis' : () => Promise.reject(new Error('READONLY You can not write against a read only replica'))),
  });

  it('admits the call, adds no headers, and warns once per interval rather than per call', async () => {
    const warnings: unknown[] = [];
    const log: Logger = { debug: ignore, info: ignore, error: ignore, warn: (o) => warnings.push(o), child: () => log };
    const instance = await rateLimiter.setup({ counters: failing, log, now: Date.now } as unknown as PluginContext, {});
    const scopes: LimitScope[] = [{ kind: 'key', id: 'k', rpmLimit: 1, tpmLimit: 10, maxParallelRequests: 1 }];
    for (let i = 0; i < 3; i++) {
      const call = { body: { model: 'm' }, scopes, state: {} } as unknown as CallContext;
      await expect(instance.preCall!(call)).resolves.toBeUndefined();
      expect(call.responseHeaders).toEqual({});
      expect(call.state).toEqual({});
    }
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('READONLY');
  });
});
