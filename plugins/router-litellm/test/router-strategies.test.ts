/** Routing strategies and per-deployment rpm, measured as the share of calls each deployment served. */
import { describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { MASTER_KEY, awaitRoomInMinute, chat, chatMany, deployment, gateway, sleep, tally, upstream, type Reply } from './router-fixtures.js';

/** `n` calls, `concurrency` at a time. */
async function chatConcurrently(gw: TestGateway, model: string, n: number, concurrency: number): Promise<Reply[]> {
  const out: Reply[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        out.push(await chat(gw, model));
      }
    }),
  );
  return out;
}

describe('router-litellm: strategies', () => {
  it('simple-shuffle follows litellm_params.weight (1 : 9 over 300 calls)', async () => {
    const a = await upstream();
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a, { weight: 1 }), deployment('g', 'B', b, { weight: 9 })], { routing_strategy: 'simple-shuffle' });

    const replies = await chatConcurrently(gw, 'g', 300, 10);

    expect(replies.every((r) => r.status === 200)).toBe(true);
    const { A = 0, B = 0 } = tally(replies);
    expect(A + B).toBe(300);
    // Binomial(300, 0.9): mean 270, sd 5.2; the bounds are > 5 sd away.
    expect(B / 300).toBeGreaterThanOrEqual(0.8);
    expect(B / 300).toBeLessThanOrEqual(0.97);
    expect([a.requests.length, b.requests.length]).toEqual([A, B]);
  });

  it('simple-shuffle weights by rpm when no deployment has a weight', async () => {
    const a = await upstream();
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a, { rpm: 1_000 }), deployment('g', 'B', b, { rpm: 9_000 })], {});

    const { A = 0, B = 0 } = tally(await chatConcurrently(gw, 'g', 300, 10));

    expect(A + B).toBe(300);
    expect(B / 300).toBeGreaterThanOrEqual(0.8);
    expect(B / 300).toBeLessThanOrEqual(0.97);
  });

  it('least-busy sends most calls to the deployment with fewer calls in flight', async () => {
    const slow = await upstream({ delayMs: 300 });
    const fast = await upstream();
    const gw = await gateway([deployment('g', 'SLOW', slow), deployment('g', 'FAST', fast)], { routing_strategy: 'least-busy' });

    // 40 overlapping calls, one every 10 ms: a slow call stays in flight for 30 arrivals.
    const pending: Promise<Reply>[] = [];
    for (let i = 0; i < 40; i++) {
      pending.push(chat(gw, 'g'));
      await sleep(10);
    }
    const replies = await Promise.all(pending);

    expect(replies.every((r) => r.status === 200)).toBe(true);
    const { FAST = 0, SLOW = 0 } = tally(replies);
    expect(FAST + SLOW).toBe(40);
    expect(FAST / 40).toBeGreaterThan(0.8);
    expect(SLOW).toBeGreaterThan(0); // it was tried, and then avoided
  });

  it('least-busy counts a streamed call as busy until its stream ends, not just until its first byte', async () => {
    // Both answer at once; LONG then takes ~1 s to finish its stream, SHORT a few ms.
    const long = await upstream({ reply: 'one two three four five six seven eight nine ten', chunkDelayMs: 100 });
    const short = await upstream({ reply: 'one two three four five six seven eight nine ten' });
    const gw = await gateway([deployment('g', 'LONG', long), deployment('g', 'SHORT', short)], { routing_strategy: 'least-busy' });

    const pending: Promise<Reply>[] = [];
    for (let i = 0; i < 30; i++) {
      pending.push(chat(gw, 'g', { stream: true }));
      await sleep(20);
    }
    const replies = await Promise.all(pending);

    expect(replies.every((r) => r.status === 200 && String(r.body).endsWith('data: [DONE]\n\n'))).toBe(true);
    const { SHORT = 0, LONG = 0 } = tally(replies);
    expect(SHORT + LONG).toBe(30);
    expect(SHORT / 30).toBeGreaterThan(0.8);
  });

  it('least-busy frees a streamed call when the client goes away mid-stream, and after a mock stream', async () => {
    const x = await upstream({ reply: 'one two three four five six seven eight nine ten', chunkDelayMs: 50 });
    const y = await upstream({ reply: 'one two three four five six seven eight nine ten', chunkDelayMs: 50 });
    const gw = await gateway([deployment('g', 'X', x), deployment('g', 'Y', y)], { routing_strategy: 'least-busy' });

    const abort = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'g', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      signal: abort.signal,
    });
    await res.body!.getReader().read(); // the first bytes, then hang up
    abort.abort();
    await sleep(200);
    for (let i = 0; i < 3; i++) await chat(gw, 'g', { stream: true, mock_response: 'mocked' });

    // Had a call stayed "in flight", every call below would avoid its deployment.
    const { X = 0, Y = 0 } = tally(await chatMany(gw, 'g', 20));
    expect(X + Y).toBe(20);
    expect(X).toBeGreaterThan(0);
    expect(Y).toBeGreaterThan(0);
  });

  it('latency-based-routing prefers the fast deployment once both were measured', async () => {
    const slow = await upstream({ delayMs: 80 });
    const fast = await upstream();
    const gw = await gateway([deployment('g', 'SLOW', slow), deployment('g', 'FAST', fast)], { routing_strategy: 'latency-based-routing' });

    await chatMany(gw, 'g', 4); // warm-up: unmeasured deployments are tried first
    expect(slow.requests.length).toBeGreaterThan(0);
    const replies = await chatMany(gw, 'g', 50);

    expect(tally(replies).FAST ?? 0).toBeGreaterThan(40);
  });

  it('usage-based-routing sends calls to the deployment that used fewer tokens this minute', async () => {
    await awaitRoomInMinute();
    const heavy = await upstream({ usage: { prompt_tokens: 90, completion_tokens: 10, total_tokens: 100 } });
    const light = await upstream({ usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 } });
    const gw = await gateway([deployment('g', 'HEAVY', heavy), deployment('g', 'LIGHT', light)], { routing_strategy: 'usage-based-routing' });

    const replies = await chatMany(gw, 'g', 22);

    // Whoever goes first, the light one needs ~10 calls to catch up with each heavy call.
    const { HEAVY = 0, LIGHT = 0 } = tally(replies);
    expect(HEAVY + LIGHT).toBe(22);
    expect(HEAVY).toBeGreaterThanOrEqual(1);
    expect(HEAVY).toBeLessThanOrEqual(3);
  });

  it('usage-based-routing spreads calls evenly over deployments with equal usage per call', async () => {
    await awaitRoomInMinute();
    const a = await upstream();
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { routing_strategy: 'usage-based-routing-v2' });

    const { A = 0, B = 0 } = tally(await chatMany(gw, 'g', 20));

    expect(Math.abs(A - B)).toBeLessThanOrEqual(2);
  });

  it('skips a deployment that used its rpm this minute', async () => {
    await awaitRoomInMinute();
    const a = await upstream();
    const b = await upstream();
    // Weights make A the first choice while it has budget left.
    const gw = await gateway([deployment('g', 'A', a, { rpm: 2, weight: 1_000 }), deployment('g', 'B', b, { weight: 1 })], {});

    const replies = await chatMany(gw, 'g', 20);

    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(a.requests).toHaveLength(2);
    expect(tally(replies.slice(2))).toEqual({ B: 18 });
  });

  it('answers 429 "No deployments available" when every deployment used its rpm', async () => {
    await awaitRoomInMinute();
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a, { rpm: 2 })], {});

    const replies = await chatMany(gw, 'g', 3);

    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    const retryAfter = Number(replies[2]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60); // the start of the next minute
    expect(a.requests).toHaveLength(2);
  });
});
