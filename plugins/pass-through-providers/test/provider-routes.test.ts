/**
 * The native-API routes of each provider, driven by the provider's official SDK where there is one
 * (each fake was first proven with the same SDK pointed straight at it): the caller's virtual key
 * never reaches the provider, the deployment's credential does, the answer is relayed as it came
 * (streams included) and the key is charged from the usage the answer reports.
 */
import { generateKeyPairSync } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { CohereClientV2 } from 'cohere-ai';
import { Mistral } from '@mistralai/mistralai';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { eventsOf, messageOf, startFakeAnthropic, type FakeAnthropic } from '../../provider-anthropic/test/fake-anthropic.js';
import { startFakeCohere, type FakeCohere } from '../../provider-cohere/test/fake-cohere.js';
import { TOKEN_PATH, startFakeGoogle, type FakeGoogle } from '../../provider-gemini/test/fake-google.js';
import { bearer, eventually, gatewayWithKeys, generateKey, keySpend, firstSpendRow } from './support.js';

const ANTHROPIC_KEY = 'sk-ant-upstream-0001';
const OPENAI_KEY = 'sk-openai-upstream-0001';
const GEMINI_KEY = 'gemini-upstream-key-0001';
const AZURE_KEY = 'azure-upstream-key-0001';
const COHERE_KEY = 'co-upstream-key-0001';
const MISTRAL_KEY = 'mistral-upstream-key-0001';
const CLAUDE = 'claude-3-5-sonnet-20241022';
const PRICES = { input_cost_per_token: 0.001, output_cost_per_token: 0.002 };
const cost = (input: number, output: number) => input * 0.001 + output * 0.002;
const AZURE_COMPLETION = {
  id: 'chatcmpl-azure',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from Azure.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 8, completion_tokens: 3, total_tokens: 11 },
};
const CLIENT_EMAIL = 'pass-through@sa-project.iam.gserviceaccount.com';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let anthropic: FakeAnthropic;
let openai: MockOpenAI;
let azure: FakeUpstream;
let google: FakeGoogle;
let cohere: FakeCohere;
let mistral: MockOpenAI;
let gw: TestGateway;

beforeAll(async () => {
  [anthropic, openai, azure, google, cohere, mistral] = await Promise.all([
    startFakeAnthropic(ANTHROPIC_KEY),
    startMockOpenAI(),
    // Azure answers chat completions at /openai/deployments/{name}/chat/completions?api-version=….
    startFakeUpstream((_req, res) => sendJson(res, 200, AZURE_COMPLETION)),
    startFakeGoogle({ apiKey: GEMINI_KEY, publicKey: rsa.publicKey, clientEmail: CLIENT_EMAIL }),
    startFakeCohere(COHERE_KEY),
    // Mistral's chat API is OpenAI's shape (its SDK validates every answer against its own schema).
    startMockOpenAI(),
  ]);
  const account = { type: 'service_account', project_id: 'sa-project', private_key_id: 'k1', private_key: rsa.privateKey, client_email: CLIENT_EMAIL, token_uri: `${google.url}${TOKEN_PATH}` };
  gw = await gatewayWithKeys({
    model_list: [
      { model_name: 'claude', litellm_params: { model: `anthropic/${CLAUDE}`, api_base: anthropic.url, api_key: ANTHROPIC_KEY, ...PRICES } },
      { model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o', api_base: openai.url, api_key: OPENAI_KEY, ...PRICES } },
      { model_name: 'gemini-flash', litellm_params: { model: 'gemini/gemini-2.0-flash', api_base: google.url, api_key: GEMINI_KEY, ...PRICES } },
      {
        model_name: 'vertex-flash',
        litellm_params: { model: 'vertex_ai/gemini-2.0-flash', vertex_project: 'my-project', vertex_location: 'europe-west4', vertex_credentials: account, api_base: google.url, ...PRICES },
      },
      { model_name: 'azure-gpt', litellm_params: { model: 'azure/my-gpt-deployment', api_base: azure.url, api_key: AZURE_KEY, api_version: '2024-10-21', ...PRICES } },
      { model_name: 'mistral-small', litellm_params: { model: 'mistral/mistral-small-latest', api_base: mistral.url, api_key: MISTRAL_KEY, ...PRICES } },
      { model_name: 'rerank', litellm_params: { model: 'cohere/rerank-english-v3.0', api_base: cohere.url, api_key: COHERE_KEY, input_cost_per_query: 0.002 } },
    ],
  });
});
afterAll(async () => {
  await gw?.close();
  await Promise.all([anthropic, openai, azure, google, cohere, mistral].map((f) => f?.close()));
});
beforeEach(() => {
  anthropic.requests.length = 0;
  openai.requests.length = 0;
  azure.requests.length = 0;
  google.requests.length = 0;
  cohere.requests.length = 0;
  mistral.requests.length = 0;
});

/** Every header of every request a fake received, as text. */
const headerText = (requests: { headers: Record<string, unknown> }[]) => requests.map((r) => JSON.stringify(r.headers)).join('\n');

describe('/anthropic (the Anthropic SDK, baseURL <gateway>/anthropic)', () => {
  it('the fake is what the SDK expects', async () => {
    const direct = new Anthropic({ baseURL: anthropic.url, apiKey: ANTHROPIC_KEY, maxRetries: 0 });
    const msg = await direct.messages.create({ model: CLAUDE, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    expect(msg.usage.input_tokens).toBe(12);
  });

  it('messages: the deployment’s x-api-key replaces the virtual key; the message comes back as sent; usage charged', async () => {
    const key = await generateKey(gw);
    const sdk = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: key, maxRetries: 0 });
    const msg = await sdk.messages.create({ model: CLAUDE, max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    expect(msg).toEqual(messageOf({ model: CLAUDE, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }] }));
    const seen = anthropic.requests.at(-1)!;
    expect(seen.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(headerText(anthropic.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(12, 6), 9));
    expect((await firstSpendRow(gw, key))).toMatchObject({ call_type: 'pass_through_endpoint', model: CLAUDE, prompt_tokens: 12, completion_tokens: 6 });
  });

  it('the client’s anthropic-version and anthropic-beta go through; without a version, 2023-06-01 is sent', async () => {
    const key = await generateKey(gw);
    const send = (headers: Record<string, string>) =>
      fetch(`${gw.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: CLAUDE, max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }),
      });
    expect((await send({ 'anthropic-version': '2023-01-01', 'anthropic-beta': 'prompt-caching-2024-07-31' })).status).toBe(200);
    expect(anthropic.requests.at(-1)!.headers).toMatchObject({ 'anthropic-version': '2023-01-01', 'anthropic-beta': 'prompt-caching-2024-07-31', 'x-api-key': ANTHROPIC_KEY });
    // The key as a bearer token this time: it goes no further than the gateway either.
    expect((await send({ 'x-api-key': '', authorization: `Bearer ${key}` })).status).toBe(200);
    expect(anthropic.requests.at(-1)!.headers['anthropic-version']).toBe('2023-06-01');
    expect(headerText(anthropic.requests)).not.toContain(key);
  });

  it('streamed messages: events relayed as they come; input from message_start, output from message_delta', async () => {
    const message = messageOf({ model: CLAUDE, content: [{ type: 'text', text: 'Streaming from the fake.' }], usage: { input_tokens: 30, output_tokens: 9, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 } });
    anthropic.respond = () => ({ events: eventsOf(message) });
    const key = await generateKey(gw);
    const sdk = new Anthropic({ baseURL: `${gw.url}/anthropic`, apiKey: key, maxRetries: 0 });
    const stream = await sdk.messages.create({ model: CLAUDE, max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe('Streaming from the fake.');
    // The SDK hands every event but pings to its caller.
    expect(types).toEqual(eventsOf(message).map((e) => e.event).filter((t) => t !== 'ping'));
    // 30 input + 100 cache reads (priced as input here: no cache price set) and 9 output tokens.
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(130, 9), 9));
    const row = await firstSpendRow(gw, key);
    expect(row).toMatchObject({ prompt_tokens: 130, completion_tokens: 9 });
    anthropic.respond = (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }] }) });
  });

  it('a streamed answer reaches the client byte for byte, with its content type', async () => {
    const message = messageOf({ model: CLAUDE, content: [{ type: 'text', text: 'Exactly these bytes.' }] });
    anthropic.respond = () => ({ events: eventsOf(message) });
    const key = await generateKey(gw);
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: CLAUDE, max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('request-id')).toBe('req_fake_0002');
    expect(await res.text()).toBe(eventsOf(message).map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join(''));
    anthropic.respond = (r) => ({ status: 200, json: messageOf({ model: r.body.model, content: [{ type: 'text', text: 'Hello from the fake Anthropic.' }] }) });
  });
});

describe('/openai (the openai SDK, baseURL <gateway>/openai/v1)', () => {
  it('chat completions, plain and streamed with usage, charged from OpenAI’s usage', async () => {
    const direct = new OpenAI({ baseURL: openai.url, apiKey: OPENAI_KEY, maxRetries: 0 });
    expect((await direct.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })).usage?.prompt_tokens).toBe(7);

    const key = await generateKey(gw);
    const sdk = new OpenAI({ baseURL: `${gw.url}/openai/v1`, apiKey: key, maxRetries: 0 });
    const done = await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    expect(done.choices[0]!.message.content).toBe('Hello from the mock upstream.');
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the mock upstream.');
    expect(openai.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(headerText(openai.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(2 * cost(7, 5), 9));
  });

  it('the kernel’s Azure-style /openai/deployments/{model}/chat/completions route keeps working', async () => {
    const res = await fetch(`${gw.url}/openai/deployments/gpt-4o/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
    // Translated by the gateway (the model set from the path), not passed through.
    expect(openai.requests.at(-1)!.body.model).toBe('gpt-4o');
  });
});

describe('/gemini (AI Studio)', () => {
  const generate = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/gemini/v1beta/models/gemini-2.0-flash:generateContent${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });

  it('the virtual key in x-goog-api-key: sent with the deployment’s key, usageMetadata charged', async () => {
    const key = await generateKey(gw);
    const res = await generate('', { 'x-goog-api-key': key });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { usageMetadata: unknown }).usageMetadata).toEqual({ promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 });
    expect(google.requests.at(-1)!.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(headerText(google.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(9, 4), 9));
    expect((await firstSpendRow(gw, key)).model).toBe('gemini-2.0-flash');
  });

  it('the virtual key in ?key= (LiteLLM’s documented form): the key is not forwarded in the URL', async () => {
    const key = await generateKey(gw);
    const res = await generate(`?key=${key}`);
    expect(res.status).toBe(200);
    expect(google.requests.at(-1)!.url).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
  });

  it('streamGenerateContent (SSE): relayed event by event, charged from the last usageMetadata', async () => {
    const key = await generateKey(gw);
    const res = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text.split('\r\n\r\n').filter(Boolean)).toHaveLength(3);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(9, 4), 9));
  });
});

describe('/vertex_ai (a token of the deployment’s service account)', () => {
  it('the project and location path is sent with a Google token; the virtual key (x-litellm-api-key) is not', async () => {
    const key = await generateKey(gw);
    const res = await fetch(`${gw.url}/vertex_ai/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      // As the Vertex SDK sends it: its own Google token in Authorization, the virtual key beside it.
      headers: { 'content-type': 'application/json', 'x-litellm-api-key': key, authorization: 'Bearer ya29.client-google-token' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(headerText(google.requests)).not.toContain('ya29.client-google-token');
    const api = google.requests.filter((r) => r.url !== TOKEN_PATH);
    expect(api.at(-1)!.headers.authorization).toBe(`Bearer ${google.issued.at(-1)}`);
    expect(headerText(google.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(9, 4), 9));
  });

  it('a path without project and location gets the deployment’s (LiteLLM’s construct_target_url); /vertex-ai is the same route', async () => {
    const key = await generateKey(gw);
    const res = await fetch(`${gw.url}/vertex-ai/publishers/google/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] }),
    });
    expect(res.status).toBe(200);
    expect(google.requests.filter((r) => r.url !== TOKEN_PATH).at(-1)!.url).toBe('/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.0-flash:generateContent');
  });
});

describe('/azure (the openai SDK’s AzureOpenAI client)', () => {
  it('chat on a model group named as the Azure deployment: sent to its deployment with its api-key, charged', async () => {
    const key = await generateKey(gw);
    const sdk = new AzureOpenAI({ endpoint: `${gw.url}/azure`, apiKey: key, apiVersion: '2024-10-21', deployment: 'azure-gpt', maxRetries: 0 });
    const done = await sdk.chat.completions.create({ model: 'azure-gpt', messages: [{ role: 'user', content: 'Hi' }] });
    expect(done).toEqual(AZURE_COMPLETION);
    const seen = azure.requests.at(-1)!;
    expect(seen.path).toBe('/openai/deployments/my-gpt-deployment/chat/completions?api-version=2024-10-21');
    expect(seen.headers['api-key']).toBe(AZURE_KEY);
    expect(headerText(azure.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(8, 3), 9));
  });
});

describe('/cohere (the cohere-ai SDK)', () => {
  it('v2 rerank: sent with the deployment’s key, charged per search unit', async () => {
    const key = await generateKey(gw);
    const sdk = new CohereClientV2({ token: key, environment: `${gw.url}/cohere`, maxRetries: 0 });
    const out = await sdk.rerank({ model: 'rerank-english-v3.0', query: 'capital', documents: ['Paris is the capital of France.', 'Bananas are yellow.'], topN: 1 });
    expect(out.results).toHaveLength(1);
    expect(out.meta?.billedUnits?.searchUnits).toBe(1);
    expect(cohere.requests.at(-1)!.path).toBe('/v2/rerank');
    expect(cohere.requests.at(-1)!.headers.authorization).toBe(`Bearer ${COHERE_KEY}`);
    expect(headerText(cohere.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(0.002, 9));
  });
});

describe('/mistral (the Mistral SDK, serverURL <gateway>/mistral)', () => {
  it('chat: sent with the deployment’s key, charged from the usage', async () => {
    const direct = new Mistral({ apiKey: MISTRAL_KEY, serverURL: new URL(mistral.url).origin });
    expect((await direct.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] })).usage.promptTokens).toBe(7);

    const key = await generateKey(gw);
    const sdk = new Mistral({ apiKey: key, serverURL: `${gw.url}/mistral` });
    const out = await sdk.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] });
    expect(out.choices?.map((c) => c.message?.content)).toEqual(['Hello from the mock upstream.']);
    expect(mistral.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(mistral.requests.at(-1)!.headers.authorization).toBe(`Bearer ${MISTRAL_KEY}`);
    expect(headerText(mistral.requests)).not.toContain(key);
    await eventually(async () => expect(await keySpend(gw, key)).toBeCloseTo(cost(7, 5), 9));
  });
});
