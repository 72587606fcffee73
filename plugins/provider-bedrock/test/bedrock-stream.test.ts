/** Streamed chat: ConverseStream's event-stream frames through Sluice as OpenAI chunks, read with the `openai` SDK. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { CLAUDE_ID, CLAUDE_PATH, startBedrockGateway } from './support/bedrock-gateway.js';
import { startFakeBedrock, textStreamEvents, type FakeBedrock, type StreamEventSpec } from './support/fake-bedrock.js';

let bedrock: FakeBedrock;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  ({ sluice, client } = await startBedrockGateway(bedrock.url));
});

afterAll(async () => {
  await sluice?.close();
  await bedrock?.close();
});

beforeEach(() => {
  bedrock.handler = undefined;
});

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: OpenAI.ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

describe('streamed chat through ConverseStream', () => {
  it('streams text deltas as chunks: role first, finish reason last, no usage unless asked', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'claude', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_tokens: 20, stream: true }),
    );
    expect(textOf(chunks)).toBe('Hello from fake Bedrock.');
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.slice(1).every((c) => c.choices[0]?.delta?.role === undefined)).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, null, 'stop']);
    expect(chunks.some((c) => c.usage)).toBe(false);
    const ids = new Set(chunks.map((c) => `${c.id}|${c.object}|${c.created}|${c.model}`));
    expect(ids.size).toBe(1);
    expect(chunks[0]!.id).toMatch(/^chatcmpl-fake-request-\d+$/);
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.model).toBe(CLAUDE_ID);

    const sent = bedrock.requests.at(-1)!;
    expect(sent.path).toBe(`${CLAUDE_PATH}/converse-stream`);
    expect(sent.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(sent.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }], system: [{ text: 'Be brief.' }], inferenceConfig: { maxTokens: 20 } });
  });

  it('ends with the usage chunk when the client asks for it', async () => {
    bedrock.handler = () => ({ events: textStreamEvents(['Hi!'], 'max_tokens', { inputTokens: 7, outputTokens: 2, totalTokens: 39, cacheReadInputTokens: 30, cacheWriteInputTokens: 0 }) });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } }),
    );
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 37,
      completion_tokens: 2,
      total_tokens: 39,
      prompt_tokens_details: { cached_tokens: 30 },
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 30,
    });
    expect(last.id).toBe(chunks[0]!.id);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
  });

  it('reassembles event-stream messages cut across network reads', async () => {
    bedrock.handler = () => ({ events: textStreamEvents(['Sliced', ' into', ' seven-byte', ' reads.']), sliceBytes: 7 });
    const chunks = await collect(await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stream: true }));
    expect(textOf(chunks)).toBe('Sliced into seven-byte reads.');
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams tool calls: id, type and name first, then argument fragments, numbered per call', async () => {
    const events: StreamEventSpec[] = [
      { event: 'messageStart', payload: { role: 'assistant' } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Let me check.' } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
      { event: 'contentBlockStart', payload: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_a', name: 'get_weather' } } } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 1 } },
      { event: 'contentBlockStart', payload: { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_b', name: 'get_time' } } } },
      { event: 'contentBlockDelta', payload: { contentBlockIndex: 2, delta: { toolUse: { input: '{}' } } } },
      { event: 'contentBlockStop', payload: { contentBlockIndex: 2 } },
      { event: 'messageStop', payload: { stopReason: 'tool_use' } },
      { event: 'metadata', payload: { usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 }, metrics: { latencyMs: 9 } } },
    ];
    bedrock.handler = () => ({ events });
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'claude',
        messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
        tools: [
          { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
          { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
        ],
        stream: true,
      }),
    );
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Let me check.' },
      { tool_calls: [{ index: 0, id: 'tooluse_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: 'tooluse_b', type: 'function', function: { name: 'get_time', arguments: '' } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
      {},
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(bedrock.requests.at(-1)!.body.toolConfig.tools.map((t: { toolSpec: { name: string } }) => t.toolSpec.name)).toEqual(['get_weather', 'get_time']);
  });

  it('fails with the exception status when Bedrock throttles before the first event', async () => {
    bedrock.handler = () => ({ events: [{ exception: 'throttlingException', message: 'Too many tokens, please wait before trying again.' }] });
    const err = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .then(collect)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({
      message: 'Bedrock ThrottlingException: Too many tokens, please wait before trying again.',
      type: 'rate_limit_error',
    });
  });

  it('delivers what came before a mid-stream exception, then ends with an in-band error', async () => {
    bedrock.handler = () => ({
      events: [
        { event: 'messageStart', payload: { role: 'assistant' } },
        { event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Partial answer' } } },
        { exception: 'modelStreamErrorException', message: 'The model stream broke.' },
      ],
    });
    const seen: OpenAI.ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(textOf(seen)).toBe('Partial answer');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('Bedrock ModelStreamErrorException: The model stream broke.');
  });

  it('answers an error status of ConverseStream itself like a plain call', async () => {
    bedrock.handler = () => ({ status: 400, json: { message: 'Input is too long for requested model.' }, headers: { 'x-amzn-ErrorType': 'ValidationException' } });
    const err = (await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
  });
});
