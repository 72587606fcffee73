/**
 * Reading each family's usage from answers as they pass, whatever the chunking: the bytes come out
 * exactly as they went in, and the usage read is what the provider reported.
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { describe, expect, it } from 'vitest';
import { tapUsage, type TappedAnswer } from '../src/usage/usage-tap.js';
import type { UsageFamily } from '../src/usage/native-usage.js';

const LIMITS = { maxJsonBytes: 1 << 20, maxEventBytes: 64 * 1024 };
const encoder = new TextEncoder();

/** The bytes cut into pieces of `size`, as network reads would. */
async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function tap(family: UsageFamily, contentType: string, bytes: Uint8Array, size = 7): Promise<{ out: Buffer; answer: TappedAnswer }> {
  let answer: TappedAnswer | undefined;
  const out: Uint8Array[] = [];
  for await (const c of tapUsage(pieces(bytes, size), family, contentType, LIMITS, (a) => (answer = a))) out.push(c);
  return { out: Buffer.concat(out), answer: answer! };
}

const sse = (events: unknown[], named = false) =>
  encoder.encode(events.map((e) => `${named ? `event: ${(e as { type: string }).type}\n` : ''}data: ${JSON.stringify(e)}\n\n`).join(''));

describe('usage read as the answer passes', () => {
  it('Anthropic stream: input and cache from message_start, output from the last message_delta; bytes untouched', async () => {
    const bytes = sse(
      [
        { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 100, cache_creation_input_tokens: 7 } } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi "usage": {' } },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } },
        { type: 'message_stop' },
      ],
      true,
    );
    for (const size of [1, 3, 4096]) {
      const { out, answer } = await tap('anthropic', 'text/event-stream; charset=utf-8', bytes, size);
      expect(out.equals(Buffer.from(bytes))).toBe(true);
      expect(answer).toMatchObject({ complete: true, id: 'msg_1', model: 'claude-x' });
      expect(answer.usage).toEqual({
        prompt_tokens: 132,
        completion_tokens: 15,
        total_tokens: 147,
        prompt_tokens_details: { cached_tokens: 100 },
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 7,
      });
    }
  });

  it('OpenAI: chat stream usage chunk, and the Responses API’s response.completed', async () => {
    const chat = sse([{ id: 'c1', model: 'gpt-4o', choices: [{ delta: { content: 'x' } }], usage: null }, { id: 'c1', model: 'gpt-4o', choices: [], usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12, prompt_tokens_details: { cached_tokens: 2 } } }]);
    const withDone = Buffer.concat([Buffer.from(chat), Buffer.from('data: [DONE]\n\n')]);
    expect((await tap('openai', 'text/event-stream', withDone)).answer.usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12, prompt_tokens_details: { cached_tokens: 2 } });
    const responses = sse([{ type: 'response.created', response: { id: 'resp_1', model: 'gpt-4o' } }, { type: 'response.completed', response: { id: 'resp_1', usage: { input_tokens: 9, output_tokens: 4, total_tokens: 13, output_tokens_details: { reasoning_tokens: 2 } } } }]);
    const { answer } = await tap('openai', 'text/event-stream', responses);
    expect(answer).toMatchObject({ id: 'resp_1', model: 'gpt-4o' });
    expect(answer.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, completion_tokens_details: { reasoning_tokens: 2 } });
  });

  it('Gemini: the last usageMetadata of a JSON-array stream (no alt=sse); thinking tokens count as output', async () => {
    const body = encoder.encode(JSON.stringify([{ candidates: [], usageMetadata: { promptTokenCount: 3 } }, { candidates: [], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4, thoughtsTokenCount: 6, totalTokenCount: 19 } }]));
    expect((await tap('gemini', 'application/json; charset=UTF-8', body)).answer.usage).toEqual({ prompt_tokens: 9, completion_tokens: 10, total_tokens: 19 });
  });

  it('Cohere: v2 chat stream message-end, and v1 NDJSON stream-end', async () => {
    const v2 = sse([{ type: 'message-start', id: 'm1' }, { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 12, output_tokens: 6 }, tokens: { input_tokens: 212, output_tokens: 6 } } } }]);
    expect((await tap('cohere', 'text/event-stream', v2)).answer.usage).toEqual({ prompt_tokens: 12, completion_tokens: 6, total_tokens: 18 });
    const v1 = encoder.encode(`${JSON.stringify({ event_type: 'text-generation', text: 'x' })}\n${JSON.stringify({ event_type: 'stream-end', response: { meta: { billed_units: { input_tokens: 4, output_tokens: 2 } } } })}\n`);
    expect((await tap('cohere', 'application/stream+json', v1)).answer.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it('Bedrock event streams: ConverseStream’s metadata event, and InvokeModelWithResponseStream chunks of an Anthropic model', async () => {
    const codec = new EventStreamCodec((b) => new TextDecoder().decode(b), (t) => encoder.encode(t));
    const frame = (event: string, payload: unknown) =>
      codec.encode({
        headers: { ':event-type': { type: 'string', value: event }, ':content-type': { type: 'string', value: 'application/json' }, ':message-type': { type: 'string', value: 'event' } },
        body: encoder.encode(JSON.stringify(payload)),
      });
    const converse = Buffer.concat([frame('messageStart', { role: 'assistant' }), frame('metadata', { usage: { inputTokens: 11, outputTokens: 5, totalTokens: 16, cacheReadInputTokens: 4 }, metrics: { latencyMs: 3 } })]);
    const c = await tap('bedrock', 'application/vnd.amazon.eventstream', converse, 5);
    expect(c.out.equals(converse)).toBe(true);
    expect(c.answer.usage).toEqual({ prompt_tokens: 15, completion_tokens: 5, total_tokens: 16, prompt_tokens_details: { cached_tokens: 4 }, cache_creation_input_tokens: 0 });

    const chunk = (event: unknown) => frame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64') });
    const invoke = Buffer.concat([
      chunk({ type: 'message_start', message: { id: 'msg_b', model: 'claude', usage: { input_tokens: 20, output_tokens: 1 } } }),
      chunk({ type: 'message_delta', delta: {}, usage: { output_tokens: 8 } }),
      chunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: 20, outputTokenCount: 8 } }),
    ]);
    expect((await tap('bedrock', 'application/vnd.amazon.eventstream', invoke, 9)).answer.usage).toEqual({ prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 });
  });

  it('an answer cut short is reported incomplete; malformed or oversized ones relay untouched with no usage', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('data: {"usage": {"prompt_tokens": 1');
      throw new Error('socket hang up');
    }
    let answer: TappedAnswer | undefined;
    await expect(
      (async () => {
        for await (const _ of tapUsage(broken(), 'openai', 'text/event-stream', LIMITS, (a) => (answer = a))) {
          // drain
        }
      })(),
    ).rejects.toThrow('socket hang up');
    expect(answer).toMatchObject({ complete: false, usage: undefined });

    const garbage = encoder.encode('{"usage": {"prompt_tokens": 3, "completion_tokens": ');
    const g = await tap('openai', 'application/json', garbage);
    expect(g.out.equals(Buffer.from(garbage))).toBe(true);
    expect(g.answer.usage).toBeUndefined();

    const big = encoder.encode(JSON.stringify({ pad: 'x'.repeat(2 << 20), usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    expect((await tap('openai', 'application/json', big, 65536)).answer.usage).toBeUndefined();
  });
});
