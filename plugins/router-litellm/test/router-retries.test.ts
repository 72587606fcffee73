/** Retries within a model group: which errors, where the retry goes, how long it waits. */
import { describe, expect, it } from 'vitest';
import { UPSTREAM_429, UPSTREAM_500, chat, chatMany, deployment, gateway, tally, upstream } from './router-fixtures.js';

describe('router-litellm: retries', () => {
  it('retries a 500 once, on the other deployment of the group, and says so in x-litellm-attempted-retries', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream({ reply: 'from B' });
    // allowed_fails high: A must stay in rotation so that calls keep picking it first.
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 1, allowed_fails: 1000 });

    const replies = await chatMany(gw, 'g', 20);

    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(tally(replies)).toEqual({ B: 20 });
    expect(replies.every((r) => r.body.choices[0].message.content === 'from B')).toBe(true);
    const retried = replies.filter((r) => r.headers.get('x-litellm-attempted-retries') === '1');
    const direct = replies.filter((r) => !r.headers.has('x-litellm-attempted-retries'));
    expect(retried.length + direct.length).toBe(20);
    // Shuffle picks A first about half the time (2^-20 odds of never); each such call hit A once.
    expect(retried.length).toBeGreaterThan(0);
    expect(a.requests).toHaveLength(retried.length);
    expect(b.requests).toHaveLength(20);
  });

  it('with num_retries 0, a failing only deployment gives 502 after one attempt', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const gw = await gateway([deployment('g', 'A', a)], { num_retries: 0 });

    const r = await chat(gw, 'g');

    expect(r.status).toBe(502);
    expect(r.body).toEqual({ error: { message: 'Upstream provider error (openai 500): upstream exploded', type: 'api_error', param: null, code: '502' } });
    expect(r.headers.has('x-litellm-attempted-retries')).toBe(false);
    expect(a.requests).toHaveLength(1);
  });

  it('counts every retry of a single deployment, also when the group then falls back', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream({ reply: 'from B' });
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { num_retries: 2, fallbacks: [{ g1: ['g2'] }] });

    const r = await chat(gw, 'g1');

    expect(r.status).toBe(200);
    expect(r.servedBy).toBe('B');
    expect(a.requests).toHaveLength(3); // the first try and two retries, all on A
    expect(r.headers.get('x-litellm-attempted-retries')).toBe('2');
    expect(r.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
  });

  it("waits for the upstream's retry-after before retrying the same deployment", async () => {
    const a = await upstream({ fail: { ...UPSTREAM_429, headers: { 'retry-after': '1' } }, failTimes: 1, reply: 'second time lucky' });
    const gw = await gateway([deployment('g', 'A', a)], { num_retries: 1 });

    const r = await chat(gw, 'g');

    expect(r.status).toBe(200);
    expect(r.body.choices[0].message.content).toBe('second time lucky');
    expect(r.headers.get('x-litellm-attempted-retries')).toBe('1');
    expect(a.requests).toHaveLength(2);
    expect(r.ms).toBeGreaterThanOrEqual(1_000);
    expect(r.ms).toBeLessThan(2_500);
  });

  it("does not make a call wait for a rate-limited deployment's retry-after when another deployment can serve it", async () => {
    const a = await upstream({ fail: { ...UPSTREAM_429, headers: { 'retry-after': '5' } } });
    const b = await upstream({ reply: 'from B' });
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 1 });

    // Until a call happens to pick A first (then A cools down at once: 429).
    const replies = [];
    for (let i = 0; i < 30 && a.requests.length === 0; i++) replies.push(await chat(gw, 'g'));
    const retried = replies.at(-1)!;

    expect(a.requests).toHaveLength(1);
    expect(retried.status).toBe(200);
    expect(retried.servedBy).toBe('B');
    expect(retried.headers.get('x-litellm-attempted-retries')).toBe('1');
    expect(retried.ms).toBeLessThan(1_000); // LiteLLM retries on another healthy deployment without sleeping
  });

  it('passes a 400 through without retrying it', async () => {
    const a = await upstream({ fail: { status: 400, body: { error: { message: 'temperature is out of range', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } } });
    const gw = await gateway([deployment('g', 'A', a)], { num_retries: 3 });

    const r = await chat(gw, 'g');

    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { message: 'temperature is out of range', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } });
    expect(a.requests).toHaveLength(1);
  });

  it('does not move a 400 to another deployment of the group either', async () => {
    const a = await upstream({ fail: { status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } } });
    const b = await upstream();
    const gw = await gateway([deployment('g', 'A', a), deployment('g', 'B', b)], { num_retries: 3, allowed_fails: 1000 });

    const replies = await chatMany(gw, 'g', 20);

    const rejected = replies.filter((r) => r.status === 400);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.length + replies.filter((r) => r.status === 200 && r.servedBy === 'B').length).toBe(20);
    expect(a.requests).toHaveLength(rejected.length);
    expect(b.requests).toHaveLength(20 - rejected.length);
  });
});
