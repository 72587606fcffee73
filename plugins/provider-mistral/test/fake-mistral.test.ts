/** The fake Mistral, driven by the official `@mistralai/mistralai` SDK: its answers parse, the SDK's requests pass. */
import { Mistral } from '@mistralai/mistralai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeMistral, type FakeMistral } from './fake-mistral.js';

const KEY = 'mistral-test-key-0000001';
let fake: FakeMistral;
let sdk: Mistral;

beforeAll(async () => {
  fake = await startFakeMistral(KEY);
  sdk = new Mistral({ apiKey: KEY, serverURL: fake.url });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.chat = null;
});

describe('the fake Mistral, as the official SDK sees it', () => {
  it('chat.complete: random_seed, safe_prompt and tool_choice any are taken; the answer parses', async () => {
    const res = await sdk.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }], randomSeed: 3, safePrompt: true, maxTokens: 20 });
    expect(fake.requests[0]!.body).toEqual({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }], random_seed: 3, safe_prompt: true, max_tokens: 20, stream: false });
    expect(res.choices[0]?.message?.content).toBe('Bonjour from the fake Mistral.');
    expect(res.usage).toMatchObject({ promptTokens: 11, completionTokens: 7, totalTokens: 18 });
  });

  it('chat.complete with tools: tool calls parse', async () => {
    fake.chat = () => ({ answer: { toolCalls: [{ id: 'D681PevKs', name: 'get_weather', arguments: '{"city": "Paris"}' }] } });
    const res = await sdk.chat.complete({
      model: 'mistral-large-latest',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      toolChoice: 'any',
    });
    expect(fake.requests[0]!.body.tool_choice).toBe('any');
    expect(res.choices[0]!.finishReason).toBe('tool_calls');
    expect(res.choices[0]?.message?.toolCalls?.[0]).toMatchObject({ id: 'D681PevKs', function: { name: 'get_weather', arguments: '{"city": "Paris"}' } });
  });

  it('chat.stream: every chunk parses, usage arrives last', async () => {
    let text = '';
    let usage: unknown;
    for await (const event of await sdk.chat.stream({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] })) {
      const content = event.data.choices[0]?.delta.content;
      if (typeof content === 'string') text += content;
      if (event.data.usage) usage = event.data.usage;
    }
    expect(fake.requests[0]!.body.stream).toBe(true);
    expect(text).toBe('Bonjour from the fake Mistral.');
    expect(usage).toMatchObject({ promptTokens: 11, completionTokens: 7 });
  });

  it('embeddings.create', async () => {
    const res = await sdk.embeddings.create({ model: 'mistral-embed', inputs: ['a', 'b'] });
    expect(fake.requests[0]!.body).toEqual({ model: 'mistral-embed', input: ['a', 'b'] });
    expect(res.data.map((d) => d.embedding)).toEqual([[0, 0.25, 0.5], [1, 1.25, 1.5]]);
  });

  it("refuses what Mistral refuses: a wrong key, extra fields, name on a user message", async () => {
    await expect(new Mistral({ apiKey: 'wrong', serverURL: fake.url }).chat.complete({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ statusCode: 401 });
    const post = (body: object) => fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
    expect((await post({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } })).status).toBe(422);
    expect((await post({ model: 'm', messages: [{ role: 'user', content: 'x', name: 'bob' }] })).status).toBe(422);
  });
});
