/** The official `openai` SDK, pointed at Sluice, against a mock OpenAI upstream. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

let upstream: MockOpenAI;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAI({ reply: 'Hello from the mock upstream.' });
  sluice = await startGateway(proxyConfig(upstream.url));
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await upstream?.close();
});

describe('openai SDK through Sluice', () => {
  it('gets a chat completion and Sluice forwards the deployment key, not the client key', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], metadata: { app: 'x' } } as never)
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello from the mock upstream.');
    expect(data.usage?.total_tokens).toBe(12);
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-upstream-secret-9876');
    expect(sent.body.model).toBe('gpt-4o-mini');
    expect(sent.body).not.toHaveProperty('metadata'); // gateway-only field
    expect(response.headers.get('x-request-id')).toMatch(/^[\w-]{8,}$/);
    expect(response.headers.get('x-litellm-call-id')).toBe(response.headers.get('x-request-id'));
    expect(Number(response.headers.get('x-litellm-overhead-duration-ms'))).toBeGreaterThanOrEqual(0);
  });

  it('streams chunk by chunk, asks upstream for usage and hides it when the client did not ask', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const pieces: string[] = [];
    let sawUsage = false;
    for await (const chunk of stream) {
      pieces.push(chunk.choices[0]?.delta?.content ?? '');
      if (chunk.usage) sawUsage = true;
    }
    expect(pieces.join('')).toBe('Hello from the mock upstream.');
    expect(sawUsage).toBe(false);
    expect(upstream.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
  });

  it('passes usage through when the client asked for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: unknown;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toEqual({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
  });

  it('gets embeddings (the SDK asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]!.embedding.map((v) => Math.round(v * 10) / 10)).toEqual([0.1, 0.2, 0.3]);
    expect(upstream.requests.at(-1)!.path).toBe('/v1/embeddings');
  });

  it('gets a legacy completion', async () => {
    const res = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'say hi' });
    expect(res.choices[0]?.text).toBe('Hello from the mock upstream.');
    expect(upstream.requests.at(-1)!.path).toBe('/v1/completions');
  });

  it('lists and retrieves models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'text-embedding-3-small', 'fake-model']);
    const one = await client.models.retrieve('gpt-4o-mini');
    expect(one).toMatchObject({ id: 'gpt-4o-mini', object: 'model' });
  });

  it('serves the fake model in-process, plain, streamed and embeddings', async () => {
    const plain = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'ping' }] });
    expect(plain.choices[0]?.message.content).toContain('ping');
    const again = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'ping' }] });
    expect(again.choices[0]?.message.content).toBe(plain.choices[0]?.message.content);
    const stream = await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'ping' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(plain.choices[0]?.message.content);
    const emb = await client.embeddings.create({ model: 'fake-model', input: 'x', dimensions: 16 });
    expect(emb.data[0]!.embedding).toHaveLength(16);
  });

  it('works without /v1 in the base URL too', async () => {
    const bare = new OpenAI({ apiKey: MASTER_KEY, baseURL: sluice.url, maxRetries: 0 });
    const res = await bare.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBe('Hello from the mock upstream.');
    const models = await bare.models.list();
    expect(models.data.length).toBe(3);
  });

  it('rejects a wrong key with the SDK AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${sluice.url}/v1`, maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
