/** Plain chat and embeddings through Sluice to the fake SageMaker runtime, read with the `openai` SDK. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { DEFAULT_REPLY_TEXT, fakeVector, startFakeSagemaker, type FakeSagemaker } from './support/fake-sagemaker.js';
import { CHAT_ENDPOINT, EMBED_ENDPOINT, LLAMA2_ENDPOINT, TGI_ENDPOINT, startSagemakerGateway } from './support/sagemaker-gateway.js';

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

const last = () => sagemaker.requests.at(-1)!;

describe('sagemaker/: text-generation endpoints', () => {
  it('sends the prompt and LiteLLM-mapped parameters to InvokeEndpoint and answers an OpenAI completion', async () => {
    const res = await client.chat.completions.create({
      model: 'tgi',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 30,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['\n'],
      n: 2,
      // Not OpenAI's: passed to the container as LiteLLM passes provider-specific parameters.
      ...({ top_k: 5, repetition_penalty: 1.1 } as object),
    });
    expect(last().path).toBe(`/endpoints/${TGI_ENDPOINT}/invocations`);
    expect(last().body).toEqual({
      parameters: { max_new_tokens: 30, temperature: 0.7, top_p: 0.9, stop: ['\n'], best_of: 2, do_sample: true, top_k: 5, repetition_penalty: 1.1 },
      inputs: 'Hi',
    });
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^chatcmpl-fake-sm-\d+$/);
    expect(res.model).toBe(TGI_ENDPOINT);
    expect(res.choices).toEqual([{ index: 0, message: { role: 'assistant', content: DEFAULT_REPLY_TEXT }, finish_reason: 'stop', logprobs: null }]);
    // SageMaker reports no tokens: estimated from the text.
    expect(res.usage).toEqual({ prompt_tokens: 1, completion_tokens: 7, total_tokens: 8 });
  });

  it('sends temperature 0 as 0.01 (TGI refuses 0) unless aws_sagemaker_allow_zero_temp, and max_tokens 0 as 1', async () => {
    await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], temperature: 0, max_tokens: 0 });
    expect(last().body.parameters).toEqual({ temperature: 0.01, max_new_tokens: 1 });
    await client.chat.completions.create({ model: 'tgi-zero-temp', messages: [{ role: 'user', content: 'Hi' }], temperature: 0 });
    expect(last().body.parameters).toEqual({ temperature: 0 });
  });

  it('uses TGI details for the finish reason and completion tokens when the container sends them', async () => {
    sagemaker.handler = () => ({ json: [{ generated_text: 'a b c', details: { finish_reason: 'length', generated_tokens: 3 } }] });
    const res = await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Count' }], max_tokens: 3 });
    expect(res.choices[0]!.finish_reason).toBe('length');
    expect(res.usage!.completion_tokens).toBe(3);
  });

  it('applies the Llama 2 chat template to JumpStart Llama 2 chat endpoints and reads their `generation` answers', async () => {
    sagemaker.handler = () => ({ json: [{ generation: ' Paris.' }] });
    const res = await client.chat.completions.create({
      model: 'llama2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    expect(last().body.inputs).toBe('<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n [/INST]\n[INST] Capital of France? [/INST]\n');
    expect(last().path).toBe(`/endpoints/${LLAMA2_ENDPOINT}/invocations`);
    expect(res.choices[0]!.message.content).toBe(' Paris.');
  });

  it('sends the generation parameters set on the deployment with every call; the request’s own win', async () => {
    await client.chat.completions.create({ model: 'tgi-defaults', messages: [{ role: 'user', content: 'Hi' }] });
    expect(last().body.parameters).toEqual({ temperature: 0.2, top_k: 1 });
    await client.chat.completions.create({ model: 'tgi-defaults', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.9 });
    expect(last().body.parameters).toEqual({ temperature: 0.9, top_k: 1 });
  });

  it('names the inference component of a model_id deployment', async () => {
    await client.chat.completions.create({ model: 'tgi-component', messages: [{ role: 'user', content: 'Hi' }] });
    expect(last().headers['x-amzn-sagemaker-inference-component']).toBe('my-component-1');
    await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }] });
    expect(last().headers['x-amzn-sagemaker-inference-component']).toBeUndefined();
  });

  it('refuses OpenAI parameters the endpoint cannot honour with LiteLLM’s 400, or drops them with drop_params', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const before = sagemaker.requests.length;
    const err = (await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], tools }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain(`sagemaker does not support parameters: ["tools"], for model=${TGI_ENDPOINT}. To drop these, set \`litellm.drop_params=True\``);
    expect(sagemaker.requests.length).toBe(before);
    await client.chat.completions.create({ model: 'tgi-drop', messages: [{ role: 'user', content: 'Hi' }], tools, seed: 1 });
    expect(last().body).toEqual({ parameters: {}, inputs: 'Hi' });
  });
});

describe('sagemaker_chat/: Messages API endpoints', () => {
  it('sends the OpenAI body with the endpoint as model and relays the completion', async () => {
    const res = await client.chat.completions.create({ model: 'messages', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 12, tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(last().path).toBe(`/endpoints/${CHAT_ENDPOINT}/invocations`);
    expect(last().body).toEqual({ model: CHAT_ENDPOINT, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 12, tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(res.choices[0]!.message.content).toBe('Hello from the Messages API.');
    expect(res.usage).toEqual({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
  });

  it('sagemaker_nova/: the same API without `model` in the body', async () => {
    const res = await client.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 });
    expect(last().path).toBe('/endpoints/my-nova-endpoint/invocations');
    expect(last().body).toEqual({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5 });
    expect(res.choices[0]!.message.content).toBe('Hello from the Messages API.');
  });

  it('serves no embeddings', async () => {
    const err = (await client.embeddings.create({ model: 'messages', input: 'x' }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
  });
});

describe('sagemaker/ embeddings', () => {
  it('sends {inputs: [...]} and answers OpenAI embeddings, float or base64', async () => {
    const res = await client.embeddings.create({ model: 'embed', input: ['hello world', 'bye'], encoding_format: 'float' });
    expect(last().path).toBe(`/endpoints/${EMBED_ENDPOINT}/invocations`);
    expect(last().body).toEqual({ inputs: ['hello world', 'bye'] });
    expect(res.data).toEqual([
      { object: 'embedding', index: 0, embedding: fakeVector('hello world') },
      { object: 'embedding', index: 1, embedding: fakeVector('bye') },
    ]);
    // LiteLLM counts words for SageMaker embeddings.
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    // The SDK's default asks for base64 and decodes it: the same vectors come back.
    const decoded = await client.embeddings.create({ model: 'embed', input: 'hello' });
    expect(decoded.data[0]!.embedding).toEqual(fakeVector('hello'));
  });

  it('accepts the {"embedding": [...]} answer of Hugging Face containers', async () => {
    sagemaker.handler = () => ({ json: { embedding: [[0.5, 0.25]] } });
    const res = await client.embeddings.create({ model: 'embed', input: 'x', encoding_format: 'float' });
    expect(res.data[0]!.embedding).toEqual([0.5, 0.25]);
  });
});
