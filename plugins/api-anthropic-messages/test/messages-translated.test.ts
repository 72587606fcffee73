/**
 * `/v1/messages` to an OpenAI deployment: `@anthropic-ai/sdk` pointed at Sluice, the request
 * translated to chat completions (checked field by field at the fake OpenAI, which refuses
 * arguments OpenAI does not know) and the answer translated back, plain and streamed, with
 * tools; a failing upstream mid-stream ends the stream with an Anthropic `error` event.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeOpenAIChat, type FakeOpenAIChat } from './fake-openai-chat.js';
import { call, newKey, OTHER_API_PLUGINS_OFF, spendRows, sseData } from './support.js';

const OPENAI_KEY = 'sk-openai-deployment-key-translated-01';
let fake: FakeOpenAIChat;
let gw: TestGateway;
let virtualKey: string;
let client: Anthropic;

const TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];

beforeAll(async () => {
  fake = await startFakeOpenAIChat(OPENAI_KEY);
  gw = await startGateway({
    model_list: [
      {
        model_name: 'gpt-4o',
        litellm_params: { model: 'openai/gpt-4o-2024-08-06', api_base: `${fake.url}/v1`, api_key: OPENAI_KEY, input_cost_per_token: 0.0000025, output_cost_per_token: 0.00001 },
      },
    ],
    general_settings: { master_key: MASTER_KEY },
    litellm_settings: { callbacks: ['hide_secrets'] },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }, ...OTHER_API_PLUGINS_OFF],
  } as SluiceConfig);
  virtualKey = await newKey(gw);
  client = new Anthropic({ baseURL: gw.url, apiKey: virtualKey, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.reply = () => ({ text: 'Hello from the fake OpenAI.' });
});

function sent() {
  expect(fake.requests).toHaveLength(1);
  return fake.requests[0]!;
}

describe('translated to chat completions', () => {
  it('maps system, blocks, params and metadata to chat; the completion back to a message; one priced spend row', async () => {
    const { data: message, response } = await client.messages
      .create({
        model: 'gpt-4o',
        max_tokens: 256,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
          { role: 'assistant', content: [{ type: 'text', text: 'A pixel.' }] },
          { role: 'user', content: 'Thanks' },
        ],
        temperature: 0.3,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-7' },
        // The SDK's types (a newer API version) no longer list the sampling parameters; the API takes them.
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    const request = sent();
    expect(request.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    // top_k has no chat counterpart (OpenAI refuses it); cache_control is Claude's only.
    expect(request.body).toEqual({
      model: 'gpt-4o-2024-08-06',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: 'A pixel.' },
        { role: 'user', content: 'Thanks' },
      ],
      max_tokens: 256,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['END'],
      user: 'user-7',
    });
    expect(message).toEqual({
      id: 'msg_chatcmpl-fake0001',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      content: [{ type: 'text', text: 'Hello from the fake OpenAI.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 21, output_tokens: 9 },
    });
    const [row] = await spendRows(gw, message.id);
    expect(row.call_type).toBe('anthropic_messages');
    expect(row.prompt_tokens).toBe(21);
    expect(row.completion_tokens).toBe(9);
    expect(row.spend).toBeCloseTo(21 * 0.0000025 + 9 * 0.00001, 9);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeCloseTo(row.spend, 9);
  });

  it('round-trips tool use: tools and tool_choice out, tool_use back with parsed input, tool_result as a tool message', async () => {
    fake.reply = () => ({ text: null, toolCalls: [{ id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const first = await client.messages.create({ model: 'gpt-4o', max_tokens: 100, tools: TOOLS, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(sent().body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: TOOLS[0]!.input_schema } }]);
    expect(sent().body.tool_choice).toBe('required');
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([{ type: 'tool_use', id: 'call_abc123', name: 'get_weather', input: { city: 'Paris' } }]);

    fake.requests.length = 0;
    fake.reply = () => ({ text: 'It is sunny in Paris.' });
    const second = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 100,
      tools: TOOLS,
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_abc123', content: [{ type: 'text', text: 'Sunny, 21°C' }] }, { type: 'text', text: 'And tomorrow?' }] },
      ],
    });
    expect(sent().body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc123', content: 'Sunny, 21°C' },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
    ]);
    expect(sent().body.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(second.content).toEqual([{ type: 'text', text: 'It is sunny in Paris.' }]);
  });

  it('streams Anthropic events: create({stream: true}) in the documented order, usage in message_delta', async () => {
    fake.reply = () => ({ text: 'Hello streaming world', usage: { prompt_tokens: 40, completion_tokens: 4, total_tokens: 44, prompt_tokens_details: { cached_tokens: 32 } } });
    const stream = await client.messages.create({ model: 'gpt-4o', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(sent().body.stream_options).toEqual({ include_usage: true });
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0] as Anthropic.RawMessageStartEvent;
    expect(start.message).toMatchObject({ id: 'msg_chatcmpl-fake0002', model: 'gpt-4o-2024-08-06', content: [], usage: { input_tokens: 0, output_tokens: 0 } });
    const text = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [])).join('');
    expect(text).toBe('Hello streaming world');
    expect(events.at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 8, output_tokens: 4, cache_read_input_tokens: 32 } });
    const [row] = await spendRows(gw, 'msg_chatcmpl-fake0002');
    expect(row.prompt_tokens).toBe(40);
    expect(row.completion_tokens).toBe(4);
  });

  it('streams tool calls as tool_use blocks with input_json_delta; messages.stream().finalMessage() assembles them', async () => {
    fake.reply = () => ({ text: 'Checking.', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' }] });
    const final = await client.messages.stream({ model: 'gpt-4o', max_tokens: 100, tools: TOOLS, messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }] }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking.' }),
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 21, output_tokens: 9 });
  });

  it('sends the guardrail-redacted chat view, and enforces key limits with Anthropic-format refusals', async () => {
    const secret = 'sk-proj-' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2H1g0F9e8D7c6';
    await client.messages.create({ model: 'gpt-4o', max_tokens: 10, system: `key ${secret}`, messages: [{ role: 'user', content: `my key ${secret}` }] });
    expect(JSON.stringify(sent().body)).not.toContain(secret);
    expect(sent().body.messages[1].content).toContain('[REDACTED]');

    const limited = new Anthropic({ baseURL: gw.url, apiKey: await newKey(gw, { rpm_limit: 1 }), maxRetries: 0 });
    await limited.messages.create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'one' }] });
    const err = await limited.messages.create({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'two' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('maps thinking to reasoning_effort for a non-Claude model', async () => {
    await client.messages.create({ model: 'gpt-4o', max_tokens: 5000, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'think' }] });
    expect(sent().body.reasoning_effort).toBe('medium');
    expect(sent().body.thinking).toBeUndefined();
  });

  it('a failing upstream mid-stream ends the stream with an Anthropic error event, which the SDK throws', async () => {
    fake.reply = () => ({ text: 'This will break off', errorAfterChunks: 3 });
    const res = await call(gw, '/v1/messages', { model: 'gpt-4o', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': virtualKey });
    expect(res.status).toBe(200);
    const events = sseData(res.text);
    expect(events[0].type).toBe('message_start');
    expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'api_error', message: 'The server had an error while processing your request.' } });
    expect(events.some((e) => e.type === 'message_stop')).toBe(false);

    fake.reply = () => ({ text: 'This will break off', dieAfterChunks: 2 });
    await expect(client.messages.stream({ model: 'gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()).rejects.toThrow();
  });

  it('counts tokens locally for a model without a native counter', async () => {
    const r = await call(gw, '/v1/messages/count_tokens', { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello world, how are you today?' }] }, { 'x-api-key': virtualKey });
    expect(r.status).toBe(200);
    // 3 reply priming + 3 message framing + Hello world , how are you today ? (8 pieces)
    expect(r.json).toEqual({ input_tokens: 14 });
    expect(fake.requests).toHaveLength(0);
    const sdkCount = await client.messages.countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello world, how are you today?' }] });
    expect(sdkCount.input_tokens).toBe(14);
  });
});
