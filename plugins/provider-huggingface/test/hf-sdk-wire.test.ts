/**
 * The official client (@huggingface/inference InferenceClient) as the referee: it must accept the
 * fake's answers (chatCompletion, chatCompletionStream, textGeneration and featureExtraction with
 * `endpointUrl` at the fake; the router and Hub for a provider), and Sluice must send what the
 * client sends for the same call.
 */
import { InferenceClient } from '@huggingface/inference';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { DEFAULT_REPLY_TEXT, HF_TOKEN, fakeVector, startFakeHuggingface, type FakeHuggingface } from './support/fake-huggingface.js';
import { startHfGateway } from './support/hf-gateway.js';

let hf: FakeHuggingface;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  hf = await startFakeHuggingface();
  hf.mappings.set('deepseek-ai/DeepSeek-R1', { together: { status: 'live', providerId: 'deepseek-ai/DeepSeek-R1-together', task: 'conversational' } });
  ({ sluice, client } = await startHfGateway(hf.url));
});

afterAll(async () => {
  await sluice?.close();
  await hf?.close();
});

beforeEach(() => {
  hf.handler = undefined;
});

/** Sends the client's Hub and router calls to the fake. */
const toFake: typeof fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input).replace(/^https:\/\/(router\.)?huggingface\.co/, hf.url);
  return fetch(url, init);
};

const last = () => hf.requests.at(-1)!;

describe('the fake speaks TGI and the Hugging Face router, as @huggingface/inference judges it', () => {
  it('chatCompletion with endpointUrl', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { endpointUrl: hf.url });
    const out = await hfClient.chatCompletion({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8 });
    expect(out.choices[0]!.message.content).toBe(DEFAULT_REPLY_TEXT);
    expect(last().path).toBe('/v1/chat/completions');
  });

  it('chatCompletionStream with endpointUrl', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { endpointUrl: hf.url });
    let text = '';
    for await (const chunk of hfClient.chatCompletionStream({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }] })) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello from fake TGI.');
  });

  it('textGeneration with endpointUrl', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { endpointUrl: hf.url });
    const out = await hfClient.textGeneration({ model: 'tgi', inputs: 'Once upon a time', parameters: { max_new_tokens: 4 } });
    expect(out.generated_text).toBe(' and more text.');
    expect(last().path).toBe('/v1/completions');
  });

  it('featureExtraction with endpointUrl', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { endpointUrl: hf.url });
    const out = await hfClient.featureExtraction({ model: 'BAAI/bge-small-en-v1.5', inputs: ['hello', 'bye'] });
    expect(out).toEqual([fakeVector('hello'), fakeVector('bye')]);
  });

  it('chatCompletion through an inference provider: Hub mapping, then the provider’s router route', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { fetch: toFake });
    const out = await hfClient.chatCompletion({ provider: 'together', model: 'deepseek-ai/DeepSeek-R1', messages: [{ role: 'user', content: 'Hi' }] });
    expect(out.choices[0]!.message.content).toBe(DEFAULT_REPLY_TEXT);
    expect(last().path).toBe('/together/v1/chat/completions');
    expect(last().body.model).toBe('deepseek-ai/DeepSeek-R1-together');
  });

  it('answers a wrong token with 401, which the client raises', async () => {
    const hfClient = new InferenceClient('hf_wrong', { endpointUrl: hf.url });
    await expect(hfClient.chatCompletion({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toThrow(/Invalid credentials/);
  });
});

describe('Sluice sends what @huggingface/inference sends', () => {
  it('to a TGI endpoint: path, auth and body', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { endpointUrl: hf.url });
    const request = { model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user' as const, content: 'Hi' }], max_tokens: 8, temperature: 0.2 };
    await hfClient.chatCompletion(request);
    const fromClient = last();
    await client.chat.completions.create({ ...request, model: 'tgi' });
    const fromSluice = last();
    expect(fromSluice.path).toBe(fromClient.path);
    expect(fromSluice.headers.authorization).toBe(fromClient.headers.authorization);
    expect(fromSluice.body).toEqual(fromClient.body);
  });

  it('to an inference provider through the router', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { fetch: toFake });
    await hfClient.chatCompletion({ provider: 'together', model: 'deepseek-ai/DeepSeek-R1', messages: [{ role: 'user', content: 'Hi' }] });
    const fromClient = last();
    await client.chat.completions.create({ model: 'together', messages: [{ role: 'user', content: 'Hi' }] });
    const fromSluice = last();
    expect(fromSluice.path).toBe(fromClient.path);
    expect(fromSluice.headers.authorization).toBe(fromClient.headers.authorization);
    expect(fromSluice.body).toEqual(fromClient.body);
  });

  it('for feature extraction at an endpoint', async () => {
    const hfClient = new InferenceClient(HF_TOKEN, { endpointUrl: hf.url });
    await hfClient.featureExtraction({ model: 'BAAI/bge-small-en-v1.5', inputs: ['hello'] });
    const fromClient = last();
    await client.embeddings.create({ model: 'embed-endpoint', input: ['hello'] });
    const fromSluice = last();
    expect(fromSluice.path).toBe(fromClient.path);
    expect(fromSluice.body).toEqual(fromClient.body);
  });
});
