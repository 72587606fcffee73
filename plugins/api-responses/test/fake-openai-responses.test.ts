/**
 * The fake Responses API is what the `openai` SDK expects: proven by driving it with the SDK
 * itself (create, stream with `responses.stream()`, previous_response_id, retrieve, delete,
 * input_items, errors) before Sluice is tested against it.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResponses, type FakeResponses } from './fake-openai-responses.js';

const KEY = 'sk-fake-responses-key-0001';
let fake: FakeResponses;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeResponses(KEY);
  client = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
});
afterAll(() => fake.close());

describe('the fake OpenAI Responses API, driven by the openai SDK', () => {
  it('creates a response the SDK parses (output_text) and stores it for retrieve, input_items and delete', async () => {
    const r = await client.responses.create({ model: 'gpt-5', input: 'hi' });
    expect(r.object).toBe('response');
    expect(r.output_text).toBe('fake saw 1 items');
    expect(r.usage?.input_tokens).toBe(11);
    expect((await client.responses.retrieve(r.id)).id).toBe(r.id);
    const items = await client.responses.inputItems.list(r.id);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user' });
    await client.responses.delete(r.id);
    await expect(client.responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 });
  });

  it('streams typed events the SDK accumulates into the final response, and continues with previous_response_id', async () => {
    const first = await client.responses.create({ model: 'gpt-5', input: 'one' });
    const stream = client.responses.stream({ model: 'gpt-5', input: 'two', previous_response_id: first.id });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('fake saw 3 items'); // one, its answer, two
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('streams function calls and refuses an unknown previous_response_id as OpenAI does', async () => {
    fake.answer = () => ({ call: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    const stream = client.responses.stream({ model: 'gpt-5', input: 'weather?', tools: [{ type: 'function', name: 'get_weather', parameters: {}, strict: false }] });
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    await expect(client.responses.create({ model: 'gpt-5', input: 'x', previous_response_id: 'resp_nope' })).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' });
  });

  it("serves Azure's layout: the SDK's AzureOpenAI client reaches /openai/responses?api-version= with api-key", async () => {
    const azure = await startFakeResponses('azure-key-1', { prefix: '/openai', auth: 'api-key' });
    try {
      const sdk = new AzureOpenAI({ endpoint: azure.url, apiKey: 'azure-key-1', apiVersion: 'preview', maxRetries: 0 });
      const r = await sdk.responses.create({ model: 'my-deployment', input: 'hi' });
      expect(r.output_text).toBe('fake saw 1 items');
      expect(azure.requests[0]!.path).toBe('/openai/responses?api-version=preview');
      expect((await sdk.responses.retrieve(r.id)).id).toBe(r.id);
    } finally {
      await azure.close();
    }
  });
});
