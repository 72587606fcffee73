/**
 * Governance end to end with the official openai SDK and keys issued through the management API,
 * the way a LiteLLM user meets it: a key's budget, its rate limit, and its spend on /key/info.
 * `gpt-4o-mini` is priced from the bundled cost map; the upstream is a local mock.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

let upstream: MockOpenAI;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gw = await startGateway(proxyConfig(upstream.url));
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function admin(path: string, body?: object): Promise<Record<string, any>> {
  const res = await fetch(`${gw.url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const ask = (apiKey: string) => client(apiKey).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

describe('a virtual key as the openai SDK sees it', () => {
  it('a tiny max_budget lets the first call through and refuses the next with budget_exceeded (LiteLLM behaviour)', async () => {
    const { key } = await admin('/key/generate', { max_budget: 0.0000001, key_alias: 'tiny' });
    await ask(key);
    await gw.gateway.observers.drain();
    const refused = await ask(key).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    const e = refused as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(400);
    expect(e.type).toBe('budget_exceeded');
    expect(e.message).toMatch(/Budget has been exceeded! Key=tiny Current cost: [0-9.e-]+, Max budget: 1e-7/);
  });

  it('rpm_limit 2 admits two calls a minute; the third gets 429 with retry-after and the x-ratelimit headers', async () => {
    const { key } = await admin('/key/generate', { rpm_limit: 2 });
    const first = await client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(first.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.response.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    await ask(key);
    const refused = (await ask(key).catch((err: unknown) => err)) as InstanceType<typeof OpenAI.APIError>;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.message).toMatch(/Rate limit exceeded/);
  });

  it("a key's spend shows on /key/info and on /spend/logs", async () => {
    const { key, token } = await admin('/key/generate', { key_alias: 'spender' });
    const res = await client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    const cost = Number(res.response.headers.get('x-litellm-response-cost'));
    expect(cost).toBeGreaterThan(0);
    await gw.gateway.observers.drain();
    await expect.poll(async () => (await admin(`/key/info?key=${key}`)).info.spend, { timeout: 5_000 }).toBeCloseTo(cost, 12);
    await expect.poll(async () => (await admin(`/spend/logs?api_key=${token}`)) as unknown as unknown[], { timeout: 5_000 }).toHaveLength(1);
  });
});
