/**
 * provider-azure through Sluice, driven by the official `openai` SDK as the client, against a local
 * fake of an Azure OpenAI resource and of the Microsoft Entra ID token endpoint. The SDK's own
 * `AzureOpenAI` client, pointed straight at the fake, produces the reference request.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream, type SeenRequest } from '../../../test/support/fake-upstream.js';

const API_KEY = 'azure-key-0123456789abcdef';
const AD_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOi.static-ad-token';
const CLIENT_SECRET = 'cs~Q8~client-secret-value-xyz';
const API_VERSION = '2024-10-21';

let fake: FakeUpstream;
let sluice: TestGateway;
let client: OpenAI;
/** Answers of the Azure resource; the token endpoint is answered by `tokenReply`. */
let azureReply: (req: SeenRequest, res: Parameters<FakeUpstream['reply']>[1]) => void | Promise<void>;
let tokenReply: (req: SeenRequest, res: Parameters<FakeUpstream['reply']>[1]) => void | Promise<void>;
let tokensIssued = 0;

const filterResults = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };
const completion = {
  choices: [{ content_filter_results: filterResults, finish_reason: 'stop', index: 0, logprobs: null, message: { content: 'Paris.', refusal: null, role: 'assistant' } }],
  created: 1741569952,
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  model: 'gpt-4o-2024-11-20',
  object: 'chat.completion',
  prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterResults }],
  system_fingerprint: 'fp_b705f0c291',
  usage: { completion_tokens: 2, prompt_tokens: 1291, total_tokens: 1293, prompt_tokens_details: { audio_tokens: 0, cached_tokens: 1152 }, completion_tokens_details: { reasoning_tokens: 0 } },
};

const tokenRequests = () => fake.requests.filter((r) => r.pathname.endsWith('/oauth2/v2.0/token'));
const azureRequests = () => fake.requests.filter((r) => r.pathname.startsWith('/openai/'));

/** The error a call failed with; fails the test when the call succeeds. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (err) {
    return err as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  fake = await startFakeUpstream((req, res) => (req.pathname.endsWith('/oauth2/v2.0/token') ? tokenReply(req, res) : azureReply(req, res)));
  const entra = (clientId: string) => ({ tenant_id: 'tenant-123', client_id: clientId, client_secret: CLIENT_SECRET, azure_authority_host: fake.url });
  const azure = (deployment: string, extra: Record<string, unknown> = { api_key: API_KEY }) => ({ model: `azure/${deployment}`, api_base: fake.url, api_version: API_VERSION, ...extra });
  sluice = await startGateway({
    model_list: [
      { model_name: 'gpt-4o', litellm_params: azure('gpt4o-prod') },
      { model_name: 'ad-token', litellm_params: azure('gpt4o-prod', { azure_ad_token: AD_TOKEN }) },
      { model_name: 'entra', litellm_params: azure('gpt4o-prod', entra('app-main')) },
      { model_name: 'entra-short', litellm_params: azure('gpt4o-prod', entra('app-short')) },
      { model_name: 'entra-bad', litellm_params: azure('gpt4o-prod', entra('app-bad')) },
      { model_name: 'embedder', litellm_params: azure('embed-prod') },
      { model_name: 'instruct', litellm_params: { ...azure('instruct-prod'), model: 'azure_text/instruct-prod' } },
      { model_name: 'az/*', litellm_params: { ...azure('*'), api_base: `${fake.url}/openai/` } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { disable_cooldowns: true },
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
  azureReply = (_req, res) => sendJson(res, 200, completion);
  tokenReply = (_req, res) => sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `entra-token-${++tokensIssued}` });
});

describe('chat with an api-key', () => {
  it('sends what AzureOpenAI sends: deployment path, api-version, api-key header and body; returns Azure’s answer', async () => {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Answer in one word.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      temperature: 0,
      max_tokens: 5,
      stop: 'END',
      response_format: { type: 'json_object' },
    };
    const azureSdk = new AzureOpenAI({ apiKey: API_KEY, endpoint: fake.url, apiVersion: API_VERSION, deployment: 'gpt4o-prod', maxRetries: 0 });
    await azureSdk.chat.completions.create({ ...params, model: 'gpt4o-prod' });
    const reference = fake.requests.pop()!;

    const res = await client.chat.completions.create(params);

    expect(res).toEqual(completion);
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(1152);
    const sent = fake.requests[0]!;
    expect(sent.pathname).toBe('/openai/deployments/gpt4o-prod/chat/completions');
    expect(sent.query.get('api-version')).toBe(API_VERSION);
    expect(sent.path).toBe(reference.path);
    expect(sent.headers['api-key']).toBe(API_KEY);
    expect(sent.headers['api-key']).toBe(reference.headers['api-key']);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual(reference.body);
  });

  it('relays a tools round trip and multi-part content with images unchanged', async () => {
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather where this photo was taken?' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } }, { type: 'image_url', image_url: { url: 'https://example.com/street.jpg' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":21}' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'auto',
      parallel_tool_calls: false,
    };
    await client.chat.completions.create(params);
    expect(azureRequests()[0]!.body).toEqual({ ...params, model: 'gpt4o-prod' });
  });

  it('builds a wildcard deployment’s URL from the requested name, once /openai is not doubled', async () => {
    await client.chat.completions.create({ model: 'az/my-deploy', messages: [{ role: 'user', content: 'hi' }] });
    await client.chat.completions.create({ model: 'az/other', messages: [{ role: 'user', content: 'hi' }] });
    expect(azureRequests().map((r) => r.path)).toEqual([`/openai/deployments/my-deploy/chat/completions?api-version=${API_VERSION}`, `/openai/deployments/other/chat/completions?api-version=${API_VERSION}`]);
  });
});

describe('streaming', () => {
  const base = { created: 1741570000, id: 'chatcmpl-stream', model: 'gpt-4o-2024-11-20', object: 'chat.completion.chunk', system_fingerprint: 'fp_1' };
  const promptFilterEvent = { choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterResults }] };
  const usage = { completion_tokens: 3, prompt_tokens: 10, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } };

  it('streams text, drops Azure’s prompt-filter event, and gives usage to a client that asked', async () => {
    azureReply = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // The filter event arrives split over two reads, as network reads may cut it.
      const first = `data: ${JSON.stringify(promptFilterEvent)}\n\n`;
      res.write(first.slice(0, 40));
      await new Promise((r) => setTimeout(r, 20));
      res.write(first.slice(40));
      await new Promise((r) => setTimeout(r, 20));
      const chunks = [
        { ...base, choices: [{ content_filter_results: {}, delta: { content: '', refusal: null, role: 'assistant' }, finish_reason: null, index: 0, logprobs: null }], usage: null },
        { ...base, choices: [{ content_filter_results: filterResults, delta: { content: 'Olá' }, finish_reason: null, index: 0, logprobs: null }], usage: null },
        { ...base, choices: [{ content_filter_results: filterResults, delta: { content: ' mundo' }, finish_reason: null, index: 0, logprobs: null }], usage: null },
        { ...base, choices: [{ content_filter_results: {}, delta: {}, finish_reason: 'stop', index: 0, logprobs: null }], usage: null },
        { ...base, choices: [], usage },
      ];
      res.end(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n');
    };
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello in Portuguese' }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.id)).toEqual(['chatcmpl-stream', 'chatcmpl-stream', 'chatcmpl-stream', 'chatcmpl-stream', 'chatcmpl-stream']);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Olá mundo');
    expect(chunks[3]!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks[4]).toEqual({ ...base, choices: [], usage });
    const sent = azureRequests()[0]!;
    expect(sent.path).toBe(`/openai/deployments/gpt4o-prod/chat/completions?api-version=${API_VERSION}`);
    expect(sent.body.stream).toBe(true);
    expect(sent.body.stream_options).toEqual({ include_usage: true });
  });

  it('streams tool calls as Azure sends them', async () => {
    azureReply = (_req, res) =>
      sendSse(res, [
        promptFilterEvent,
        { ...base, choices: [{ delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_az', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null, index: 0 }] },
        { ...base, choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null, index: 0 }] },
        { ...base, choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }, finish_reason: null, index: 0 }] },
        { ...base, choices: [{ delta: {}, finish_reason: 'tool_calls', index: 0 }] },
        { ...base, choices: [], usage },
      ]);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      stream: true,
    });
    const deltas = [];
    const finishes = [];
    let emptyChoices = 0;
    for await (const chunk of stream) {
      if (chunk.choices.length === 0) emptyChoices++;
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    expect(emptyChoices).toBe(0); // neither the filter event nor the usage chunk the client did not ask for
    expect(deltas[0]).toEqual({ index: 0, id: 'call_az', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(deltas.map((d) => d.function?.arguments).join('')).toBe('{"city":"Oslo"}');
    expect(finishes).toEqual(['tool_calls']);
  });
});

describe('Microsoft Entra ID', () => {
  it('sends a static azure_ad_token as Authorization: Bearer, without api-key', async () => {
    await client.chat.completions.create({ model: 'ad-token', messages: [{ role: 'user', content: 'hi' }] });
    const sent = azureRequests()[0]!;
    expect(sent.headers.authorization).toBe(`Bearer ${AD_TOKEN}`);
    expect(sent.headers['api-key']).toBeUndefined();
    expect(tokenRequests()).toHaveLength(0);
  });

  it('exchanges client credentials once for a burst of calls and reuses the token until it nears expiry', async () => {
    tokenReply = async (_req, res) => {
      await new Promise((r) => setTimeout(r, 100)); // the burst arrives while this refresh is in flight
      sendJson(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'entra-token-main' });
    };
    await Promise.all([1, 2, 3].map(() => client.chat.completions.create({ model: 'entra', messages: [{ role: 'user', content: 'hi' }] })));
    await client.chat.completions.create({ model: 'entra', messages: [{ role: 'user', content: 'again' }] });

    expect(tokenRequests()).toHaveLength(1);
    const token = tokenRequests()[0]!;
    expect(token.method).toBe('POST');
    expect(token.pathname).toBe('/tenant-123/oauth2/v2.0/token');
    expect(token.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token.text))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'app-main',
      client_secret: CLIENT_SECRET,
      scope: 'https://cognitiveservices.azure.com/.default',
    });
    expect(azureRequests().map((r) => [r.headers.authorization, r.headers['api-key']])).toEqual(Array(4).fill(['Bearer entra-token-main', undefined]));
  });

  it('refreshes a token that expires within 60 s, and sends the new one', async () => {
    tokenReply = (_req, res) => sendJson(res, 200, { token_type: 'Bearer', expires_in: 60, access_token: `short-token-${++tokensIssued}` });
    await client.chat.completions.create({ model: 'entra-short', messages: [{ role: 'user', content: 'one' }] });
    await client.chat.completions.create({ model: 'entra-short', messages: [{ role: 'user', content: 'two' }] });
    expect(tokenRequests()).toHaveLength(2);
    const [first, second] = azureRequests().map((r) => r.headers.authorization);
    expect(first).toMatch(/^Bearer short-token-\d+$/);
    expect(second).toMatch(/^Bearer short-token-\d+$/);
    expect(second).not.toBe(first);
  });

  it('a refused client secret → 401, naming Entra’s reason but never the secret', async () => {
    tokenReply = (_req, res) =>
      sendJson(res, 401, {
        error: 'invalid_client',
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'app-bad'.\r\nTrace ID: 0d3e\r\nCorrelation ID: 9f1c`,
        error_codes: [7000215],
      });
    const err = await failure(client.chat.completions.create({ model: 'entra-bad', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_client');
    expect(err.message).toContain('AADSTS7000215: Invalid client secret provided.');
    expect(err.message).not.toContain('Trace ID');
    expect(err.message).not.toContain(CLIENT_SECRET);
    expect(azureRequests()).toHaveLength(0);
  });
});

describe('completions and embeddings', () => {
  it('sends embeddings to the deployment’s /embeddings with api-version', async () => {
    const vector = [0.5, -0.25];
    azureReply = (req, res) =>
      sendJson(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: Buffer.from(new Float32Array(vector).buffer).toString('base64') }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      });
    const res = await client.embeddings.create({ model: 'embedder', input: ['hello there'] });
    expect(res.data[0]!.embedding).toEqual(vector);
    const sent = azureRequests()[0]!;
    expect(sent.path).toBe(`/openai/deployments/embed-prod/embeddings?api-version=${API_VERSION}`);
    expect(sent.body).toEqual({ model: 'embed-prod', input: ['hello there'], encoding_format: 'base64' });
    expect(sent.headers['api-key']).toBe(API_KEY);
  });

  it('azure_text/ answers /completions on the deployment and refuses chat', async () => {
    azureReply = (_req, res) =>
      sendJson(res, 200, { id: 'cmpl-az', object: 'text_completion', created: 1741570200, model: 'gpt-35-turbo-instruct', choices: [{ text: ' there', index: 0, finish_reason: 'stop', logprobs: null }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    const res = await client.completions.create({ model: 'instruct', prompt: 'hello' });
    expect(res.choices[0]!.text).toBe(' there');
    expect(azureRequests()[0]!.path).toBe(`/openai/deployments/instruct-prod/completions?api-version=${API_VERSION}`);
    const err = await failure(client.chat.completions.create({ model: 'instruct', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(azureRequests()).toHaveLength(1);
  });
});

describe('upstream errors', () => {
  const ask = () => failure(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));

  it('401 (Azure’s typeless body) → 401 authentication_error', async () => {
    azureReply = (_req, res) =>
      sendJson(res, 401, { error: { code: '401', message: 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.' } });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.type).toBe('authentication_error');
    expect(err.message).toMatch(/^401 Access denied due to invalid subscription key/); // the SDK prefixes the status
    expect(err.message).not.toContain(API_KEY);
  });

  it('429 → 429 with retry-after', async () => {
    azureReply = (_req, res) =>
      sendJson(
        res,
        429,
        { error: { code: '429', message: `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${API_VERSION} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.` } },
        { 'retry-after': '6', 'retry-after-ms': '6000' },
      );
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('6');
    expect(err.type).toBe('rate_limit_error');
  });

  it('400 context length → 400 context_length_exceeded with param null', async () => {
    azureReply = (_req, res) =>
      sendJson(res, 400, { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 131000 tokens. Please reduce the length of the messages.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.code, err.type, err.param]).toEqual(['context_length_exceeded', 'invalid_request_error', null]);
  });

  it('400 content filter → 400 content_policy_violation', async () => {
    azureReply = (_req, res) =>
      sendJson(res, 400, {
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { ...filterResults, jailbreak: { filtered: true, detected: true } } },
        },
      });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.code, err.type, err.param]).toEqual(['content_policy_violation', 'invalid_request_error', 'prompt']);
    expect(err.message).toContain("Azure OpenAI's content management policy");
  });

  it('500 → 502', async () => {
    azureReply = (_req, res) => sendJson(res, 500, { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } });
    const err = await ask();
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
  });

  it('never writes a key, a secret or a token to the logs', () => {
    const logs = sluice.logs.join('\n');
    for (const secret of [API_KEY, AD_TOKEN, CLIENT_SECRET, 'entra-token-main']) expect(logs).not.toContain(secret);
  });
});

describe('the AZURE_* environment', () => {
  it('supplies api_base, api_version and the key or token when litellm_params do not', async () => {
    const withKey = await startGateway(
      { model_list: [{ model_name: 'env', litellm_params: { model: 'azure/env-deploy' } }], general_settings: { master_key: MASTER_KEY } },
      { env: { AZURE_API_BASE: fake.url, AZURE_API_KEY: 'env-azure-key-123456', AZURE_API_VERSION: '2025-01-01-preview' } },
    );
    const withToken = await startGateway(
      { model_list: [{ model_name: 'env', litellm_params: { model: 'azure/env-deploy' } }], general_settings: { master_key: MASTER_KEY } },
      { env: { AZURE_API_BASE: `${fake.url}/`, AZURE_AD_TOKEN: 'env-ad-token-abcdef' } },
    );
    try {
      for (const g of [withKey, withToken]) {
        await new OpenAI({ apiKey: MASTER_KEY, baseURL: `${g.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'env', messages: [{ role: 'user', content: 'hi' }] });
      }
    } finally {
      await withKey.close();
      await withToken.close();
    }
    expect(azureRequests().map((r) => [r.path, r.headers['api-key'], r.headers.authorization])).toEqual([
      ['/openai/deployments/env-deploy/chat/completions?api-version=2025-01-01-preview', 'env-azure-key-123456', undefined],
      // No version anywhere: the plugin's default_api_version.
      ['/openai/deployments/env-deploy/chat/completions?api-version=2024-10-21', undefined, 'Bearer env-ad-token-abcdef'],
    ]);
  });

  it('starts a deployment with no credential at all, warns, and answers its calls 401 (as LiteLLM does)', async () => {
    const g = await startGateway({ model_list: [{ model_name: 'bare', litellm_params: { model: 'azure/x', api_base: fake.url } }], general_settings: { master_key: MASTER_KEY } }, { env: { AZURE_API_KEY: '', AZURE_OPENAI_API_KEY: '', AZURE_AD_TOKEN: '', AZURE_TENANT_ID: '' } });
    try {
      expect(g.gateway.warnings).toContainEqual(expect.stringMatching(/azure deployment bare has no credential.*every call to it answers 401/));
      const res = await fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bare', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/azure deployment bare has no credential/);
    } finally {
      await g.close();
    }
  });
});
