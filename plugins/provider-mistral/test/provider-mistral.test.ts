/**
 * Sluice in front of the fake Mistral (fake-mistral.ts, checked against the official SDK), driven
 * by the `openai` SDK: LiteLLM's Mistral request translation (checked field by field on the wire),
 * answers, streams, tools, embeddings, errors, and LiteLLM's Mistral config examples as written.
 */
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeMistral, type FakeMistral } from './fake-mistral.js';

const KEY = 'mistral-deployment-key-0001';
let fake: FakeMistral;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeMistral(KEY);
  sluice = await startGateway(
    {
      model_list: [
        // LiteLLM's docs example (providers/mistral.md), pointed at the fake.
        { model_name: 'mistral-small-latest', litellm_params: { model: 'mistral/mistral-small-latest', api_key: 'os.environ/MISTRAL_API_KEY', api_base: `${fake.url}/v1` } },
        // api_base without /v1 (LiteLLM appends it), a deployment-level safe_prompt, drop_params.
        { model_name: 'mistral-safe', litellm_params: { model: 'mistral/mistral-large-latest', api_key: KEY, api_base: fake.url, safe_prompt: true, drop_params: true } },
        { model_name: 'mistral-embed', litellm_params: { model: 'mistral/mistral-embed', api_base: fake.url } },
        { model_name: 'magistral', litellm_params: { model: 'mistral/magistral-medium-2506', api_base: fake.url } },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { env: { MISTRAL_API_KEY: KEY } },
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
});

function sent() {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

const TOOL: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    strict: true,
    parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false },
  },
};

describe('chat', () => {
  it("translates as LiteLLM's MistralConfig: seed → random_seed, max_completion_tokens → max_tokens, text lists → strings, no name/user/stream_options", async () => {
    const res = await client.chat.completions.create({
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', name: 'alice', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }] },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'again' },
      ],
      seed: 42,
      max_completion_tokens: 64,
      temperature: 0.2,
      user: 'alice',
    });
    const req = sent();
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
        { role: 'user', content: 'again' },
      ],
      random_seed: 42,
      max_tokens: 64,
      temperature: 0.2,
    });
    expect(res.choices[0]!.message.content).toBe('Bonjour from the fake Mistral.');
    expect(res.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  });

  it('tools: tool_choice required → any, schemas cleaned of $schema / additionalProperties: false / strict; tool calls come back', async () => {
    fake.chat = () => ({ answer: { content: '', toolCalls: [{ id: 'D681PevKs', name: 'get_current_weather', arguments: '{"location": "Boston"}' }] } });
    const res = await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: "What's the weather like in Boston today?" }], tools: [TOOL], tool_choice: 'required' });
    const body = sent().body;
    expect(body.tool_choice).toBe('any');
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_current_weather', description: 'Get the current weather in a given location', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } }]);
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(res.choices[0]!.message.content).toBeNull(); // Mistral's empty content becomes null
    expect(res.choices[0]!.message.tool_calls![0]).toMatchObject({ id: 'D681PevKs', type: 'function', function: { name: 'get_current_weather', arguments: '{"location": "Boston"}' } });
  });

  it('a tool round trip: assistant tool_calls and the tool result go back in the shape Mistral takes', async () => {
    await client.chat.completions.create({
      model: 'mistral-small-latest',
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'get_current_weather', arguments: '{"location": "Boston"}' } }] },
        { role: 'tool', tool_call_id: 'D681PevKs', content: '22C' },
      ],
      tools: [{ type: 'function', function: { name: 'get_current_weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'auto',
    });
    expect(sent().body.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', tool_calls: [{ id: 'D681PevKs', type: 'function', function: { name: 'get_current_weather', arguments: '{"location": "Boston"}' } }] },
      { role: 'tool', tool_call_id: 'D681PevKs', content: '22C' },
    ]);
  });

  it('stream: chunks relayed, usage from the last chunk, no stream_options sent', async () => {
    const stream = await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(sent().body).toEqual({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Bonjour from the fake Mistral.');
    expect(chunks.find((c) => c.usage)?.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
  });

  it("a reasoning model's content list becomes content + reasoning_content, in answers and streams; reasoning_effort is not sent", async () => {
    const content = [{ type: 'thinking', thinking: [{ type: 'text', text: '12 squared is 144.' }] }, { type: 'text', text: 'The answer is 12.' }];
    fake.chat = () => ({ answer: { content } });
    const res = await client.chat.completions.create({ model: 'magistral', messages: [{ role: 'user', content: 'sqrt(144)?' }], reasoning_effort: 'medium' });
    expect(sent().body.reasoning_effort).toBeUndefined();
    expect(res.choices[0]!.message.content).toBe('The answer is 12.');
    expect((res.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content).toBe('12 squared is 144.');
    fake.requests.length = 0;
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create({ model: 'magistral', messages: [{ role: 'user', content: 'sqrt(144)?' }], stream: true })) chunks.push(c);
    const delta = chunks.map((c) => c.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined).find((d) => d?.reasoning_content);
    expect(delta).toMatchObject({ content: 'The answer is 12.', reasoning_content: '12 squared is 144.' });
  });

  it('deployment parameters (safe_prompt) are sent; drop_params leaves out what Mistral lacks', async () => {
    await client.chat.completions.create({ model: 'mistral-safe', messages: [{ role: 'user', content: 'Hi' }], logit_bias: { '1': 1 } });
    const req = sent();
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body).toEqual({ safe_prompt: true, model: 'mistral-large-latest', messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('refuses what Mistral lacks with a 400 unless drop_params; passes its own parameters', async () => {
    const err = (await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }], logprobs: true }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(err.message).toContain('mistral does not support parameters: ["logprobs"]');
    expect(fake.requests).toHaveLength(0);
    await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }], safe_prompt: true, n: 2, presence_penalty: 0.5 } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(sent().body).toMatchObject({ safe_prompt: true, n: 2, presence_penalty: 0.5 });
  });

  it("maps Mistral's errors: 401, 429 with retry-after, 422 validation details readable", async () => {
    fake.chat = () => ({ status: 429, json: { object: 'error', message: 'Requests rate limit exceeded', type: 'rate_limited', param: null, code: '1300' }, headers: { 'retry-after': '3' } });
    const limited = (await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e)) as APIError;
    expect(limited.status).toBe(429);
    expect(limited.headers?.get('retry-after')).toBe('3');
    expect(limited.message).toContain('MistralException - Requests rate limit exceeded');
    fake.chat = () => ({ status: 422, json: { object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'foo'], msg: 'Extra inputs are not permitted' }] }, type: 'invalid_request_error' } });
    const invalid = (await client.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e)) as APIError;
    expect(invalid.status).toBe(422);
    expect(invalid.message).toContain('MistralException - body.foo: Extra inputs are not permitted');
  });
});

describe('embeddings', () => {
  it('mistral-embed with the key from MISTRAL_API_KEY: floats as they are, base64 (the SDK default) encoded by Sluice, dimensions → output_dimension', async () => {
    const floats = await client.embeddings.create({ model: 'mistral-embed', input: ['good morning from litellm'], encoding_format: 'float' });
    expect(sent().body).toEqual({ model: 'mistral-embed', input: ['good morning from litellm'] });
    expect(sent().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(floats.data[0]!.embedding).toEqual([0, 0.25, 0.5]);
    expect(floats.usage).toMatchObject({ prompt_tokens: 2, total_tokens: 2 });
    fake.requests.length = 0;
    const b64 = await client.embeddings.create({ model: 'mistral-embed', input: ['a', 'b'], dimensions: 2 });
    expect(sent().body).toEqual({ model: 'mistral-embed', input: ['a', 'b'], output_dimension: 2 });
    expect(b64.data.map((d) => d.embedding)).toEqual([[0, 0.25], [1, 1.25]]);
  });
});

describe("LiteLLM's Mistral configs as written", () => {
  it('model: mistral/<model> with no api_base goes to MISTRAL_AZURE_API_BASE (else api.mistral.ai/v1), /v1 appended', async () => {
    const gw = await startGateway(
      {
        model_list: [
          { model_name: 'mistral-small-latest', litellm_params: { model: 'mistral/mistral-small-latest', api_key: 'os.environ/MISTRAL_API_KEY' } },
          { model_name: 'mistral-embed', litellm_params: { model: 'mistral/mistral-embed' } },
          { model_name: 'codestral-latest', litellm_params: { model: 'codestral-latest' } },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      { env: { MISTRAL_API_KEY: KEY, MISTRAL_AZURE_API_BASE: fake.url } },
    );
    try {
      const c = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      await c.chat.completions.create({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'what llm are you' }] });
      await c.embeddings.create({ model: 'mistral-embed', input: 'good morning' });
      await c.chat.completions.create({ model: 'codestral-latest', messages: [{ role: 'user', content: 'def f():' }] });
      expect(fake.requests.map((r) => [r.path, r.body.model, r.headers.authorization])).toEqual([
        ['/v1/chat/completions', 'mistral-small-latest', `Bearer ${KEY}`],
        ['/v1/embeddings', 'mistral-embed', `Bearer ${KEY}`],
        ['/v1/chat/completions', 'codestral-latest', `Bearer ${KEY}`],
      ]);
    } finally {
      await gw.close();
    }
  });
});
