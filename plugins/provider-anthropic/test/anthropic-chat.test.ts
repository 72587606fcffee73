/**
 * Chat through Sluice to a fake Anthropic, driven by the official `openai` SDK. What Sluice sends
 * is checked field by field and against what the official `@anthropic-ai/sdk` puts on the wire
 * for the same Anthropic request (its types check the expected request; its bytes must match).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { errorReply, messageOf, startFakeAnthropic, type FakeAnthropic, type Reply } from './fake-anthropic.js';

const KEY = 'sk-ant-api03-deployment-key-0001';
const MODEL = 'claude-sonnet-5-5';

let fake: FakeAnthropic;
let sluice: TestGateway;
let client: OpenAI;
let sdk: Anthropic;
const defaultRespond = (): FakeAnthropic['respond'] => (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }] }) });

beforeAll(async () => {
  fake = await startFakeAnthropic(KEY);
  sluice = await startGateway({
    model_list: [
      { model_name: 'claude', litellm_params: { model: `anthropic/${MODEL}`, api_base: fake.url, api_key: KEY } },
      // api_base given with /v1, and drop_params for this deployment only.
      { model_name: 'claude-lenient', litellm_params: { model: 'anthropic/claude-haiku-5-5', api_base: `${fake.url}/v1/`, api_key: KEY, drop_params: true } },
    ],
    general_settings: { master_key: MASTER_KEY },
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
  sdk = new Anthropic({ baseURL: fake.url, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.respond = defaultRespond();
});

/** The body `@anthropic-ai/sdk` sends for `params`, captured by the fake. */
async function sdkSends(params: Anthropic.MessageCreateParamsNonStreaming): Promise<unknown> {
  await sdk.messages.create(params);
  const sent = fake.requests.at(-1)!;
  expect(sent.headers.authorization).toBe(`Bearer ${KEY}`); // it was the SDK's request
  return sent.body;
}

/** The one request Sluice sent for the last client call. */
function sluiceSent() {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

describe('plain chat', () => {
  it('posts to /v1/messages with x-api-key and anthropic-version, system hoisted, max_tokens defaulted', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }] })
      .withResponse();
    const sent = sluiceSent();
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers.authorization).toBeUndefined(); // the client's master key never goes upstream
    const expected: Anthropic.MessageCreateParamsNonStreaming = { model: MODEL, max_tokens: 4096, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] };
    expect(sent.body).toEqual(expected);
    expect(await sdkSends(expected)).toEqual(sent.body);

    const now = Math.floor(Date.now() / 1000);
    expect(data).toEqual({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: expect.any(Number),
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the fake Anthropic.' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 12, completion_tokens: 6, total_tokens: 18, prompt_tokens_details: { cached_tokens: 0 }, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(Math.abs(data.created - now)).toBeLessThanOrEqual(5);
    expect(response.headers.get('x-litellm-model-id')).toBeTruthy();
  });

  it('maps temperature, top_p, stop, max_completion_tokens and user; accepts OpenAI defaults', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'Count' }],
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      max_completion_tokens: 50,
      user: 'user-42',
      n: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      logprobs: false,
      response_format: { type: 'text' },
    });
    const typed: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Count' }],
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    };
    // temperature and top_p are API 2023-06-01 fields that SDK 1.14 (API 2026-10-21) no longer types.
    const expected = { ...typed, temperature: 0.2, top_p: 0.9 };
    const sent = sluiceSent();
    expect(sent.body).toEqual(expected);
    expect(await sdkSends(expected)).toEqual(sent.body);

    fake.requests.length = 0;
    await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Count' }], stop: ['a', 'b'], max_tokens: 7 });
    expect(sluiceSent().body).toEqual({ model: MODEL, max_tokens: 7, messages: [{ role: 'user', content: 'Count' }], stop_sequences: ['a', 'b'] });
  });

  it('merges consecutive same-role messages, hoists every system and developer message, drops empty assistant turns', async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Rule A.' },
        { role: 'user', content: 'one' },
        { role: 'developer', content: [{ type: 'text', text: 'Rule B.' }] },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: 'ok' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'three' },
      ],
    });
    const expected: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'Rule A.' },
        { type: 'text', text: 'Rule B.' },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'three' },
      ],
    };
    const sent = sluiceSent();
    expect(sent.body).toEqual(expected);
    expect(await sdkSends(expected)).toEqual(sent.body);
  });

  it('passes prompt-caching cache_control through and reports cache usage the LiteLLM way', async () => {
    fake.respond = (r) => ({
      status: 200,
      json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'cached' }], usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000 } }),
    });
    const res = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long manual…', cache_control: { type: 'ephemeral' } } as OpenAI.ChatCompletionContentPartText] },
        { role: 'user', content: 'Question' },
      ],
    });
    const expected: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 4096,
      system: [{ type: 'text', text: 'Long manual…', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Question' }],
    };
    expect(sluiceSent().body).toEqual(expected);
    expect(res.usage).toEqual({
      prompt_tokens: 1210,
      completion_tokens: 5,
      total_tokens: 1215,
      prompt_tokens_details: { cached_tokens: 1000 },
      cache_creation_input_tokens: 200,
      cache_read_input_tokens: 1000,
    });
  });

  it('maps every stop reason to its OpenAI finish reason', async () => {
    const cases: [string, string][] = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['model_context_window_exceeded', 'length'],
      ['refusal', 'content_filter'],
      ['pause_turn', 'stop'],
    ];
    for (const [stopReason, finish] of cases) {
      fake.respond = (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'x' }], stop_reason: stopReason }) });
      const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
      expect([stopReason, res.choices[0]!.finish_reason]).toEqual([stopReason, finish]);
    }
  });
});

describe('tools', () => {
  const weather: OpenAI.ChatCompletionFunctionTool = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
    },
  };
  const anthropicWeather: Anthropic.Tool = {
    name: 'get_weather',
    description: 'Current weather in a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
  };
  const toolUseReply: Reply = {
    status: 200,
    json: messageOf({
      model: MODEL,
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
        { type: 'tool_use', id: 'toolu_01B09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    }),
  };

  it('round trip: tool_use blocks become tool_calls, and tool_calls with tool results translate back', async () => {
    fake.respond = () => toolUseReply;
    const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'Weather in Paris and Oslo?' };
    const first = await client.chat.completions.create({ model: 'claude', messages: [question], tools: [weather], tool_choice: 'auto', parallel_tool_calls: false });
    const expectedFirst: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }],
      tools: [anthropicWeather],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    };
    expect(sluiceSent().body).toEqual(expectedFirst);
    expect(first.choices[0]).toEqual({
      index: 0,
      finish_reason: 'tool_calls',
      logprobs: null,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
          { id: 'toolu_01B09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
    });

    fake.requests.length = 0;
    fake.respond = defaultRespond();
    const assistant = first.choices[0]!.message as OpenAI.ChatCompletionAssistantMessageParam;
    await client.chat.completions.create({
      model: 'claude',
      tools: [weather],
      messages: [
        question,
        assistant,
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, sunny' },
        { role: 'tool', tool_call_id: 'toolu_01B09q90qw90lq917835lq9', content: [{ type: 'text', text: '-3°C, snow' }] },
        { role: 'user', content: 'Thanks!' },
      ],
    });
    // The fake refuses unpaired tool_use/tool_result blocks, as Anthropic does: this request passed.
    const expectedSecond: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 4096,
      tools: [anthropicWeather],
      messages: [
        { role: 'user', content: 'Weather in Paris and Oslo?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
            { type: 'tool_use', id: 'toolu_01B09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Oslo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, sunny' },
            { type: 'tool_result', tool_use_id: 'toolu_01B09q90qw90lq917835lq9', content: [{ type: 'text', text: '-3°C, snow' }] },
            { type: 'text', text: 'Thanks!' },
          ],
        },
      ],
    };
    const sent = sluiceSent();
    expect(sent.body).toEqual(expectedSecond);
    expect(await sdkSends(expectedSecond)).toEqual(sent.body);
  });

  it('a reply made only of tool calls has content null', async () => {
    fake.respond = () => ({ status: 200, json: messageOf({ model: MODEL, stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 'toolu_1', name: 'ping', input: {} }] }) });
    const res = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'ping' }], tools: [{ type: 'function', function: { name: 'ping' } }] });
    expect(res.choices[0]!.message).toEqual({ role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'ping', arguments: '{}' } }] });
    // A function without parameters is offered with an empty object schema.
    expect(sluiceSent().body.tools).toEqual([{ name: 'ping', input_schema: { type: 'object', properties: {} } }]);
  });

  it('maps tool_choice required, a named function and none', async () => {
    const send = async (tool_choice: OpenAI.ChatCompletionToolChoiceOption) => {
      fake.requests.length = 0;
      await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], tools: [weather], tool_choice });
      return sluiceSent().body;
    };
    expect(await send('required')).toMatchObject({ tools: [anthropicWeather], tool_choice: { type: 'any' } });
    expect(await send({ type: 'function', function: { name: 'get_weather' } })).toMatchObject({ tools: [anthropicWeather], tool_choice: { type: 'tool', name: 'get_weather' } });
    const none = await send('none');
    expect(none).not.toHaveProperty('tools');
    expect(none).not.toHaveProperty('tool_choice');
  });
});

describe('multi-part content', () => {
  it('sends text, a base64 data: URL image and an http image URL as Anthropic blocks', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
            { type: 'image_url', image_url: { url: 'https://upload.example.org/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    });
    const expected: Anthropic.MessageCreateParamsNonStreaming = {
      model: MODEL,
      max_tokens: 4096,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these images?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } },
            { type: 'image', source: { type: 'url', url: 'https://upload.example.org/cat.jpg' } },
          ],
        },
      ],
    };
    const sent = sluiceSent();
    expect(sent.body).toEqual(expected);
    expect(await sdkSends(expected)).toEqual(sent.body);
  });

  it('refuses a data: URL that is not base64 with a 400 naming the part, without calling Anthropic', async () => {
    const err = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml,%3Csvg%3E' } }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).error).toEqual({
      message: 'messages[0].content[0].image_url.url: data: URLs must be base64 encoded with a media type (data:image/png;base64,…)',
      type: 'invalid_request_error',
      param: 'messages[0].content[0].image_url.url',
      code: '400',
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('parameters Anthropic cannot honour', () => {
  it('are refused with a 400 naming them, and Anthropic is not called', async () => {
    const err = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], seed: 7, logprobs: true, response_format: { type: 'json_object' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).error).toEqual({
      message: "anthropic does not support the parameters: seed, logprobs, response_format. Remove them, or set drop_params: true (litellm_settings or the deployment's litellm_params) to drop them.",
      type: 'invalid_request_error',
      param: 'seed',
      code: '400',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('are dropped on a deployment with drop_params: true (whose api_base ends in /v1/)', async () => {
    const res = await client.chat.completions.create({ model: 'claude-lenient', messages: [{ role: 'user', content: 'hi' }], seed: 7, n: 2 });
    expect(res.choices[0]!.message.content).toBe('Hello from the fake Anthropic.');
    expect(sluiceSent().path).toBe('/v1/messages');
    expect(sluiceSent().body).toEqual({ model: 'claude-haiku-5-5', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('are dropped everywhere with LiteLLM\'s litellm_settings.drop_params: true', async () => {
    const gw = await startGateway({
      model_list: [{ model_name: 'claude', litellm_params: { model: `anthropic/${MODEL}`, api_base: fake.url, api_key: KEY } }],
      litellm_settings: { drop_params: true },
      general_settings: { master_key: MASTER_KEY },
    });
    try {
      const c = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      await c.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], seed: 7, logit_bias: { '50256': -100 } });
      expect(sluiceSent().body).toEqual({ model: MODEL, max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] });
    } finally {
      await gw.close();
    }
  });
});

describe('keys', () => {
  it('reads ANTHROPIC_API_KEY when the deployment has no api_key, and never logs it', async () => {
    const envKey = 'sk-ant-api03-from-environment-0002';
    const other = await startFakeAnthropic(envKey);
    const gw = await startGateway(
      { model_list: [{ model_name: 'claude', litellm_params: { model: `anthropic/${MODEL}`, api_base: other.url } }], general_settings: { master_key: MASTER_KEY } },
      { env: { ANTHROPIC_API_KEY: envKey } },
    );
    try {
      const c = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const res = await c.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0]!.message.content).toBe('Hello from the fake Anthropic.');
      expect(other.requests[0]!.headers['x-api-key']).toBe(envKey);
      other.respond = () => errorReply(400, 'invalid_request_error', `bad request for key ${envKey}`);
      const err = (await c.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as APIError;
      expect(err.status).toBe(400);
      expect(err.message).not.toContain(envKey);
      expect(err.message).toContain('[REDACTED]');
      expect(gw.logs.join('\n')).not.toContain(envKey);
    } finally {
      await gw.close();
      await other.close();
    }
  });
});
