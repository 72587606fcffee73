/**
 * provider-ollama through Sluice, driven by the official `openai` SDK, against a local fake of
 * Ollama's native API (/api/chat, /api/generate, /api/embed) answering in Ollama's documented
 * shapes: plain JSON, and NDJSON lines for streams.
 */
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { sendJson, startFakeUpstream, type FakeUpstream, type SeenRequest } from '../../../test/support/fake-upstream.js';

const OLLAMA_KEY = 'ollama-proxy-key-31337';
const CREATED_AT = '2025-01-15T10:00:00.123456Z';
const CREATED = 1736935200;
const PNG_BYTES = Buffer.from('fake-png-bytes');

let fake: FakeUpstream;
let sluice: TestGateway;
let client: OpenAI;
let ollamaReply: (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

const apiRequests = () => fake.requests.filter((r) => r.pathname.startsWith('/api/'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ollama's NDJSON stream, one write per line so each line is its own network read. */
async function sendNdjson(res: ServerResponse, lines: object[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) {
    res.write(JSON.stringify(line) + '\n');
    await sleep(5);
  }
  res.end();
}

const chatLine = (content: string, extra: object = {}) => ({ model: 'llama3.1', created_at: CREATED_AT, message: { role: 'assistant', content }, done: false, ...extra });
const doneLine = (extra: object = {}) => ({
  model: 'llama3.1',
  created_at: CREATED_AT,
  message: { role: 'assistant', content: '' },
  done: true,
  done_reason: 'stop',
  total_duration: 1_200_000_000,
  load_duration: 2_000_000,
  prompt_eval_count: 12,
  prompt_eval_duration: 100_000_000,
  eval_count: 2,
  eval_duration: 900_000_000,
  ...extra,
});

/** The error a call failed with; fails the test when the call succeeds. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (err) {
    return err as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await startFakeUpstream((req, res) => {
    if (req.pathname === '/img/cat.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(PNG_BYTES);
      return;
    }
    if (req.pathname.startsWith('/img/')) return sendJson(res, 404, { error: 'no such image' });
    return ollamaReply(req, res);
  });
  sluice = await startGateway({
    model_list: [
      { model_name: 'llama-chat', litellm_params: { model: 'ollama_chat/llama3.1', api_base: fake.url, num_ctx: 8192, keep_alive: '10m' } },
      { model_name: 'llama-gen', litellm_params: { model: 'ollama/llama3.1', api_base: `${fake.url}/` } },
      { model_name: 'llama-keyed', litellm_params: { model: 'ollama_chat/llama3.1', api_base: fake.url, api_key: OLLAMA_KEY } },
      { model_name: 'embedder', litellm_params: { model: 'ollama/nomic-embed-text', api_base: fake.url } },
      { model_name: 'llama-drop', litellm_params: { model: 'ollama/llama3.1', api_base: fake.url, drop_params: true } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { disable_cooldowns: true },
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  ollamaReply = (_req, res) => sendJson(res, 200, { ...doneLine(), message: { role: 'assistant', content: 'Paris.' }, prompt_eval_count: 26, eval_count: 3 });
});

describe('ollama_chat/ on /api/chat', () => {
  it('translates the request to Ollama’s chat body and the answer to a chat.completion', async () => {
    const res = await client.chat.completions.create({
      model: 'llama-chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: 'END',
      seed: 42,
      presence_penalty: 0.5,
      response_format: { type: 'json_object' },
    });

    expect(res).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{32}$/),
      object: 'chat.completion',
      created: CREATED,
      model: 'llama3.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 26, completion_tokens: 3, total_tokens: 29 },
    });
    const sent = apiRequests()[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/api/chat');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'llama3.1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      stream: false,
      options: { num_ctx: 8192, temperature: 0.2, top_p: 0.9, seed: 42, presence_penalty: 0.5, num_predict: 50, stop: ['END'] },
      format: 'json',
      keep_alive: '10m',
    });
  });

  it('sends a json_schema as `format`, max_completion_tokens as num_predict, reasoning_effort as think; maps length and thinking back', async () => {
    ollamaReply = (_req, res) => sendJson(res, 200, { ...doneLine(), message: { role: 'assistant', content: '{"city":"Par', thinking: 'The user wants JSON.' }, done_reason: 'length' });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const res = await client.chat.completions.create({
      model: 'llama-chat',
      messages: [{ role: 'developer', content: 'JSON only.' }, { role: 'user', content: 'Capital of France?' }],
      max_completion_tokens: 5,
      stop: ['}', '\n'],
      reasoning_effort: 'high',
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema } },
    });
    expect(res.choices[0]!.finish_reason).toBe('length');
    expect(res.choices[0]!.message).toEqual({ role: 'assistant', content: '{"city":"Par', reasoning_content: 'The user wants JSON.' });
    const sent = apiRequests()[0]!.body;
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'JSON only.' });
    expect(sent.format).toEqual(schema);
    expect(sent.think).toBe('high');
    expect(sent.options).toEqual({ num_ctx: 8192, num_predict: 5, stop: ['}', '\n'] });
  });

  it('translates a tools round trip both ways: tool_calls and results out, Ollama’s tool calls back', async () => {
    ollamaReply = (_req, res) =>
      sendJson(res, 200, {
        ...doneLine(),
        message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Rome', unit: 'c' } } }] },
        prompt_eval_count: 90,
        eval_count: 15,
      });
    const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
    const timeTool = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };
    const res = await client.chat.completions.create({
      model: 'llama-chat',
      messages: [
        { role: 'user', content: 'Weather in Paris, then Rome?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_paris', content: '18C, cloudy' },
      ],
      tools: [weatherTool, timeTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });

    const sent = apiRequests()[0]!.body;
    expect(sent.messages).toEqual([
      { role: 'user', content: 'Weather in Paris, then Rome?' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', content: '18C, cloudy', tool_name: 'get_weather' },
    ]);
    expect(sent.tools).toEqual([weatherTool]); // tool_choice narrows to the named function

    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome","unit":"c"}' } }]);
    expect(res.usage).toEqual({ prompt_tokens: 90, completion_tokens: 15, total_tokens: 105 });
  });

  it('sends images as base64 in `images`: a data: URL as is, an http URL downloaded', async () => {
    await client.chat.completions.create({
      model: 'llama-chat',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'text', text: 'Compare them.' },
            { type: 'image_url', image_url: { url: `${fake.url}/img/cat.png`, detail: 'high' } },
          ],
        },
      ],
    });
    expect(fake.requests.map((r) => r.path)).toEqual(['/img/cat.png', '/api/chat']);
    expect(apiRequests()[0]!.body.messages).toEqual([{ role: 'user', content: 'What is in these images?\nCompare them.', images: ['iVBORw0KGgo=', PNG_BYTES.toString('base64')] }]);
  });

  it('refuses an image it cannot fetch with a 400, before calling Ollama', async () => {
    const err = await failure(
      client.chat.completions.create({ model: 'llama-chat', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `${fake.url}/img/missing.png?sig=secret-token` } }] }] }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.headers?.get('x-sluice-error-code')).toBe('OLLAMA_IMAGE_UNREADABLE');
    expect(err.message).toContain(`${new URL(fake.url).host} answered 404`);
    expect(err.message).not.toContain('secret-token');
    expect(apiRequests()).toHaveLength(0);
  });
});

describe('streaming (NDJSON → chunks)', () => {
  it('streams text: role on the first chunk, one chunk per line, finish, then usage when asked', async () => {
    ollamaReply = (_req, res) => sendNdjson(res, [chatLine('Bon'), chatLine('jour!'), doneLine()]);
    const stream = await client.chat.completions.create({ model: 'llama-chat', messages: [{ role: 'user', content: 'Hello in French' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    const id = chunks[0]!.id;
    expect(id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    const head = { id, object: 'chat.completion.chunk', created: CREATED, model: 'llama3.1' };
    expect(chunks).toEqual([
      { ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Bon' }, finish_reason: null, logprobs: null }] },
      { ...head, choices: [{ index: 0, delta: { content: 'jour!' }, finish_reason: null, logprobs: null }] },
      { ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }] },
      { ...head, choices: [], usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 } },
    ]);
    const sent = apiRequests()[0]!;
    expect(sent.body.stream).toBe(true);
    expect(sent.headers.accept).toBe('application/x-ndjson');
  });

  it('hides the usage chunk from a client that did not ask', async () => {
    ollamaReply = (_req, res) => sendNdjson(res, [chatLine('Hi'), doneLine()]);
    const stream = await client.chat.completions.create({ model: 'llama-chat', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => [c.choices.length, c.choices[0]?.delta.content, c.choices[0]?.finish_reason])).toEqual([
      [1, 'Hi', null],
      [1, undefined, 'stop'],
    ]);
  });

  it('streams tool calls as OpenAI deltas that the SDK assembles', async () => {
    ollamaReply = (_req, res) =>
      sendNdjson(res, [
        chatLine('', { message: { role: 'assistant', content: '', tool_calls: [{ function: { index: 0, name: 'get_weather', arguments: { city: 'Paris' } } }] } }),
        chatLine('', { message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_ollama_2', function: { index: 1, name: 'get_time', arguments: { tz: 'Europe/Paris' } } }] } }),
        doneLine({ prompt_eval_count: 80, eval_count: 20 }),
      ]);
    const params = {
      model: 'llama-chat',
      messages: [{ role: 'user' as const, content: 'Weather and time in Paris?' }],
      tools: [
        { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
        { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
      ],
      stream: true as const,
    };
    const stream = await client.chat.completions.create(params);
    const deltas = [];
    for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: null });
    const firstId = deltas[1]!.tool_calls![0]!.id;
    expect(firstId).toMatch(/^call_[0-9a-f]{24}$/);
    expect(deltas.slice(1)).toEqual([
      { tool_calls: [{ index: 0, id: firstId, type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: 'call_ollama_2', type: 'function', function: { name: 'get_time', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"tz":"Europe/Paris"}' } }] },
      {},
    ]);
    expect(apiRequests()[0]!.body.tools).toEqual(params.tools);

    // The SDK's own stream helper assembles the same deltas into a completion.
    const final = await client.chat.completions.stream({ ...params, stream: undefined } as never).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls!.map((t) => [t.type, t.function.name, t.function.arguments])).toEqual([
      ['function', 'get_weather', '{"city":"Paris"}'],
      ['function', 'get_time', '{"tz":"Europe/Paris"}'],
    ]);
  });

  it('an error line after the 200 ends the stream with an in-band error', async () => {
    ollamaReply = (_req, res) => sendNdjson(res, [chatLine('Hel'), { error: 'an error was encountered while running the model: unexpected EOF' }]);
    const stream = await client.chat.completions.create({ model: 'llama-chat', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const text: string[] = [];
    const err = await failure(
      (async () => {
        for await (const chunk of stream) text.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    );
    expect(text).toEqual(['Hel']);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain('Upstream provider error (ollama_chat 500): an error was encountered while running the model: unexpected EOF');
  });
});

describe('ollama/ on /api/generate', () => {
  it('sends system messages as `system` and a lone user message as the prompt; answers a chat.completion', async () => {
    ollamaReply = (_req, res) =>
      sendJson(res, 200, { model: 'llama3.1', created_at: CREATED_AT, response: 'Paris.', done: true, done_reason: 'stop', context: [1, 2, 3], prompt_eval_count: 10, eval_count: 2 });
    const res = await client.chat.completions.create({ model: 'llama-gen', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], temperature: 0 });
    expect(res.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: 'Paris.' }, finish_reason: 'stop', logprobs: null });
    expect(res.usage).toEqual({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 });
    const sent = apiRequests()[0]!;
    expect(sent.path).toBe('/api/generate');
    expect(sent.body).toEqual({ model: 'llama3.1', prompt: 'Capital of France?', system: 'Be brief.', stream: false, options: { temperature: 0 } });
  });

  it('renders a conversation as a transcript prompt with its images beside it, and streams the answer', async () => {
    ollamaReply = (_req, res) =>
      sendNdjson(res, [
        { model: 'llama3.1', created_at: CREATED_AT, response: 'A ', done: false },
        { model: 'llama3.1', created_at: CREATED_AT, response: 'cat.', done: false },
        { model: 'llama3.1', created_at: CREATED_AT, response: '', done: true, done_reason: 'stop', prompt_eval_count: 30, eval_count: 2 },
      ]);
    const stream = await client.chat.completions.create({
      model: 'llama-gen',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('A cat.');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 30, completion_tokens: 2, total_tokens: 32 });
    expect(apiRequests()[0]!.body).toEqual({
      model: 'llama3.1',
      prompt: '### User:\nHi\n\n### Assistant:\nHello!\n\n### User:\nWhat is this?\n\n### Assistant:\n',
      images: ['AAAA'],
      stream: true,
    });
  });

  it('refuses tools on ollama/ with a coded 400 naming ollama_chat/', async () => {
    const err = await failure(
      client.chat.completions.create({ model: 'llama-gen', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.headers?.get('x-sluice-error-code')).toBe('OLLAMA_UNSUPPORTED_PARAM');
    expect(err.param).toBe('tools');
    expect(err.message).toContain('use ollama_chat/<model>');
    expect(apiRequests()).toHaveLength(0);
  });

  it('answers /completions from /api/generate, plain and streamed', async () => {
    ollamaReply = (req, res) =>
      req.body.stream
        ? sendNdjson(res, [{ model: 'llama3.1', created_at: CREATED_AT, response: ' a time', done: false }, { model: 'llama3.1', created_at: CREATED_AT, response: '', done: true, done_reason: 'length', prompt_eval_count: 3, eval_count: 2 }])
        : sendJson(res, 200, { model: 'llama3.1', created_at: CREATED_AT, response: ' a time', done: true, done_reason: 'length', prompt_eval_count: 3, eval_count: 2 });
    const res = await client.completions.create({ model: 'llama-chat', prompt: 'Once upon', max_tokens: 2, suffix: ' end.' });
    expect(res).toEqual({
      id: expect.stringMatching(/^cmpl-[0-9a-f]{32}$/),
      object: 'text_completion',
      created: CREATED,
      model: 'llama3.1',
      choices: [{ index: 0, text: ' a time', finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    expect(apiRequests()[0]!.path).toBe('/api/generate');
    expect(apiRequests()[0]!.body).toEqual({ model: 'llama3.1', prompt: 'Once upon', suffix: ' end.', stream: false, options: { num_ctx: 8192, num_predict: 2 }, keep_alive: '10m' });

    const stream = await client.completions.create({ model: 'llama-chat', prompt: 'Once upon', max_tokens: 2, stream: true });
    const pieces = [];
    for await (const chunk of stream) pieces.push([chunk.object, chunk.choices[0]?.text, chunk.choices[0]?.finish_reason]);
    expect(pieces).toEqual([
      ['text_completion', ' a time', null],
      ['text_completion', '', 'length'],
    ]);
  });
});

describe('embeddings on /api/embed', () => {
  const vectors = [
    [0.25, -0.5, 0.125],
    [1, 0, -1],
  ];

  it('returns base64 (the SDK default, decoded by it) and floats', async () => {
    ollamaReply = (_req, res) => sendJson(res, 200, { model: 'nomic-embed-text', embeddings: vectors, total_duration: 14143917, load_duration: 1019500, prompt_eval_count: 8 });
    const res = await client.embeddings.create({ model: 'embedder', input: ['first', 'second'] });
    expect(res.data.map((d) => d.embedding)).toEqual(vectors);
    expect(res.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    expect(res.model).toBe('nomic-embed-text');
    const sent = apiRequests()[0]!;
    expect(sent.path).toBe('/api/embed');
    expect(sent.body).toEqual({ model: 'nomic-embed-text', input: ['first', 'second'] });

    const floats = await client.embeddings.create({ model: 'embedder', input: 'first', encoding_format: 'float', dimensions: 3 });
    expect(floats.data).toEqual([
      { object: 'embedding', index: 0, embedding: vectors[0] },
      { object: 'embedding', index: 1, embedding: vectors[1] },
    ]);
    expect(apiRequests()[1]!.body).toEqual({ model: 'nomic-embed-text', input: 'first', dimensions: 3 });
  });
});

describe('upstream errors', () => {
  const ask = (model = 'llama-chat') => failure(client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }));

  it('404 model not found → 404 not_found_error', async () => {
    ollamaReply = (_req, res) => sendJson(res, 404, { error: 'model "llama3.1" not found, try pulling it first' });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect([err.status, err.type, err.code]).toEqual([404, 'not_found_error', 'model_not_found']);
    expect(err.message).toBe('404 model "llama3.1" not found, try pulling it first');
  });

  it('sends the key as Bearer; 401 → 401 without the key in the message', async () => {
    ollamaReply = (_req, res) => sendJson(res, 401, { error: 'unauthorized' });
    const err = await ask('llama-keyed');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.type).toBe('authentication_error');
    expect(err.message).not.toContain(OLLAMA_KEY);
    expect(apiRequests()[0]!.headers.authorization).toBe(`Bearer ${OLLAMA_KEY}`);
  });

  it('429 → 429 with retry-after', async () => {
    ollamaReply = (_req, res) => sendJson(res, 429, { error: 'too many requests' }, { 'retry-after': '30' });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('30');
    expect(err.type).toBe('rate_limit_error');
  });

  it('400 context length → 400 context_length_exceeded', async () => {
    ollamaReply = (_req, res) => sendJson(res, 400, { error: 'the input length exceeds the context length' });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.code, err.type, err.param]).toEqual(['context_length_exceeded', 'invalid_request_error', null]);
  });

  it('500 → 502', async () => {
    ollamaReply = (_req, res) => sendJson(res, 500, { error: 'llama runner process has terminated: exit status 2' });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('llama runner process has terminated');
  });

  it('refuses n > 1 with a coded 400 instead of dropping it, unless drop_params is set', async () => {
    const err = await failure(client.chat.completions.create({ model: 'llama-chat', messages: [{ role: 'user', content: 'hi' }], n: 2 }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.param).toBe('n');
    expect(err.headers?.get('x-sluice-error-code')).toBe('OLLAMA_UNSUPPORTED_PARAM');
    expect(err.message).toContain('set drop_params: true');
    expect(apiRequests()).toHaveLength(0);

    ollamaReply = (_req, res) => sendJson(res, 200, { model: 'llama3.1', created_at: CREATED_AT, response: 'ok', done: true, done_reason: 'stop' });
    const res = await client.chat.completions.create({
      model: 'llama-drop',
      messages: [{ role: 'user', content: 'hi' }],
      n: 2,
      logprobs: true,
      logit_bias: { '50256': -100 },
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      temperature: 0.1,
    });
    expect(res.choices[0]!.message.content).toBe('ok');
    expect(apiRequests()[0]!.body).toEqual({ model: 'llama3.1', prompt: 'hi', stream: false, options: { temperature: 0.1 } });
  });

  it('never writes the key to the logs', () => {
    expect(sluice.logs.join('\n')).not.toContain(OLLAMA_KEY);
  });
});

describe('the environment', () => {
  it('OLLAMA_API_BASE and OLLAMA_API_KEY serve deployments that set neither', async () => {
    const g = await startGateway(
      { model_list: [{ model_name: 'env', litellm_params: { model: 'ollama_chat/qwen3' } }], general_settings: { master_key: MASTER_KEY } },
      { env: { OLLAMA_API_BASE: fake.url, OLLAMA_API_KEY: 'env-ollama-key-42' } },
    );
    try {
      await new OpenAI({ apiKey: MASTER_KEY, baseURL: `${g.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'env', messages: [{ role: 'user', content: 'hi' }] });
    } finally {
      await g.close();
    }
    expect(apiRequests().map((r) => [r.path, r.headers.authorization, r.body.model])).toEqual([['/api/chat', 'Bearer env-ollama-key-42', 'qwen3']]);
  });
});
