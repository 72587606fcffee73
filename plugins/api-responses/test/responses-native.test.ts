/**
 * `/v1/responses` to a deployment that serves the Responses API (OpenAI): the `openai` SDK
 * pointed at Sluice creates (plain and streamed, with tools), retrieves, lists input items,
 * deletes and continues with previous_response_id; another key gets 404; each call is priced
 * in the spend logs as `aresponses`.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeResponses, type FakeResponses } from './fake-openai-responses.js';
import { call, newKey, spendRows } from './support.js';

const UPSTREAM_KEY = 'sk-upstream-openai-responses-77';
let fake: FakeResponses;
let gw: TestGateway;
let client: OpenAI;
let clientKey: string;
let other: OpenAI;

beforeAll(async () => {
  fake = await startFakeResponses(UPSTREAM_KEY);
  gw = await startGateway({
    model_list: [
      {
        model_name: 'gpt-5',
        litellm_params: { model: 'openai/gpt-5', api_base: `${fake.url}/v1`, api_key: UPSTREAM_KEY, input_cost_per_token: 0.001, output_cost_per_token: 0.002 },
      },
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }, { use: 'api-responses', config: { max_request_bytes: 4096 } }],
  } as SluiceConfig);
  clientKey = await newKey(gw);
  client = new OpenAI({ apiKey: clientKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  other = new OpenAI({ apiKey: await newKey(gw), baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.answer = (body, history) => ({ text: `fake saw ${history.length + (typeof body.input === 'string' ? 1 : body.input.length)} items` });
});

describe('Responses API relayed to a native deployment', () => {
  it('creates a response: the body passes through with the upstream model, the answer is relayed and priced', async () => {
    const r = await client.responses.create({ model: 'gpt-5', input: 'hello', instructions: 'be brief', temperature: 0.2 });
    expect(r.output_text).toBe('fake saw 1 items');
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1/responses');
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.body).toMatchObject({ model: 'gpt-5', input: 'hello', instructions: 'be brief', temperature: 0.2 });
    const rows = await spendRows(gw, r.id);
    expect(rows).toHaveLength(1); // charged once
    const row = rows[0];
    expect(row.call_type).toBe('aresponses');
    expect(row.prompt_tokens).toBe(11);
    expect(row.completion_tokens).toBe(7);
    // 3 of the 11 input tokens were cached (input_tokens_details.cached_tokens): priced as cache reads.
    expect(row.spend).toBeCloseTo(8 * 0.001 + 7 * 0.002, 5);
    expect(row.spend).toBeLessThan(11 * 0.001 + 7 * 0.002);
  });

  it('streams the upstream events as they are, which the SDK accumulates; usage read from response.completed', async () => {
    const stream = client.responses.stream({ model: 'gpt-5', input: 'stream me' });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('fake saw 1 items');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    const [row] = await spendRows(gw, final.id);
    expect(row.call_type).toBe('aresponses');
    expect(row.completion_tokens).toBe(7);
    expect(row.spend).toBeGreaterThan(0);
  });

  it('relays function calls (tools pass through as Responses tools)', async () => {
    fake.answer = () => ({ call: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const r = await client.responses.create({ model: 'gpt-5', input: 'weather in Paris?', tools });
    expect(r.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(fake.requests[0]!.body.tools).toEqual(tools);
  });

  it('continues with previous_response_id on the deployment that holds it; GET, input_items, DELETE are forwarded', async () => {
    const first = await client.responses.create({ model: 'gpt-5', input: 'one' });
    const second = await client.responses.create({ model: 'gpt-5', input: 'two', previous_response_id: first.id });
    expect(fake.requests[1]!.body.previous_response_id).toBe(first.id);
    expect(second.output_text).toBe('fake saw 3 items');

    fake.requests.length = 0;
    expect((await client.responses.retrieve(second.id)).id).toBe(second.id);
    const items = await client.responses.inputItems.list(second.id);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user' });
    expect(fake.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([`GET /v1/responses/${second.id}`, `GET /v1/responses/${second.id}/input_items`]);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    const deleted = await call(gw, 'DELETE', `/v1/responses/${second.id}`, undefined, clientKey);
    expect(deleted).toMatchObject({ status: 200, json: { id: second.id, object: 'response', deleted: true } });
    expect(fake.stored.has(second.id)).toBe(false);
    await expect(client.responses.retrieve(second.id)).rejects.toMatchObject({ status: 404 });
  });

  it('hides a response from every other key: GET, input_items, DELETE and previous_response_id answer 404', async () => {
    const mine = await client.responses.create({ model: 'gpt-5', input: 'secret' });
    fake.requests.length = 0;
    await expect(other.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.responses.inputItems.list(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(other.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    expect(fake.requests).toHaveLength(0); // nothing reached the upstream
    // The proxy admin may read it.
    expect((await call(gw, 'GET', `/v1/responses/${mine.id}`)).status).toBe(200);
    expect((await client.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it('keeps nothing with store: false (the id is then unknown to Sluice)', async () => {
    const r = await client.responses.create({ model: 'gpt-5', input: 'forget me', store: false });
    const got = await call(gw, 'GET', `/v1/responses/${r.id}`);
    expect(got.status).toBe(404);
    expect(got.json.error).toMatchObject({ message: `Response with id '${r.id}' not found.`, type: 'invalid_request_error', code: '404' });
  });

  it('relays the upstream’s refusal of a previous_response_id Sluice does not know', async () => {
    const r = await call(gw, 'POST', '/v1/responses', { model: 'gpt-5', input: 'x', previous_response_id: 'resp_upstream_unknown' }, clientKey);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain("Previous response with id 'resp_upstream_unknown' not found.");
    expect(fake.requests[0]!.body.previous_response_id).toBe('resp_upstream_unknown');
  });

  it('applies the key’s model access before anything is sent', async () => {
    const limited = await newKey(gw, { models: ['some-other-model'] });
    const r = await call(gw, 'POST', '/v1/responses', { model: 'gpt-5', input: 'x' }, limited);
    expect([401, 403]).toContain(r.status);
    expect(r.json.error.message).toContain('gpt-5');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a body over max_request_bytes with a 413', async () => {
    const r = await call(gw, 'POST', '/v1/responses', { model: 'gpt-5', input: 'x'.repeat(5000) }, clientKey);
    expect(r.status).toBe(413);
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('a model group of two native deployments', () => {
  let a: FakeResponses;
  let b: FakeResponses;
  let pair: TestGateway;
  let sdk: OpenAI;

  beforeAll(async () => {
    a = await startFakeResponses(UPSTREAM_KEY);
    b = await startFakeResponses(UPSTREAM_KEY);
    pair = await startGateway({
      model_list: [a, b].map((f) => ({ model_name: 'gpt-pair', litellm_params: { model: 'openai/gpt-5', api_base: `${f.url}/v1`, api_key: UPSTREAM_KEY } })),
      general_settings: { master_key: MASTER_KEY },
    } as SluiceConfig);
    sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${pair.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await pair?.close();
    await a?.close();
    await b?.close();
  });

  it('follow-ups and reads work whichever deployment the router picks', async () => {
    const first = await sdk.responses.create({ model: 'gpt-pair', input: 'one' });
    const owner = a.stored.has(first.id) ? a : b;
    const other = owner === a ? b : a;
    for (let i = 0; i < 6; i++) {
      const next = await sdk.responses.create({ model: 'gpt-pair', input: 'two', previous_response_id: first.id });
      expect(next.output_text).toBe('fake saw 3 items');
      expect((await sdk.responses.retrieve(first.id)).id).toBe(first.id);
      expect((await sdk.responses.inputItems.list(first.id)).data[0]).toMatchObject({ type: 'message', role: 'user' });
    }
    // The router spread the calls: the other deployment got the conversation inlined, without ids.
    const inlined = other.requests.find((r) => r.method === 'POST');
    expect(inlined, 'the router never picked the other deployment').toBeDefined();
    expect(inlined!.body.previous_response_id).toBeUndefined();
    expect(inlined!.body.input.map((i: { role: string }) => i.role)).toEqual(['user', 'assistant', 'user']);
    expect(inlined!.body.input.every((i: { id?: string }) => i.id === undefined)).toBe(true);
  });
});
