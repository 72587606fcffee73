/**
 * Streaming through Sluice: Anthropic's documented event sequence (checked by having
 * `@anthropic-ai/sdk` itself parse the fake's stream) becomes OpenAI chunks that the `openai` SDK
 * reads, text and tool calls, with the usage chunk when asked for.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { eventsOf, messageOf, startFakeAnthropic, type AnthropicMessage, type FakeAnthropic, type SseEvent } from './fake-anthropic.js';

const KEY = 'sk-ant-api03-stream-key-0003';
const MODEL = 'claude-sonnet-5-5';

let fake: FakeAnthropic;
let sluice: TestGateway;
let client: OpenAI;
let sdk: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic(KEY);
  sluice = await startGateway({
    model_list: [{ model_name: 'claude', litellm_params: { model: `anthropic/${MODEL}`, api_base: fake.url, api_key: KEY } }],
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
});

const textMessage = messageOf({
  model: MODEL,
  content: [{ type: 'text', text: 'Hello there, streaming world.' }],
  usage: { input_tokens: 25, output_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 },
});

const toolMessage = messageOf({
  model: MODEL,
  stop_reason: 'tool_use',
  content: [
    { type: 'text', text: 'Checking both.' },
    { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'San Francisco, CA', unit: 'fahrenheit' } },
    { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up7', name: 'get_time', input: {} },
  ],
  usage: { input_tokens: 472, output_tokens: 89, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
});

/** Proves the fake speaks Anthropic's wire format: the official SDK accumulates its events into `message`. */
async function expectSdkReads(events: SseEvent[], message: AnthropicMessage): Promise<void> {
  fake.respond = () => ({ events });
  const final = await sdk.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
  const { parsed_output: _parsed, ...rest } = final as typeof final & { parsed_output?: unknown };
  expect(rest).toEqual(message);
  fake.requests.length = 0;
}

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('streamed text', () => {
  it('becomes chat.completion.chunks: role first, text deltas, finish reason, then the usage chunk', async () => {
    const events = eventsOf(textMessage);
    await expectSdkReads(events, textMessage);
    fake.respond = () => ({ events });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Say hello' }], stream: true, stream_options: { include_usage: true } }),
    );

    const sent = fake.requests[0]!;
    expect(sent.headers.accept).toBe('text/event-stream');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.body).toEqual({ model: MODEL, max_tokens: 4096, messages: [{ role: 'user', content: 'Say hello' }], stream: true });

    const created = chunks[0]!.created;
    for (const c of chunks) expect(c).toMatchObject({ id: 'msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion.chunk', created, model: MODEL });
    expect(chunks.map((c) => [c.choices[0]?.delta ?? null, c.choices[0]?.finish_reason ?? null])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Hello ther' }, null],
      [{ content: 'e, streami' }, null],
      [{ content: 'ng world.' }, null],
      [{}, 'stop'],
      [null, null],
    ]);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual({
      prompt_tokens: 29,
      completion_tokens: 9,
      total_tokens: 38,
      prompt_tokens_details: { cached_tokens: 4 },
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4,
    });
  });

  it('has no usage chunk when the client did not ask for one', async () => {
    fake.respond = () => ({ events: eventsOf(textMessage) });
    const chunks = await collect(await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Say hello' }], stream: true }));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello there, streaming world.');
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });
});

describe('streamed tool calls', () => {
  it('carry index, id, type and name first, then argument fragments, and assemble in the openai SDK', async () => {
    const events = eventsOf(toolMessage);
    await expectSdkReads(events, toolMessage);
    fake.respond = () => ({ events });
    const params: OpenAI.ChatCompletionCreateParamsStreaming = {
      model: 'claude',
      stream: true,
      messages: [{ role: 'user', content: 'Weather and time in SF?' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } } },
        { type: 'function', function: { name: 'get_time' } },
      ],
    };
    const chunks = await collect(await client.chat.completions.create(params));
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(toolDeltas.filter((d) => d.index === 0).slice(1).every((d) => d.id === undefined && d.function?.name === undefined)).toBe(true);
    expect(toolDeltas.filter((d) => d.index === 0).map((d) => d.function?.arguments).join('')).toBe('{"city":"San Francisco, CA","unit":"fahrenheit"}');
    expect(toolDeltas.filter((d) => d.index === 1)).toEqual([
      { index: 1, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up7', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{}' } }, // no input_json_delta for a tool without input
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');

    // The openai SDK's own stream assembler agrees.
    fake.respond = () => ({ events });
    const final = await client.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Checking both.');
    expect(final.choices[0]!.message.tool_calls).toEqual([
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '{"city":"San Francisco, CA","unit":"fahrenheit"}' } },
      { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up7', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('stream failures', () => {
  const overloaded: SseEvent = { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };

  it('an error event mid-stream ends the stream with an in-band error after the text already sent', async () => {
    const events = eventsOf(textMessage).slice(0, 4); // message_start, ping, content_block_start, first text delta
    fake.respond = () => ({ events: [...events, overloaded] });
    const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(seen.join('')).toBe('Hello ther');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('Upstream provider error (anthropic 503): Overloaded');
  });

  it('an error event before any message keeps its status (429 here)', async () => {
    fake.respond = () => ({ events: [{ event: 'error', data: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } }] });
    const err = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as APIError).error).toMatchObject({ type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' });
  });

  it('a stream that stops before message_stop is reported as broken, not as complete', async () => {
    fake.respond = () => ({ events: eventsOf(textMessage).slice(0, -1) });
    const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const err = await collect(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('the anthropic stream ended before message_stop');
  });
});
