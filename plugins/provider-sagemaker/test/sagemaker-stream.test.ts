/** Streamed chat: InvokeEndpointWithResponseStream's PayloadParts through Sluice as OpenAI chunks, read with the `openai` SDK. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { messagesStreamParts, startFakeSagemaker, tgiStreamParts, type FakeSagemaker } from './support/fake-sagemaker.js';
import { CHAT_ENDPOINT, TGI_ENDPOINT, startSagemakerGateway } from './support/sagemaker-gateway.js';

let sagemaker: FakeSagemaker;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  sagemaker = await startFakeSagemaker();
  ({ sluice, client } = await startSagemakerGateway(sagemaker.url));
});

afterAll(async () => {
  await sluice?.close();
  await sagemaker?.close();
});

beforeEach(() => {
  sagemaker.handler = undefined;
});

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: OpenAI.ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

describe('sagemaker/ streams', () => {
  it('streams TGI tokens as chunks: role first, finish reason last, usage only when asked', async () => {
    const chunks = await collect(await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 9, stream: true }));
    expect(textOf(chunks)).toBe('Hello from fake SageMaker.');
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: 'Hello' });
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, 'stop']);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]!.model).toBe(TGI_ENDPOINT);
    expect(sagemaker.requests.at(-1)!.path).toBe(`/endpoints/${TGI_ENDPOINT}/invocations-response-stream`);
    expect(sagemaker.requests.at(-1)!.body).toEqual({ parameters: { max_new_tokens: 9 }, stream: true, inputs: 'Hi' });
  });

  it('reassembles events cut across PayloadParts, skips special tokens, and counts tokens for usage', async () => {
    sagemaker.handler = () => ({ parts: tgiStreamParts(['Ça', ' coupe', ' ici.'], { cut: 5, special: '</s>', finishReason: 'length' }) });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi there' }], stream: true, stream_options: { include_usage: true } }),
    );
    expect(textOf(chunks)).toBe('Ça coupe ici.');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks.at(-1)!.choices).toEqual([]);
    // 4 generated tokens (the special one included), as TGI's details say; the prompt is estimated.
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
  });

  it('delivers what came before a ModelStreamError, then ends with an in-band error', async () => {
    sagemaker.handler = () => ({ parts: [...tgiStreamParts(['Partial']).slice(0, 1), { exception: 'ModelStreamError', message: 'CUDA out of memory.' }] });
    const seen: OpenAI.ChatCompletionChunk[] = [];
    const stream = await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(textOf(seen)).toBe('Partial');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('SagemakerException - ModelStreamError: CUDA out of memory.');
  });

  it('fails with the stream exception status when it comes before any output', async () => {
    sagemaker.handler = () => ({ parts: [{ exception: 'ModelStreamError', message: 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096.' }] });
    const err = (await client.chat.completions
      .create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], stream: true })
      .then(collect)
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('context_length_exceeded');
  });
});

describe('sagemaker_chat/ streams', () => {
  it('relays the Messages API chunks carried in PayloadParts, usage included', async () => {
    sagemaker.handler = () => ({ parts: messagesStreamParts(['Hi', ' there']) });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'messages', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } }),
    );
    expect(textOf(chunks)).toBe('Hi there');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
    const sent = sagemaker.requests.at(-1)!;
    expect(sent.path).toBe(`/endpoints/${CHAT_ENDPOINT}/invocations-response-stream`);
    expect(sent.body).toEqual({ model: CHAT_ENDPOINT, messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
  });
});
