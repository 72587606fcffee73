/** Cooldowns: failing deployments leave the rotation for cooldown_time, then come back. */
import { describe, expect, it } from 'vitest';
import type { MockOpenAI } from '../../../test/support/mock-openai.js';
import type { TestGateway } from '../../../test/support/gateway.js';
import { UPSTREAM_429, UPSTREAM_500, chat, chatMany, deployment, gateway, sleep, tally, upstream, type Reply } from './router-fixtures.js';

/** Calls `g` until `mock` has received `n` requests (shuffle picks it about half the time). */
async function untilHit(gw: TestGateway, mock: MockOpenAI, n: number, model = 'g'): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < 60 && mock.requests.length < n; i++) replies.push(await chat(gw, model));
  expect(mock.requests).toHaveLength(n);
  return replies;
}

describe('router-litellm: cooldowns', () => {
  it('takes a deployment out for cooldown_time once it failed more than allowed_fails times, then brings it back', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 1, allowed_fails: 1, cooldown_time: 2 });

    const first = await untilHit(gw, a, 2); // the second failure is one more than allowed
    expect(first.every((r) => r.status === 200 && r.servedBy === 'B')).toBe(true);
    const cooledAt = Date.now();

    const during = await chatMany(gw, 'g', 20);
    expect(Date.now() - cooledAt).toBeLessThan(1_900); // all of them inside the cooldown (2 s: room for a loaded machine)
    expect(tally(during)).toEqual({ B: 20 });
    expect(during.some((r) => r.headers.has('x-litellm-attempted-retries'))).toBe(false);
    expect(a.requests).toHaveLength(2);

    a.behaviour.fail = undefined; // A recovers
    await sleep(2_100 - (Date.now() - cooledAt));
    const after = await untilHit(gw, a, 3);
    expect(after.at(-1)!.servedBy).toBe('A');
    expect(gw.logs.some((l) => l.includes('deployment cooling down') && l.includes('"deployment":"A"'))).toBe(true);
  });

  it('cools a deployment down at its first 429', async () => {
    const a = await upstream({ fail: UPSTREAM_429 });
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 1, allowed_fails: 3, cooldown_time: 30 });

    await untilHit(gw, a, 1);
    const during = await chatMany(gw, 'g', 20);

    expect(tally(during)).toEqual({ B: 20 });
    expect(a.requests).toHaveLength(1);
  });

  it('never cools down the only deployment of a group', async () => {
    const a = await upstream({ fail: UPSTREAM_429 });
    const gw = await gateway([deployment('g', 'A', a)], { num_retries: 0, allowed_fails: 0, cooldown_time: 30 });

    const failures = await chatMany(gw, 'g', 3);
    expect(failures.map((r) => [r.status, r.body.error.message])).toEqual(Array(3).fill([429, 'slow down']));
    expect(a.requests).toHaveLength(3);

    a.behaviour.fail = undefined;
    const r = await chat(gw, 'g');
    expect([r.status, r.servedBy]).toEqual([200, 'A']);
  });

  it('answers 429 "No deployments available" with retry-after when every deployment is cooling', async () => {
    const a = await upstream({ fail: UPSTREAM_429 });
    const b = await upstream({ fail: UPSTREAM_429 });
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 1, cooldown_time: 5 });

    const first = await chat(gw, 'g'); // both tried, both rate limited: the upstream's 429 comes back
    expect([first.status, first.body.error.message]).toEqual([429, 'slow down']);
    expect(a.requests.length + b.requests.length).toBe(2);

    const r = await chat(gw, 'g');
    expect(r.status).toBe(429);
    expect(r.body).toEqual({
      error: {
        message: 'No deployments available for selected model, Try again in 5 seconds. Passed model=g. Every deployment is cooling down or has used its rpm/tpm limit.',
        type: 'rate_limit_error',
        param: null,
        code: '429',
      },
    });
    expect(r.headers.get('retry-after')).toBe('5');
    expect(r.headers.get('x-sluice-error-code')).toBe('SLUICE_ERR_ROUTER_NO_DEPLOYMENTS');
    expect(a.requests.length + b.requests.length).toBe(2); // no upstream was called
  });

  it('falls back to another group when every deployment of the first is cooling', async () => {
    const a = await upstream({ fail: UPSTREAM_429 });
    const b = await upstream({ fail: UPSTREAM_429 });
    const c = await upstream();
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b), deployment('g2', 'C', c)], { num_retries: 1, cooldown_time: 5, fallbacks: [{ g: ['g2'] }] });

    await chat(gw, 'g'); // cools A and B, then falls back
    const r = await chat(gw, 'g');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'C', '1']);
    expect(a.requests.length + b.requests.length).toBe(2);
  });

  it('keeps failing deployments in rotation with disable_cooldowns', async () => {
    const a = await upstream({ fail: UPSTREAM_429 });
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 0, allowed_fails: 0, disable_cooldowns: true });

    const replies = await chatMany(gw, 'g', 30);

    expect(a.requests.length).toBeGreaterThan(1); // 2^-29 odds of a false failure
    expect(replies.filter((r) => r.status === 429)).toHaveLength(a.requests.length);
  });
});
