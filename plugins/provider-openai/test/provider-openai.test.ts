/**
 * provider-openai through Sluice, driven by the official `openai` SDK, against a local fake of
 * OpenAI's API. The same SDK, pointed straight at the fake, produces the reference request: what
 * Sluice sends upstream must be exactly what OpenAI's own client would have sent.
 */
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream, type Reply } from '../../../test/support/fake-upstream.js';

const UPSTREAM_KEY = 'sk-proj-upstream-secret-4242';
const ENV_KEY = 'sk-proj-from-environment-777';

let fake: FakeUpstream;
let sluice: TestGateway;
let client: OpenAI;

const completion = {
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Paris.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 19, completion_tokens: 2, total_tokens: 21, prompt_tokens_details: { cached_tokens: 16, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  service_tier: 'default',
  system_fingerprint: 'fp_06737a9306',
};

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
  fake = await startFakeUpstream(() => undefined);
  sluice = await startGateway(
    {
      model_list: [
        { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_key: UPSTREAM_KEY, api_base: `${fake.url}/v1` } },
        { model_name: 'from-env', litellm_params: { model: 'openai/gpt-4o', api_base: `${fake.url}/v1` } },
        { model_name: 'org-param', litellm_params: { model: 'openai/gpt-4o', api_base: `${fake.url}/v1`, organization: 'org-from-params' } },
        { model_name: 'embedder', litellm_params: { model: 'openai/text-embedding-3-small', api_key: UPSTREAM_KEY, api_base: `${fake.url}/v1` } },
        { model_name: 'instruct', litellm_params: { model: 'text-completion-openai/gpt-3.5-turbo-instruct', api_key: UPSTREAM_KEY, api_base: `${fake.url}/v1` } },
      ],
      general_settings: { master_key: MASTER_KEY },
      router_settings: { disable_cooldowns: true },
    },
    { env: { OPENAI_API_KEY: ENV_KEY, OPENAI_ORGANIZATION: 'org-from-env' } },
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
});

/** What OpenAI's own SDK sends for `params`: the reference for Sluice's upstream request. */
async function referenceRequest(params: ChatCompletionCreateParamsNonStreaming) {
  const saved = fake.reply;
  fake.reply = (_req, res) => sendJson(res, 200, completion);
  const direct = new OpenAI({ apiKey: UPSTREAM_KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
  await direct.chat.completions.create(params);
  fake.reply = saved;
  return fake.requests.pop()!;
}

describe('chat', () => {
  it('sends exactly what the OpenAI SDK sends, with the deployment key, and returns the response unchanged', async () => {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 20,
      stop: ['\n\n'],
      seed: 7,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { city: { type: 'string' } } } } },
    };
    const reference = await referenceRequest(params);
    fake.reply = (_req, res) => sendJson(res, 200, completion);

    const res = await client.chat.completions.create(params);

    expect(res).toEqual(completion);
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(16);
    const sent = fake.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.path).toBe(reference.path);
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.headers['openai-organization']).toBe('org-from-env');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual(reference.body);
  });

  it('falls back to OPENAI_API_KEY, and litellm_params.organization beats OPENAI_ORGANIZATION', async () => {
    fake.reply = (_req, res) => sendJson(res, 200, { ...completion, model: 'gpt-4o-2024-08-06' });
    await client.chat.completions.create({ model: 'from-env', messages: [{ role: 'user', content: 'hi' }] });
    await client.chat.completions.create({ model: 'org-param', messages: [{ role: 'user', content: 'hi' }] });
    expect(fake.requests.map((r) => [r.headers.authorization, r.headers['openai-organization'], r.body.model])).toEqual([
      [`Bearer ${ENV_KEY}`, 'org-from-env', 'gpt-4o'],
      [`Bearer ${ENV_KEY}`, 'org-from-params', 'gpt-4o'],
    ]);
  });

  it('relays a tools round trip: assistant tool_calls and tool results go upstream as the client wrote them', async () => {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_paris', content: '18C, cloudy' },
        { role: 'tool', tool_call_id: 'call_rome', content: '24C, sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: true,
    };
    const reference = await referenceRequest(params);
    const answer = { ...completion, choices: [{ index: 0, message: { role: 'assistant', content: 'Paris 18C, Rome 24C.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }] };
    fake.reply = (_req, res) => sendJson(res, 200, answer);
    const res = await client.chat.completions.create(params);
    expect(res.choices[0]!.message.content).toBe('Paris 18C, Rome 24C.');
    expect(fake.requests[0]!.body).toEqual(reference.body);
    expect(fake.requests[0]!.body.messages[1].tool_calls[1]).toEqual({ id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } });
    expect(fake.requests[0]!.body.messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_rome', content: '24C, sunny' });
  });

  it('passes multi-part content with an http and a data: image through unchanged', async () => {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o-mini',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    };
    const reference = await referenceRequest(params);
    fake.reply = (_req, res) => sendJson(res, 200, completion);
    await client.chat.completions.create(params);
    expect(fake.requests[0]!.body).toEqual(reference.body);
    expect(fake.requests[0]!.body.messages[0].content[1]).toEqual({ type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } });
  });
});

describe('streaming', () => {
  const base = { id: 'chatcmpl-stream1', object: 'chat.completion.chunk', created: 1741570000, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_1' };
  const textStream: Reply = (_req, res) =>
    sendSse(res, [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: { content: 'Bon' }, logprobs: null, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: { content: 'jour!' }, logprobs: null, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], usage: null },
      { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 } } },
    ]);

  it('streams text, asks upstream for usage, and shows it only to a client that asked', async () => {
    fake.reply = textStream;
    const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in French' }], stream: true });
    const chunks = [];
    for await (const chunk of plain) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Bonjour!');
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    expect(fake.requests[0]!.body.stream).toBe(true);
    expect(fake.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(fake.requests[0]!.headers.accept).toBe('text/event-stream');

    const withUsage = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in French' }], stream: true, stream_options: { include_usage: true } });
    const last = [];
    for await (const chunk of withUsage) last.push(chunk);
    expect(last.at(-1)).toEqual({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 } } });
  });

  it('streams tool calls: id, type and name first, then argument fragments', async () => {
    fake.reply = (_req, res) =>
      sendSse(res, [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
        { ...base, choices: [], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 } },
      ]);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      stream: true,
    });
    const deltas = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? []) deltas.push(t);
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(deltas[0]).toEqual({ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(deltas.map((d) => d.function?.arguments).join('')).toBe('{"city":"Paris"}');
    expect(finish).toBe('tool_calls');
  });
});

describe('completions and embeddings', () => {
  it('sends embeddings to /v1/embeddings and returns base64 vectors the SDK decodes', async () => {
    const vector = [0.25, -0.5, 0.125];
    fake.reply = (req, res) =>
      sendJson(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: req.body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      });
    const res = await client.embeddings.create({ model: 'embedder', input: 'hello world' });
    expect(res.data[0]!.embedding).toEqual(vector);
    expect(res.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1/embeddings');
    expect(sent.body).toEqual({ model: 'text-embedding-3-small', input: 'hello world', encoding_format: 'base64' });
  });

  it('text-completion-openai/ answers /completions and refuses chat with a 400', async () => {
    fake.reply = (_req, res) =>
      sendJson(res, 200, {
        id: 'cmpl-1',
        object: 'text_completion',
        created: 1741570100,
        model: 'gpt-3.5-turbo-instruct',
        choices: [{ text: ' world', index: 0, logprobs: null, finish_reason: 'length' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    const res = await client.completions.create({ model: 'instruct', prompt: 'hello', max_tokens: 1 });
    expect(res.choices[0]).toEqual({ text: ' world', index: 0, logprobs: null, finish_reason: 'length' });
    expect(fake.requests[0]!.path).toBe('/v1/completions');
    expect(fake.requests[0]!.body).toEqual({ model: 'gpt-3.5-turbo-instruct', prompt: 'hello', max_tokens: 1 });

    const err = await failure(client.chat.completions.create({ model: 'instruct', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('does not support /chat/completions');
    expect(fake.requests).toHaveLength(1);
  });
});

describe('upstream errors', () => {
  const ask = () => failure(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));

  it('401 → 401 with OpenAI’s message, and the key is nowhere in it', async () => {
    fake.reply = (_req, res) =>
      sendJson(res, 401, { error: { message: 'Incorrect API key provided: sk-proj-********4242. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).not.toContain(UPSTREAM_KEY);
  });

  it('429 → 429 with retry-after', async () => {
    fake.reply = (_req, res) =>
      sendJson(res, 429, { error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '7' });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err.code).toBe('rate_limit_exceeded');
  });

  it('400 context length → 400 context_length_exceeded', async () => {
    fake.reply = (_req, res) =>
      sendJson(res, 400, {
        error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130012 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' },
      });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.type).toBe('invalid_request_error');
    expect(err.message).toContain('maximum context length is 128000 tokens');
  });

  it('500 → 502', async () => {
    fake.reply = (_req, res) => sendJson(res, 500, { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('The server had an error while processing your request');
  });

  it('never writes a key to the logs', () => {
    const logs = sluice.logs.join('\n');
    expect(logs).not.toContain(UPSTREAM_KEY);
    expect(logs).not.toContain(ENV_KEY);
  });
});
