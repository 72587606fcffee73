/** Gemini through AI Studio (`gemini/<model>`), driven with the official `openai` SDK through Sluice. */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { failure } from './api-failure.js';
import { googleError, startFakeGoogle, type FakeGoogle } from './fake-google.js';

const API_KEY = 'AIzaSy-test-key-0123456789abcdef';
const PNG_BASE64 = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');

let google: FakeGoogle;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  google = await startFakeGoogle({ apiKey: API_KEY });
  sluice = await startGateway({
    model_list: [
      { model_name: 'flash', litellm_params: { model: 'gemini/gemini-2.0-flash', api_key: API_KEY, api_base: google.url, timeout: 5 } },
      { model_name: 'embedder', litellm_params: { model: 'gemini/text-embedding-004', api_key: API_KEY, api_base: google.url } },
      { model_name: 'flash-bad-key', litellm_params: { model: 'gemini/gemini-2.0-flash', api_key: 'AIzaSy-wrong-key-9999999999', api_base: google.url } },
    ],
    general_settings: { master_key: MASTER_KEY },
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await google?.close();
});

beforeEach(() => {
  google.requests.length = 0;
  google.script = {};
});

const lastRequest = () => google.requests.at(-1)!;

/** The id Sluice mints for a Gemini function call: `call_<index>_<sha256(name \0 args)[:16]>`. */
function expectedCallId(index: number, name: string, args: string): string {
  return `call_${index}_${createHash('sha256').update(`${name}\0${args}`).digest('hex').slice(0, 16)}`;
}

describe('chat through AI Studio', () => {
  it('translates a plain chat both ways', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await client.chat.completions.create({
      model: 'flash',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: 'END',
      n: 1,
    });
    const sent = lastRequest();
    expect(sent.url).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(API_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { temperature: 0.2, topP: 0.9, maxOutputTokens: 50, stopSequences: ['END'], candidateCount: 1 },
    });
    expect(res).toEqual({
      id: 'chatcmpl-resp-default',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'gemini-2.0-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from fake Gemini.' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
    expect(res.created).toBeGreaterThanOrEqual(before);
    expect(res.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('maps several candidates, their finish reasons and cached / thinking tokens', async () => {
    google.script.generate = [
      {
        body: {
          candidates: [
            { content: { parts: [{ text: 'Let me think.', thought: true }, { text: 'Part one' }], role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 },
            { content: { parts: [], role: 'model' }, finishReason: 'SAFETY', index: 1 },
          ],
          usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 6, thoughtsTokenCount: 10, cachedContentTokenCount: 100, totalTokenCount: 136 },
          responseId: 'resp-two',
        },
      },
    ];
    const res = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'go' }], n: 2, max_completion_tokens: 16 });
    expect(lastRequest().body.generationConfig).toEqual({ maxOutputTokens: 16, candidateCount: 2 });
    expect(res.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'Part one', reasoning_content: 'Let me think.' }, finish_reason: 'length', logprobs: null },
      { index: 1, message: { role: 'assistant', content: null }, finish_reason: 'content_filter', logprobs: null },
    ]);
    expect(res.usage).toEqual({
      prompt_tokens: 120,
      completion_tokens: 16,
      total_tokens: 136,
      prompt_tokens_details: { cached_tokens: 100 },
      cache_read_input_tokens: 100,
      completion_tokens_details: { reasoning_tokens: 10 },
    });
  });

  it('sends text, data-URL images and http/gs URLs as inlineData and fileData parts', async () => {
    await client.chat.completions.create({
      model: 'flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cats/tabby.webp?size=large', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'gs://my-bucket/report.pdf' } },
            { type: 'image_url', image_url: { url: 'https://example.com/render' } },
          ],
        },
      ],
    });
    expect(lastRequest().body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'What is in these?' },
          { inlineData: { mimeType: 'image/png', data: PNG_BASE64 } },
          { fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cats/tabby.webp?size=large' } },
          { fileData: { mimeType: 'application/pdf', fileUri: 'gs://my-bucket/report.pdf' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/render' } },
        ],
      },
    ]);
  });

  it('asks for JSON with a cleaned schema for response_format json_schema', async () => {
    google.script.generate = [{ body: { candidates: [{ content: { parts: [{ text: '{"city":"Oslo"}' }], role: 'model' }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5, totalTokenCount: 8 } } }];
    const res = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'A city, as JSON' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'city',
          strict: true,
          schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
        },
      },
    });
    expect(lastRequest().body.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: 'Oslo' });
    expect(res.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/); // no responseId upstream: a fresh one
  });
});

describe('tools through AI Studio', () => {
  const weatherTool: OpenAI.Chat.ChatCompletionTool = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather',
      strict: true,
      parameters: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' }, unit: { type: ['string', 'null'], enum: ['c', 'f', null] } },
        required: ['city', 'unit'],
        additionalProperties: false,
      },
    },
  };
  const clockTool: OpenAI.Chat.ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

  it('translates tools and tool_choice, and parallel function calls back into tool_calls', async () => {
    google.script.generate = [
      {
        body: {
          candidates: [
            {
              content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'c' } } }, { functionCall: { name: 'get_time', args: {} } }], role: 'model' },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 12, totalTokenCount: 42 },
          responseId: 'resp-tools',
        },
      },
    ];
    const res = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
      tools: [weatherTool, clockTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(lastRequest().body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', nullable: true, enum: ['c', 'f'] } },
              required: ['city', 'unit'],
            },
          },
          { name: 'get_time' },
        ],
      },
    ]);
    expect(lastRequest().body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
    expect(res.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: expectedCallId(0, 'get_weather', '{"city":"Paris","unit":"c"}'), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
          { id: expectedCallId(1, 'get_time', '{}'), type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
  });

  it('sends assistant tool_calls and tool results back as functionCall / functionResponse turns', async () => {
    const weatherId = expectedCallId(0, 'get_weather', '{"city":"Paris","unit":"c"}');
    const res = await client.chat.completions.create({
      model: 'flash',
      tools: [weatherTool, clockTool],
      tool_choice: 'auto',
      messages: [
        { role: 'user', content: 'Weather and time in Paris?' },
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            { id: weatherId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } },
            { id: 'call_from_another_model', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: weatherId, content: '18C, sunny' },
        { role: 'tool', tool_call_id: 'call_from_another_model', content: [{ type: 'text', text: '14:05' }] },
        { role: 'user', content: 'Thanks!' },
      ],
    });
    expect(lastRequest().body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
      {
        role: 'model',
        parts: [{ text: 'Checking.' }, { functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'c' } } }, { functionCall: { name: 'get_time', args: {} } }],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { content: '18C, sunny' } } },
          { functionResponse: { name: 'get_time', response: { content: '14:05' } } },
          { text: 'Thanks!' },
        ],
      },
    ]);
    expect(lastRequest().body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(res.choices[0]!.message.content).toBe('Hello from fake Gemini.');
  });

  it('carries a thought signature through the tool call id and back', async () => {
    google.script.generate = [
      { body: { candidates: [{ content: { parts: [{ functionCall: { name: 'get_time', args: {} }, thoughtSignature: 'c2lnbmVkLXRob3VnaHQ=' }], role: 'model' }, finishReason: 'STOP' }] } },
    ];
    const first = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'Time?' }], tools: [clockTool] });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe(`${expectedCallId(0, 'get_time', '{}')}__thought__c2lnbmVkLXRob3VnaHQ=`);
    await client.chat.completions.create({
      model: 'flash',
      tools: [clockTool],
      messages: [{ role: 'user', content: 'Time?' }, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '14:05' }],
    });
    expect(lastRequest().body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Time?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} }, thoughtSignature: 'c2lnbmVkLXRob3VnaHQ=' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: { content: '14:05' } } }] },
    ]);
  });

  it('answers 400 without calling Google when a tool result answers no tool call', async () => {
    const err = await failure(
      client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_nowhere', content: 'r' }] }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain('messages[1]: tool_call_id "call_nowhere" answers no tool call');
    expect(google.requests).toHaveLength(0);
  });
});

describe('streaming through AI Studio', () => {
  it('streams text as chat.completion.chunk objects with a final usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(lastRequest().url).toBe('/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
    expect(lastRequest().headers.accept).toBe('text/event-stream');
    expect(lastRequest().body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const created = chunks[0]!.created;
    expect(chunks).toEqual([
      { id: 'chatcmpl-resp-stream', object: 'chat.completion.chunk', created, model: 'gemini-2.0-flash', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null, logprobs: null }] },
      { id: 'chatcmpl-resp-stream', object: 'chat.completion.chunk', created, model: 'gemini-2.0-flash', choices: [{ index: 0, delta: { content: ' from fake' }, finish_reason: null, logprobs: null }] },
      { id: 'chatcmpl-resp-stream', object: 'chat.completion.chunk', created, model: 'gemini-2.0-flash', choices: [{ index: 0, delta: { content: ' Gemini.' }, finish_reason: null, logprobs: null }] },
      { id: 'chatcmpl-resp-stream', object: 'chat.completion.chunk', created, model: 'gemini-2.0-flash', choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }] },
      { id: 'chatcmpl-resp-stream', object: 'chat.completion.chunk', created, model: 'gemini-2.0-flash', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ]);
  });

  it('leaves the usage chunk out when the client did not ask for it', async () => {
    const stream = await client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe('Hello from fake Gemini.');
    expect(sawUsage).toBe(false);
  });

  it('streams function calls as OpenAI tool call deltas that the SDK assembles', async () => {
    google.script.stream = [
      {
        events: [
          { candidates: [{ content: { parts: [{ text: 'Let me check. ' }], role: 'model' }, index: 0 }], responseId: 'resp-st' },
          { candidates: [{ content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], role: 'model' }, index: 0 }], responseId: 'resp-st' },
          {
            candidates: [{ content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Rome' } } }], role: 'model' }, finishReason: 'STOP', index: 0 }],
            usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 15, totalTokenCount: 35 },
            responseId: 'resp-st',
          },
        ],
      },
    ];
    const request = { model: 'flash', messages: [{ role: 'user' as const, content: 'Paris and Rome?' }], tools: [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] };
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const deltas: unknown[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0]!;
      if (choice.delta.tool_calls) deltas.push(...choice.delta.tool_calls);
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    const paris = expectedCallId(0, 'get_weather', '{"city":"Paris"}');
    const rome = expectedCallId(1, 'get_weather', '{"city":"Rome"}');
    expect(deltas).toEqual([
      { index: 0, id: paris, type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city":"Paris"}' } },
      { index: 1, id: rome, type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 1, function: { arguments: '{"city":"Rome"}' } },
    ]);
    expect(finish).toBe('tool_calls');

    // The SDK's own stream helper assembles the same message a plain call returns.
    google.script.stream = [
      {
        events: [
          { candidates: [{ content: { parts: [{ text: 'Let me check. ' }, { functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], role: 'model' }, finishReason: 'STOP', index: 0 }] },
        ],
      },
    ];
    const final = await client.chat.completions.stream(request).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Let me check. ');
    expect(final.choices[0]!.message.tool_calls).toEqual([{ id: paris, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });
});

describe('embeddings through AI Studio', () => {
  it('calls batchEmbedContents and returns base64 the SDK decodes', async () => {
    const res = await client.embeddings.create({ model: 'embedder', input: ['alpha', 'beta'], dimensions: 3 });
    const sent = lastRequest();
    expect(sent.url).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(sent.headers['x-goog-api-key']).toBe(API_KEY);
    expect(sent.body).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 3 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'beta' }] }, outputDimensionality: 3 },
      ],
    });
    expect(res.data.map((d) => d.embedding)).toEqual([
      [0.25, -0.5, 0.125],
      [0.5, -0.5, 0.125],
    ]);
    expect(res.model).toBe('text-embedding-004');
  });

  it('returns floats when asked for them', async () => {
    const res = await client.embeddings.create({ model: 'embedder', input: 'alpha', encoding_format: 'float' });
    expect(lastRequest().body).toEqual({ requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'alpha' }] } }] });
    expect(res).toEqual({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5, 0.125] }], model: 'text-embedding-004', usage: { prompt_tokens: 0, total_tokens: 0 } });
  });
});

describe('AI Studio errors', () => {
  it('a rejected API key is a 401, and the key is in no message', async () => {
    const err = await failure(client.chat.completions.create({ model: 'flash-bad-key', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.type).toBe('authentication_error');
    expect(err.message).toContain('API key not valid. Please pass a valid API key.');
    expect(err.message).not.toContain('AIzaSy');
    expect(sluice.logs.join('\n')).not.toContain('AIzaSy-wrong-key-9999999999');
    expect(sluice.logs.join('\n')).not.toContain(API_KEY);
  });

  it('RESOURCE_EXHAUSTED is a 429 whose retry-after comes from the RetryInfo detail', async () => {
    google.script.generate = [
      googleError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36.5s' },
      ]),
    ];
    const err = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.type).toBe('rate_limit_error');
    expect(err.headers?.get('retry-after')).toBe('37');
    expect(err.message).toContain('You exceeded your current quota');
  });

  it('a retry-after header from Google is passed on as is', async () => {
    google.script.generate = [{ ...googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'), headers: { 'retry-after': '12' } }];
    const err = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('12');
  });

  it('a prompt over the token limit is a 400 context_length_exceeded', async () => {
    google.script.generate = [googleError(400, 'INVALID_ARGUMENT', 'The input token count (1215012) exceeds the maximum number of tokens allowed (1048575).')];
    const err = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'very long' }] }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.type).toBe('invalid_request_error');
    expect(err.param).toBeNull();
    expect(err.message).toContain('exceeds the maximum number of tokens allowed (1048575)');
  });

  it('another INVALID_ARGUMENT stays a plain 400 with Google\'s message', async () => {
    google.script.generate = [googleError(400, 'INVALID_ARGUMENT', '* GenerationConfig.temperature: must be between 0 and 2')];
    const err = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }], temperature: 1 }));
    expect(err.status).toBe(400);
    expect(err.code as unknown).toBe('400');
    expect(err.message).toContain('GenerationConfig.temperature: must be between 0 and 2');
  });

  it('PERMISSION_DENIED is a 403', async () => {
    google.script.generate = [googleError(403, 'PERMISSION_DENIED', 'Permission denied: Consumer has been suspended.')];
    const err = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.type).toBe('permission_error');
  });

  it('INTERNAL (500) and UNAVAILABLE (503) reach the client as 502, plain and streamed', async () => {
    google.script.generate = [googleError(500, 'INTERNAL', 'An internal error has occurred.')];
    const plain = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] }));
    expect(plain.status).toBe(502);
    expect(plain.message).toContain('An internal error has occurred.');
    google.script.stream = [googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')];
    const streamed = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(streamed.status).toBe(502);
    expect(streamed.message).toContain('The model is overloaded.');
  });

  it('a blocked prompt is a 400 content_policy_violation, plain and streamed', async () => {
    const blocked = { promptFeedback: { blockReason: 'SAFETY', safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }] }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } };
    google.script.generate = [{ body: blocked }];
    const plain = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'bad' }] }));
    expect(plain.status).toBe(400);
    expect(plain.code).toBe('content_policy_violation');
    expect(plain.error).toEqual({ message: 'Gemini blocked the prompt (SAFETY)', type: 'invalid_request_error', param: null, code: 'content_policy_violation' });
    google.script.stream = [{ events: [blocked] }];
    const streamed = await failure(client.chat.completions.create({ model: 'flash', messages: [{ role: 'user', content: 'bad' }], stream: true }));
    expect(streamed.status).toBe(400);
    expect(streamed.code).toBe('content_policy_violation');
  });
});

describe('the AI Studio key from the environment', () => {
  it('reads GEMINI_API_KEY when the deployment has no api_key', async () => {
    const envGateway = await startGateway(
      { model_list: [{ model_name: 'flash-env', litellm_params: { model: 'gemini/gemini-2.0-flash', api_base: google.url } }], general_settings: { master_key: MASTER_KEY } },
      { env: { GEMINI_API_KEY: API_KEY, GOOGLE_API_KEY: 'AIzaSy-not-this-one-000000' } },
    );
    try {
      const envClient = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${envGateway.url}/v1`, maxRetries: 0 });
      const res = await envClient.chat.completions.create({ model: 'flash-env', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0]!.message.content).toBe('Hello from fake Gemini.');
      expect(lastRequest().headers['x-goog-api-key']).toBe(API_KEY);
    } finally {
      await envGateway.close();
    }
  });
});
