/** LiteLLM's test helpers in the request body (mock_response, mock_testing_fallbacks) and model_group_alias. */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MASTER_KEY, UPSTREAM_500, chat, chatMany, deployment, gateway, upstream } from './router-fixtures.js';

describe('router-litellm: mock_response', () => {
  it('answers with the mock text without calling the upstream', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a)]);

    const r = await chat(gw, 'g', { mock_response: 'hi there' });

    expect(r.status).toBe(200);
    expect(r.servedBy).toBe('A');
    expect(r.body).toMatchObject({ object: 'chat.completion', model: 'up-model', choices: [{ index: 0, message: { role: 'assistant', content: 'hi there' }, finish_reason: 'stop' }] });
    expect(r.body.usage.completion_tokens).toBe(2);
    expect(a.requests).toHaveLength(0);
  });

  it('streams the mock text to the openai SDK without calling the upstream', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a)]);
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

    const stream = await client.chat.completions.create({ model: 'g', messages: [{ role: 'user', content: 'hi' }], stream: true, mock_response: 'hi there' } as never);
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream as unknown as AsyncIterable<OpenAI.Chat.ChatCompletionChunk>) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
    }

    expect(text).toBe('hi there');
    expect(finish).toBe('stop');
    expect(a.requests).toHaveLength(0);
  });

  it('answers a legacy completion with the mock text too', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a)]);
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

    const res = await client.completions.create({ model: 'g', prompt: 'say hi', mock_response: 'hi there' } as never);

    expect(res.choices[0]?.text).toBe('hi there');
    expect(a.requests).toHaveLength(0);
  });

  it('turns mock_response "litellm.RateLimitError" into a 429 without calling the upstream', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a)]);

    const r = await chat(gw, 'g', { mock_response: 'litellm.RateLimitError' });

    expect(r.status).toBe(429);
    expect(r.body.error).toEqual({ message: 'litellm.RateLimitError: mock_response for model=up-model', type: 'rate_limit_error', param: null, code: '429' });
    expect(a.requests).toHaveLength(0);
  });

  it('fails the fallback groups with the mock error too, as LiteLLM does (mock_response travels with the request)', async () => {
    const a = await upstream();
    const b = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ g1: ['g2'] }] });

    const r = await chat(gw, 'g1', { mock_response: 'litellm.RateLimitError' });

    expect(r.status).toBe(429);
    expect(r.body.error.message).toBe('litellm.RateLimitError: mock_response for model=up-model');
    expect(a.requests.length + b.requests.length).toBe(0);
  });

  it('maps other LiteLLM exception names to their statuses', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a)]);

    const answers = [];
    for (const name of ['litellm.InternalServerError', 'litellm.AuthenticationError', 'litellm.ContextWindowExceededError', 'litellm.Timeout']) {
      const r = await chat(gw, 'g', { mock_response: name });
      answers.push([r.status, r.body.error.code]);
    }

    expect(answers).toEqual([
      [502, '502'],
      [401, '401'],
      [400, 'context_length_exceeded'],
      [504, '504'],
    ]);
    const internal = await chat(gw, 'g', { mock_response: 'litellm.InternalServerError' });
    expect(internal.body.error.message).toBe('Upstream provider error (openai 500): litellm.InternalServerError: mock_response for model=up-model');
    expect(a.requests).toHaveLength(0);
  });
});

describe('router-litellm: mock_testing_fallbacks', () => {
  it('fails the requested group on purpose so that the fallback group serves the call', async () => {
    const a = await upstream();
    const b = await upstream({ reply: 'from the fallback' });
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ g1: ['g2'] }] });

    const r = await chat(gw, 'g1', { mock_testing_fallbacks: true });

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'B', '1']);
    expect(r.body.choices[0].message.content).toBe('from the fallback');
    expect(a.requests).toHaveLength(0);
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]!.body).not.toHaveProperty('mock_testing_fallbacks');
  });

  it('fails at once: no retries, no backoff, and no cooldown of the real deployments', async () => {
    const a1 = await upstream();
    const a2 = await upstream();
    const b = await upstream();
    const gw = await gateway([deployment('g1', 'A1', a1), deployment('g1', 'A2', a2), deployment('g2', 'B', b)], {
      fallbacks: [{ g1: ['g2'] }],
      num_retries: 3,
      allowed_fails: 0,
      cooldown_time: 60,
    });

    const tests = await chatMany(gw, 'g1', 3, { mock_testing_fallbacks: true });
    expect(tests.map((r) => [r.status, r.servedBy])).toEqual(Array(3).fill([200, 'B']));
    expect(tests.every((r) => !r.headers.has('x-litellm-attempted-retries'))).toBe(true);
    expect(Math.max(...tests.map((r) => r.ms))).toBeLessThan(400); // three backoffs would be 100 + 200 + 400 ms

    // A test call must not take g1's real deployments out of rotation.
    const real = await chatMany(gw, 'g1', 10);
    expect(real.every((r) => r.status === 200 && (r.servedBy === 'A1' || r.servedBy === 'A2'))).toBe(true);
    expect(b.requests).toHaveLength(3);
  });

  it('answers the mock error of the requested group when it has no fallbacks', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g', 'A', a)]);

    const r = await chat(gw, 'g', { mock_testing_fallbacks: true });

    expect(r.status).toBe(502);
    expect(r.body.error.message).toMatch(/mock_testing_fallbacks/);
    expect(a.requests).toHaveLength(0);
  });
});

describe('router-litellm: model_group_alias', () => {
  it('serves an alias from the group it points to', async () => {
    const a = await upstream({ reply: 'g1 here' });
    const gw = await gateway([deployment('g1', 'A', a)], { model_group_alias: { 'gpt-4': 'g1', 'gpt-4-hidden': { model: 'g1', hidden: true } } });

    const r = await chat(gw, 'gpt-4');
    const hidden = await chat(gw, 'gpt-4-hidden');

    expect([r.status, r.servedBy, r.body.choices[0].message.content]).toEqual([200, 'A', 'g1 here']);
    expect([hidden.status, hidden.servedBy]).toEqual([200, 'A']);
    expect(a.requests.map((q) => q.body.model)).toEqual(['up-model', 'up-model']);
  });

  it('follows aliases in fallbacks', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { model_group_alias: { backup: 'g2' }, fallbacks: [{ g1: ['backup'] }] });

    const r = await chat(gw, 'g1');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'B', '1']);
  });

  it('still answers 400 for a model that is neither a group nor an alias', async () => {
    const a = await upstream();
    const gw = await gateway([deployment('g1', 'A', a)], { model_group_alias: { 'gpt-4': 'g1' } });

    const r = await chat(gw, 'gpt-5');

    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('/chat/completions: Invalid model name passed in model=gpt-5. Call `/v1/models` to view available models for your key.');
  });
});
