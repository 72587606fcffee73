/**
 * LiteLLM's `tests/otel_tests/test_e2e_budgeting.py`, ported (same requests, same assertions):
 * a key's `max_budget` refuses calls once spent, with LiteLLM's error body (`code` "400", `type`
 * budget_exceeded, "Budget has been exceeded! … Current cost: … Max budget: …"), read as the
 * OpenAI SDK raises it (`e.body` is the `error` object).
 */
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

let proxy: LiteLLMProxy;

async function generateKey(max_budget: number | null) {
  return (await proxy.request('POST', '/key/generate', { body: { max_budget } })).body;
}

async function chatCompletion(key: string, model: string) {
  const client = new OpenAI({ apiKey: key, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  return client.chat.completions.create({ model, messages: [{ role: 'user', content: `Say hello! ${randomUUID()}`.repeat(100) }] });
}

async function updateKeyBudget(key: string, max_budget: number) {
  return (await proxy.request('POST', '/key/update', { body: { key, max_budget } })).body;
}

/** Calls until the budget refuses one; checks the refusal as upstream does; returns the calls that passed. */
async function makeCallsUntilBudgetExceeded(key: string, model: string): Promise<number> {
  const MAX_CALLS = 50;
  let call_count = 0;
  try {
    while (call_count < MAX_CALLS) {
      await chatCompletion(key, model);
      call_count += 1;
    }
  } catch (e) {
    const error_dict = (e as { error?: Record<string, unknown> }).error!;
    expect(error_dict, String(e)).toBeDefined();
    expect(error_dict.code, `Expected error code 400, got: ${String(error_dict.code)}`).toBe('400');
    expect(error_dict.type, `Expected error type budget_exceeded, got: ${String(error_dict.type)}`).toBe('budget_exceeded');
    const message = String(error_dict.message);
    expect(message).toContain('Budget has been exceeded!');
    expect(message).toContain('Current cost:');
    expect(message).toContain('Max budget:');
    return call_count;
  }
  throw new Error(`Budget was not exceeded after ${MAX_CALLS} calls`);
}

beforeAll(async () => {
  proxy = await startLiteLLMProxy();
  // LiteLLM's fake endpoint answers every call with one fixed usage. Its cost must lie where both
  // upstream tests hold: above $0.001 / 50 (high_budget is exceeded within 50 calls) and below
  // $0.001 / 3 (budget_update makes 3 calls after one spent call). 200 + 20 tokens at
  // gpt-3.5-turbo's price = $0.00013 a call (the fake upstream's default usage, 7 + 5, costs 100x less).
  proxy.upstream.behaviour.usage = { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 };
});
afterAll(async () => {
  await proxy?.close();
});

describe('tests/otel_tests/test_e2e_budgeting.py', () => {
  // tests/otel_tests/test_e2e_budgeting.py::test_chat_completion_low_budget
  it('test_chat_completion_low_budget', async () => {
    const key = (await generateKey(0.0000000005)).key;
    const calls_made = await makeCallsUntilBudgetExceeded(key, 'fake-openai-endpoint');
    expect(calls_made, 'Should make at least one successful call before budget exceeded').toBeGreaterThan(0);
  });

  // tests/otel_tests/test_e2e_budgeting.py::test_chat_completion_zero_budget
  it('test_chat_completion_zero_budget', async () => {
    const key = (await generateKey(0)).key;
    const calls_made = await makeCallsUntilBudgetExceeded(key, 'fake-openai-endpoint');
    expect(calls_made, 'Should make no calls before budget exceeded').toBe(0);
  });

  // tests/otel_tests/test_e2e_budgeting.py::test_chat_completion_high_budget
  it('test_chat_completion_high_budget', async () => {
    const key = (await generateKey(0.001)).key;
    const calls_made = await makeCallsUntilBudgetExceeded(key, 'fake-openai-endpoint');
    expect(calls_made, 'Should make at least one successful call before budget exceeded').toBeGreaterThan(0);
  });

  // tests/otel_tests/test_e2e_budgeting.py::test_chat_completion_budget_update
  it('test_chat_completion_budget_update', async () => {
    const key = (await generateKey(0.0000000005)).key;
    const calls_made = await makeCallsUntilBudgetExceeded(key, 'fake-openai-endpoint');
    expect(calls_made, 'Should make at least one successful call before budget exceeded').toBeGreaterThan(0);
    await updateKeyBudget(key, 0.001);
    for (let i = 0; i < 3; i++) {
      const response = await chatCompletion(key, 'fake-openai-endpoint');
      expect(response, 'Should get valid response after budget update').not.toBeNull();
    }
  });
});
