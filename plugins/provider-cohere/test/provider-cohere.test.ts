/**
 * Sluice in front of the fake Cohere (fake-cohere.ts, checked against the cohere-ai SDK), driven
 * by the `openai` SDK for chat, streams, tools and embeddings, and by `fetch` for `/v1/rerank`.
 * What Sluice sends Cohere is checked field by field.
 */
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeCohere, type FakeCohere } from './fake-cohere.js';

const KEY = 'co-deployment-key-0000000001';
let fake: FakeCohere;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeCohere(KEY);
  sluice = await startGateway(
    {
      model_list: [
        { model_name: 'command-a', litellm_params: { model: 'cohere/command-a-03-2025', api_base: fake.url, api_key: KEY } },
        // cohere_chat/ with a v2/ model prefix, the key from COHERE_API_KEY, drop_params on.
        { model_name: 'command-r', litellm_params: { model: 'cohere_chat/v2/command-r-08-2024', api_base: `${fake.url}/v2/chat`, drop_params: true } },
        { model_name: 'embed', litellm_params: { model: 'cohere/embed-english-v3.0', api_base: fake.url, api_key: KEY } },
        { model_name: 'rerank', litellm_params: { model: 'cohere/rerank-v3.5', api_base: fake.url, api_key: KEY } },
        { model_name: 'rerank-v1', litellm_params: { model: 'cohere/rerank-english-v3.0', api_base: `${fake.url}/v1/rerank`, api_key: KEY } },
        { model_name: 'bare-command', litellm_params: { model: 'command-r-plus', api_base: fake.url, api_key: KEY } },
        // LiteLLM's explicit v1 route.
        { model_name: 'command-r-v1', litellm_params: { model: 'cohere_chat/v1/command-r', api_base: fake.url, api_key: KEY } },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { env: { COHERE_API_KEY: KEY } },
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.chat = null;
  fake.override = null;
});

function sent() {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

const WEATHER_TOOL: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true },
};

describe('chat', () => {
  it('posts OpenAI messages to /v2/chat with the bearer key and renamed parameters, and answers a chat.completion', async () => {
    const res = await client.chat.completions.create({
      model: 'command-a',
      messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      max_completion_tokens: 50,
      top_p: 0.5,
      stop: 'END',
      seed: 7,
      user: 'alice',
    });
    const req = sent();
    expect(req.path).toBe('/v2/chat');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({
      model: 'command-a-03-2025',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      max_tokens: 50,
      p: 0.5,
      stop_sequences: ['END'],
      seed: 7,
    });
    expect(res).toMatchObject({
      object: 'chat.completion',
      model: 'command-a-03-2025',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake Cohere.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 212, completion_tokens: 6, total_tokens: 218 },
    });
  });

  it('tools: sends function tools (without strict), REQUIRED for tool_choice required, and returns tool_calls', async () => {
    fake.chat = () => ({ answer: { toolCalls: [{ id: 'get_weather_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const res = await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL], tool_choice: 'required' });
    const body = sent().body;
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: WEATHER_TOOL.function.parameters } }]);
    expect(body.tool_choice).toBe('REQUIRED');
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.content).toBeNull();
    expect(res.choices[0]!.message.tool_calls).toEqual([{ id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  });

  it('tool results: the assistant turn and the tool message go back as Cohere v2 takes them', async () => {
    await client.chat.completions.create({
      model: 'command-a',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'get_weather_abc', content: '18°C, sunny' },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(sent().body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', tool_calls: [{ id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'get_weather_abc', content: '18°C, sunny' },
    ]);
  });

  it('stream: content deltas, a finish chunk and usage when asked for', async () => {
    const stream = await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(sent().body.stream).toBe(true);
    expect(sent().body.stream_options).toBeUndefined();
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the fake Cohere.');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 212, completion_tokens: 6, total_tokens: 218 });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('stream with tool calls: the OpenAI SDK assembles them', async () => {
    fake.chat = () => ({ answer: { toolCalls: [{ id: 'get_weather_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'get_weather_def', name: 'get_weather', arguments: '{"city":"Rome"}' }] } });
    const runner = client.chat.completions.stream({ model: 'command-a', messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }], tools: [WEATHER_TOOL] });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls).toMatchObject([
      { id: 'get_weather_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'get_weather_def', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
  });

  it('cohere_chat/v2/<model>: the v2/ prefix is dropped, the key comes from COHERE_API_KEY, an api_base ending in /v2/chat is used as it is', async () => {
    await client.chat.completions.create({ model: 'command-r', messages: [{ role: 'user', content: 'Hi' }], logit_bias: { '1': 2 } });
    const req = sent();
    expect(req.path).toBe('/v2/chat');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({ model: 'command-r-08-2024', messages: [{ role: 'user', content: 'Hi' }] }); // logit_bias dropped (drop_params)
  });

  it('a bare command-* model is Cohere, as in LiteLLM', async () => {
    await client.chat.completions.create({ model: 'bare-command', messages: [{ role: 'user', content: 'Hi' }] });
    expect(sent().body.model).toBe('command-r-plus');
  });

  it('refuses parameters Cohere lacks with a 400 unless drop_params', async () => {
    const err = await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'Hi' }], logprobs: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).message).toContain('cohere does not support parameters: ["logprobs"]');
    expect(fake.requests).toHaveLength(0);
  });

  it("maps Cohere's errors: 401 stays 401, 429 keeps retry-after, a 400 names Cohere", async () => {
    fake.override = () => ({ status: 429, json: { message: "You are using a Trial key, which is limited to 10 API calls / minute." }, headers: { 'retry-after': '7' } });
    const limited = (await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e)) as APIError;
    expect(limited.status).toBe(429);
    expect(limited.headers?.get('retry-after')).toBe('7');
    expect(limited.message).toContain('CohereException - You are using a Trial key');
    fake.override = null;
    const bad = (await client.chat.completions.create({ model: 'command-a', messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' }, tool_choice: 'auto', tools: [WEATHER_TOOL], temperature: 0.1, frequency_penalty: 0.1, presence_penalty: 0.1 }).catch((e: unknown) => e)) as OpenAI.ChatCompletion;
    expect(bad.choices[0]!.message.content).toBe('Hello from the fake Cohere.'); // all of those are Cohere fields
    const wrongKey = await startGateway({ model_list: [{ model_name: 'c', litellm_params: { model: 'cohere/command-a-03-2025', api_base: fake.url, api_key: 'co-wrong-key-00000000' } }], general_settings: { master_key: MASTER_KEY } });
    try {
      const res = await fetch(`${wrongKey.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'Hi' }] }) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('CohereException - invalid api token');
    } finally {
      await wrongKey.close();
    }
  });
});

describe('chat on the v1 API (cohere_chat/v1/<model>)', () => {
  it('splits the conversation as LiteLLM does: preamble-free SYSTEM/USER/CHATBOT history, the last user turn as message, v1 tools', async () => {
    const res = await client.chat.completions.create({
      model: 'command-r-v1',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'Weather?' }],
      tools: [WEATHER_TOOL],
      max_tokens: 30,
      top_p: 0.4,
    });
    const req = sent();
    expect(req.path).toBe('/v1/chat');
    expect(req.body).toEqual({
      model: 'command-r',
      message: 'Weather?',
      chat_history: [{ role: 'SYSTEM', message: 'Be brief.' }, { role: 'USER', message: 'Hi' }, { role: 'CHATBOT', message: 'Hello!' }],
      tools: [{ name: 'get_weather', description: 'Current weather', parameter_definitions: { city: { description: '', type: 'string', required: true } } }],
      max_tokens: 30,
      p: 0.4,
    });
    expect(res.choices[0]!.message.content).toBe('Hello from the fake Cohere.');
    expect(res.usage).toEqual({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
  });

  it('tool calls come back as OpenAI tool_calls; tool results go as tool_results answering their call', async () => {
    fake.chat = () => ({ answer: { toolCalls: [{ id: 'x', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const res = await client.chat.completions.create({ model: 'command-r-v1', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL] });
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    const call = res.choices[0]!.message.tool_calls![0]!;
    expect(call).toEqual({ id: 'call_gen-v1-0001', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    fake.requests.length = 0;
    fake.chat = null;
    await client.chat.completions.create({
      model: 'command-r-v1',
      messages: [{ role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: null, tool_calls: [call as OpenAI.ChatCompletionMessageToolCall] }, { role: 'tool', tool_call_id: call.id, content: '{"temperature": 18}' }],
      tools: [WEATHER_TOOL],
    });
    expect(sent().body).toMatchObject({
      message: '',
      chat_history: [{ role: 'USER', message: 'Weather in Paris?' }, { role: 'CHATBOT', message: '', tool_calls: [{ name: 'get_weather', parameters: { city: 'Paris' } }] }],
      tool_results: [{ call: { name: 'get_weather', parameters: { city: 'Paris' } }, outputs: [{ temperature: 18 }] }],
    });
  });

  it('streams the v1 NDJSON events as OpenAI chunks, with usage', async () => {
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create({ model: 'command-r-v1', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } })) chunks.push(c);
    expect(sent().body).toMatchObject({ stream: true, message: 'Hi' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the fake Cohere.');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
  });
});

describe('embeddings', () => {
  it('posts texts to /v2/embed with input_type search_document and floats, and answers an OpenAI list (floats or base64)', async () => {
    const res = await client.embeddings.create({ model: 'embed', input: ['hello world', 'bye'], encoding_format: 'float' });
    const req = sent();
    expect(req.path).toBe('/v2/embed');
    expect(req.body).toEqual({ model: 'embed-english-v3.0', texts: ['hello world', 'bye'], input_type: 'search_document', embedding_types: ['float'] });
    expect(res.data).toEqual([
      { object: 'embedding', index: 0, embedding: [0.25, -0.5, 1.5] },
      { object: 'embedding', index: 1, embedding: [1.25, -0.5, 1.5] },
    ]);
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    // The SDK's default is base64: Sluice encodes Cohere's floats as OpenAI does, and the SDK decodes them.
    fake.requests.length = 0;
    const b64 = await client.embeddings.create({ model: 'embed', input: 'hello' });
    expect(sent().body.embedding_types).toEqual(['float']);
    expect(b64.data[0]!.embedding).toEqual([0.25, -0.5, 1.5]);
  });

  it("passes Cohere's input_type and maps dimensions to output_dimension", async () => {
    await client.embeddings.create({ model: 'embed', input: 'what is X?', dimensions: 256, encoding_format: 'float', input_type: 'search_query' } as OpenAI.EmbeddingCreateParams);
    expect(sent().body).toEqual({ model: 'embed-english-v3.0', texts: ['what is X?'], input_type: 'search_query', output_dimension: 256, embedding_types: ['float'] });
  });
});

async function rerank(path: string, body: object, key = MASTER_KEY): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${sluice.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

const DOCS = ['Carson City is the capital city of the American state of Nevada.', 'Washington, D.C. is the capital of the United States.', 'Capital punishment has existed in the United States since before it was a country.'];

describe('rerank', () => {
  it('/v1/rerank, /rerank and /v2/rerank answer Cohere-shaped results; v2 is asked, documents come back by default', async () => {
    for (const path of ['/v1/rerank', '/rerank', '/v2/rerank']) {
      fake.requests.length = 0;
      const res = await rerank(path, { model: 'rerank', query: 'What is the capital of the United States?', documents: DOCS, top_n: 2 });
      expect(res.status, `${path}: ${JSON.stringify(res.json)}`).toBe(200);
      const req = sent();
      expect(req.path).toBe('/v2/rerank');
      expect(req.body).toEqual({ model: 'rerank-v3.5', query: 'What is the capital of the United States?', documents: DOCS, top_n: 2 });
      expect(res.json).toEqual({
        id: 'rerank-1',
        results: [
          { index: 1, relevance_score: expect.any(Number), document: { text: DOCS[1] } },
          { index: 0, relevance_score: expect.any(Number), document: { text: DOCS[0] } },
        ],
        meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
      });
      expect(res.headers.get('x-litellm-model-id')).toBeTruthy();
    }
  });

  it('return_documents false leaves them out; structured documents go to v2 as key: value text', async () => {
    const res = await rerank('/v1/rerank', { model: 'rerank', query: 'capital', documents: [{ title: 'Nevada', text: 'Carson City' }, 'Washington'], rank_fields: ['text'], return_documents: false });
    expect(sent().body.documents).toEqual(['text: Carson City', 'Washington']);
    expect(res.json.results.every((r: object) => !('document' in r))).toBe(true);
  });

  it('an api_base ending in /v1/rerank uses Cohere v1 with its own parameters', async () => {
    const res = await rerank('/v1/rerank', { model: 'rerank-v1', query: 'capital of the United States', documents: DOCS, top_n: 1, max_chunks_per_doc: 3 });
    const req = sent();
    expect(req.path).toBe('/v1/rerank');
    expect(req.body).toEqual({ model: 'rerank-english-v3.0', query: 'capital of the United States', documents: DOCS, top_n: 1, max_chunks_per_doc: 3, return_documents: true });
    expect(res.json.results).toEqual([{ index: 1, relevance_score: expect.any(Number), document: { text: DOCS[1] } }]);
  });

  it('routes with fallbacks: a failing rerank group is served by its fallback group', async () => {
    const gw = await startGateway({
      model_list: [
        { model_name: 'rerank-a', litellm_params: { model: 'cohere/rerank-broken', api_base: fake.url, api_key: KEY } },
        { model_name: 'rerank-b', litellm_params: { model: 'cohere/rerank-v3.5', api_base: fake.url, api_key: KEY } },
      ],
      general_settings: { master_key: MASTER_KEY },
      router_settings: { fallbacks: [{ 'rerank-a': ['rerank-b'] }] },
    });
    fake.override = (r) => (r.body.model === 'rerank-broken' ? { status: 500, json: { message: 'internal server error' } } : undefined);
    try {
      const res = await fetch(`${gw.url}/v1/rerank`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'rerank-a', query: 'capital', documents: DOCS }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
      expect(fake.requests.map((r) => r.body.model)).toContain('rerank-broken');
      expect(fake.requests.at(-1)!.body.model).toBe('rerank-v3.5');
    } finally {
      await gw.close();
    }
  });

  it('bad requests are OpenAI-format 400s; a chat model cannot rerank', async () => {
    expect((await rerank('/v1/rerank', { model: 'rerank', documents: DOCS })).json.error).toMatchObject({ param: 'query' });
    expect((await rerank('/v1/rerank', { model: 'rerank', query: 'q', documents: 'not a list' })).status).toBe(400);
    expect((await rerank('/v1/rerank', { model: 'rerank', query: 'q', documents: DOCS, top_n: 0 })).status).toBe(400);
    const noRerank = await rerank('/v1/rerank', { model: 'gpt-nothing', query: 'q', documents: DOCS });
    expect(noRerank.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });
});
