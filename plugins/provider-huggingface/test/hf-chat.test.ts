/** huggingface/ through Sluice, read with the `openai` SDK: where calls go, streams, embeddings and errors. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { DEFAULT_REPLY_TEXT, HF_TOKEN, fakeVector, startFakeHuggingface, tgiError, type FakeHuggingface } from './support/fake-huggingface.js';
import { CLEAN_HF_ENV, startHfGateway } from './support/hf-gateway.js';

let hf: FakeHuggingface;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  hf = await startFakeHuggingface();
  // The Hub's newer list form, to read both.
  hf.mappings.set('deepseek-ai/DeepSeek-R1', [{ provider: 'together', providerId: 'deepseek-ai/DeepSeek-R1-tgt', status: 'live', task: 'conversational' }]);
  hf.mappings.set('Qwen/Qwen2.5-7B-Instruct', { 'hf-inference': { status: 'live', providerId: 'Qwen/Qwen2.5-7B-Instruct', task: 'conversational' } });
  ({ sluice, client } = await startHfGateway(hf.url));
});

afterAll(async () => {
  await sluice?.close();
  await hf?.close();
});

beforeEach(() => {
  hf.handler = undefined;
});

const last = () => hf.requests.at(-1)!;
const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }];

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<OpenAI.ChatCompletionChunk[]> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('where huggingface/ calls go', () => {
  it('an api_base gets /v1/chat/completions (once, even when the base ends in /v1), the model name as written', async () => {
    const res = await client.chat.completions.create({ model: 'tgi', messages: hi });
    expect(res.choices[0]!.message.content).toBe(DEFAULT_REPLY_TEXT);
    expect(res.usage).toEqual({ prompt_tokens: 10, completion_tokens: 6, total_tokens: 16 });
    expect(last().path).toBe('/v1/chat/completions');
    expect(last().body).toEqual({ model: 'meta-llama/Llama-3.1-8B-Instruct', messages: [{ role: 'user', content: 'Hi' }] });
    await client.chat.completions.create({ model: 'tgi-v1', messages: hi });
    expect(last().path).toBe('/v1/chat/completions');
  });

  it('huggingface/<provider>/<model> goes to that provider’s router route with the provider’s model id, looked up once', async () => {
    const hubCalls = () => hf.requests.filter((r) => r.path.startsWith('/api/models/deepseek-ai/DeepSeek-R1')).length;
    await client.chat.completions.create({ model: 'together', messages: hi });
    expect(last().path).toBe('/together/v1/chat/completions');
    expect(last().body.model).toBe('deepseek-ai/DeepSeek-R1-tgt');
    expect(last().headers.authorization).toBe(`Bearer ${HF_TOKEN}`);
    await client.chat.completions.create({ model: 'together', messages: hi });
    expect(hubCalls()).toBe(1);
    await client.chat.completions.create({ model: 'hf-inference', messages: hi });
    expect(last().path).toBe('/hf-inference/models/Qwen/Qwen2.5-7B-Instruct/v1/chat/completions');
  });

  it('huggingface/<org>/<model> lets the router pick the provider', async () => {
    await client.chat.completions.create({ model: 'auto', messages: hi });
    expect(last().path).toBe('/v1/chat/completions');
    expect(last().body.model).toBe('Qwen/Qwen2.5-7B-Instruct');
  });

  it('a provider the Hub does not list for the model: 404 with LiteLLM’s message', async () => {
    hf.mappings.set('deepseek-ai/DeepSeek-R1', [{ provider: 'novita', providerId: 'x', status: 'live', task: 'conversational' }]);
    const gw = await startGateway(
      {
        model_list: [{ model_name: 'm', litellm_params: { model: 'huggingface/together/deepseek-ai/DeepSeek-R1' } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: 'provider-huggingface', config: { router_url: hf.url, hub_url: hf.url } }],
      } as never,
      { env: { ...CLEAN_HF_ENV, HUGGINGFACE_API_KEY: HF_TOKEN } },
    );
    try {
      const c = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const err = (await c.chat.completions.create({ model: 'm', messages: hi }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect(err.message).toContain('HuggingfaceException - Model deepseek-ai/DeepSeek-R1 is not supported for provider together');
      // HUGGINGFACE_API_KEY is the second fallback.
      expect(hf.requests.at(-1)!.headers.authorization).toBe(`Bearer ${HF_TOKEN}`);
    } finally {
      await gw.close();
      hf.mappings.set('deepseek-ai/DeepSeek-R1', [{ provider: 'together', providerId: 'deepseek-ai/DeepSeek-R1-tgt', status: 'live', task: 'conversational' }]);
    }
  });
});

describe('streaming', () => {
  it('relays TGI’s chunks, the usage chunk when asked, and ends cleanly at [DONE]', async () => {
    const chunks = await collect(await client.chat.completions.create({ model: 'tgi', messages: hi, stream: true, stream_options: { include_usage: true } }));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from fake TGI.');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 8, completion_tokens: 4, total_tokens: 12 });
    expect(last().body.stream).toBe(true);
    expect(last().headers.accept).toBe('text/event-stream');
  });

  it('streams through the router with the provider’s model id', async () => {
    const chunks = await collect(await client.chat.completions.create({ model: 'together', messages: hi, stream: true }));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Hello from fake TGI.');
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(last().body.model).toBe('deepseek-ai/DeepSeek-R1-tgt');
  });
});

describe('embeddings through feature extraction', () => {
  it('posts {inputs} to the endpoint, or to the router’s feature-extraction pipeline', async () => {
    const res = await client.embeddings.create({ model: 'embed-endpoint', input: ['hello', 'bye'], encoding_format: 'float' });
    expect(last().path).toBe('/');
    expect(last().body).toEqual({ inputs: ['hello', 'bye'] });
    expect(res.data).toEqual([
      { object: 'embedding', index: 0, embedding: fakeVector('hello') },
      { object: 'embedding', index: 1, embedding: fakeVector('bye') },
    ]);
    expect(res.usage.prompt_tokens).toBe(3);
    const viaRouter = await client.embeddings.create({ model: 'embed-router', input: 'hello' });
    expect(last().path).toBe('/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2/pipeline/feature-extraction');
    // The SDK asked for base64 (its default) and decoded it.
    expect(viaRouter.data[0]!.embedding).toEqual(fakeVector('hello'));
  });

  it('refuses dimensions, which feature extraction cannot honour', async () => {
    const err = (await client.embeddings.create({ model: 'embed-endpoint', input: 'x', dimensions: 2 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
  });
});

describe('errors, with LiteLLM’s mapping', () => {
  const fail = async (model = 'tgi') => (await client.chat.completions.create({ model, messages: hi }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;

  it('a wrong token: 401', async () => {
    const err = await fail('tgi-wrong-key');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.message).toContain('HuggingfaceException - Invalid credentials in Authorization header');
  });

  it('TGI’s context-window refusal: 400 context_length_exceeded', async () => {
    hf.handler = () => tgiError(422, 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. Given: 8190 `inputs` tokens and 100 `max_new_tokens`');
    const err = await fail();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('context_length_exceeded');
  });

  it('other validation errors keep TGI’s status (422), with its message', async () => {
    hf.handler = () => tgiError(422, 'Input validation error: `temperature` must be strictly positive');
    const err = await fail();
    expect(err.status).toBe(422);
    expect(err.message).toContain('HuggingfaceException - Input validation error: `temperature` must be strictly positive');
  });

  it('"Rate limit reached": 429; an overloaded model (503): 502', async () => {
    hf.handler = () => ({ status: 400, json: { error: 'Rate limit reached. You reached free usage limit (reset hourly).' } });
    expect((await fail()).status).toBe(429);
    hf.handler = () => tgiError(503, 'Model is overloaded', 'overloaded');
    const err = await fail();
    expect(err.status).toBe(502);
    expect(err.message).toContain('Model is overloaded');
  });

  it('an error before a stream starts fails the streamed call the same way', async () => {
    hf.handler = () => tgiError(422, 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 10.');
    const err = (await client.chat.completions.create({ model: 'tgi', messages: hi, stream: true }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
  });
});

describe('environment fallbacks', () => {
  it('HF_API_BASE is the whole chat URL of deployments without an api_base, as in LiteLLM', async () => {
    const gw = await startGateway({ model_list: [{ model_name: 'm', litellm_params: { model: 'huggingface/my-model' } }], general_settings: { master_key: MASTER_KEY } }, {
      env: { ...CLEAN_HF_ENV, HF_TOKEN, HF_API_BASE: `${hf.url}/custom/chat/completions` },
    });
    try {
      const c = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      await c.chat.completions.create({ model: 'm', messages: hi });
      expect(last().path).toBe('/custom/chat/completions');
      expect(last().body.model).toBe('my-model');
    } finally {
      await gw.close();
    }
  });
});
