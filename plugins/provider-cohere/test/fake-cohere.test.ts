/**
 * The fake Cohere, driven by the official `cohere-ai` SDK: what it answers parses as Cohere's
 * (the SDK validates every response and stream event against its schemas), and what the SDK
 * sends is what the fake takes. The provider tests rely on both.
 */
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeCohere, type FakeCohere } from './fake-cohere.js';

const KEY = 'co-test-key-0000000001';
let fake: FakeCohere;
let v2: CohereClientV2;
let v1: CohereClient;

beforeAll(async () => {
  fake = await startFakeCohere(KEY);
  v2 = new CohereClientV2({ token: KEY, environment: fake.url, maxRetries: 0 });
  v1 = new CohereClient({ token: KEY, environment: fake.url, maxRetries: 0 });
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.chat = null;
  fake.override = null;
});

describe('the fake Cohere, as the cohere-ai SDK sees it', () => {
  it('chat: the SDK request is accepted and the answer parses', async () => {
    const res = await v2.chat({ model: 'command-a-03-2025', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], temperature: 0.3, p: 0.9, stopSequences: ['END'] });
    expect(fake.requests[0]!.path).toBe('/v2/chat');
    expect(fake.requests[0]!.body).toEqual({ model: 'command-a-03-2025', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], temperature: 0.3, p: 0.9, stop_sequences: ['END'], stream: false });
    expect(res.finishReason).toBe('COMPLETE');
    expect(res.message.content).toEqual([{ type: 'text', text: 'Hello from the fake Cohere.' }]);
    expect(res.usage?.tokens).toEqual({ inputTokens: 212, outputTokens: 6 });
  });

  it('chat with tools: the SDK sends OpenAI-shaped tools and reads tool calls back', async () => {
    fake.chat = () => ({ answer: { toolCalls: [{ id: 'get_weather_7x', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const res = await v2.chat({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      toolChoice: 'REQUIRED',
    });
    expect(fake.requests[0]!.body.tool_choice).toBe('REQUIRED');
    expect(res.finishReason).toBe('TOOL_CALL');
    expect(res.message.toolCalls).toEqual([{ id: 'get_weather_7x', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });

  it('chatStream: every event parses, in order, text and tool calls alike', async () => {
    fake.chat = () => ({ answer: { text: 'Checking now.', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const types: string[] = [];
    let text = '';
    let args = '';
    let finish: string | undefined;
    for await (const event of await v2.chatStream({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hi' }] })) {
      types.push(event.type);
      if (event.type === 'content-delta') text += event.delta?.message?.content?.text ?? '';
      if (event.type === 'tool-call-delta') args += event.delta?.message?.toolCalls?.function?.arguments ?? '';
      if (event.type === 'message-end') finish = event.delta?.finishReason;
    }
    expect(fake.requests[0]!.body.stream).toBe(true);
    expect(types[0]).toBe('message-start');
    expect(types).toContain('tool-call-start');
    expect(types.at(-1)).toBe('message-end');
    expect(text).toBe('Checking now.');
    expect(args).toBe('{"city":"Paris"}');
    expect(finish).toBe('TOOL_CALL');
  });

  it('v1 chat and chatStream (CohereClient): message, chat_history, v1 tools; the answers parse', async () => {
    fake.chat = () => ({ answer: { text: 'Hi there.' } });
    const res = await v1.chat({
      model: 'command-r',
      message: 'Hello',
      chatHistory: [{ role: 'SYSTEM', message: 'Be brief.' }],
      tools: [{ name: 'get_weather', description: 'Weather', parameterDefinitions: { city: { type: 'str', description: 'City', required: true } } }],
    });
    expect(fake.requests[0]!.path).toBe('/v1/chat');
    expect(fake.requests[0]!.body).toMatchObject({ message: 'Hello', chat_history: [{ role: 'SYSTEM', message: 'Be brief.' }], tools: [{ name: 'get_weather', parameter_definitions: { city: { type: 'str', required: true } } }] });
    expect(res.text).toBe('Hi there.');
    expect(res.meta?.billedUnits).toMatchObject({ inputTokens: 12, outputTokens: 6 });
    fake.chat = () => ({ answer: { text: 'Let me check.', toolCalls: [{ id: 'x', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const events: string[] = [];
    let text = '';
    for await (const e of await v1.chatStream({ model: 'command-r', message: 'Weather?' })) {
      events.push(e.eventType);
      if (e.eventType === 'text-generation') text += e.text;
      if (e.eventType === 'tool-calls-generation') expect(e.toolCalls).toEqual([{ name: 'get_weather', parameters: { city: 'Paris' } }]);
      if (e.eventType === 'stream-end') expect(e.response.meta?.billedUnits?.outputTokens).toBe(6);
    }
    expect(events).toEqual(['stream-start', 'text-generation', 'text-generation', 'text-generation', 'tool-calls-generation', 'stream-end']);
    expect(text).toBe('Let me check.');
  });

  it('embed: v2 with input_type and embedding types', async () => {
    const res = await v2.embed({ model: 'embed-english-v3.0', texts: ['hello world', 'bye'], inputType: 'search_document', embeddingTypes: ['float'] });
    expect(fake.requests[0]!.path).toBe('/v2/embed');
    expect(fake.requests[0]!.body).toEqual({ model: 'embed-english-v3.0', texts: ['hello world', 'bye'], input_type: 'search_document', embedding_types: ['float'] });
    expect(res.embeddings.float).toHaveLength(2);
    expect(res.meta?.billedUnits?.inputTokens).toBe(3);
  });

  it('rerank: v2 and v1', async () => {
    const docs = ['Paris is in France', 'Carson City is the capital of Nevada', 'Washington, D.C. is the capital of the United States'];
    const r2 = await v2.rerank({ model: 'rerank-v3.5', query: 'capital of the United States', documents: docs, topN: 2 });
    expect(fake.requests[0]!.path).toBe('/v2/rerank');
    expect(fake.requests[0]!.body).toEqual({ model: 'rerank-v3.5', query: 'capital of the United States', documents: docs, top_n: 2 });
    expect(r2.results.map((r) => r.index)).toEqual([2, 1]);
    expect(r2.meta?.billedUnits?.searchUnits).toBe(1);
    const r1 = await v1.rerank({ model: 'rerank-english-v3.0', query: 'capital of the United States', documents: docs, topN: 1, returnDocuments: true });
    expect(fake.requests[1]!.path).toBe('/v1/rerank');
    expect(r1.results[0]).toMatchObject({ index: 2, document: { text: docs[2] } });
  });

  it('refuses a wrong key and unknown fields as Cohere does', async () => {
    const bad = new CohereClientV2({ token: 'wrong', environment: fake.url, maxRetries: 0 });
    await expect(bad.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ statusCode: 401 });
    const res = await fetch(`${fake.url}/v2/chat`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x', name: 'bob' }] }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: "invalid request: messages[0] has unknown field 'name'" });
  });
});
