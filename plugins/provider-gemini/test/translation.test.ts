/** The OpenAI ↔ Gemini translation, piece by piece, for the cases the end-to-end tests do not reach. */
import { describe, expect, it } from 'vitest';
import { UpstreamError, type JsonObject } from '@sluice/plugin-sdk';
import { toGenerateContentRequest } from '../src/chat-request.js';
import { finishReasonOf, toUsage } from '../src/chat-response.js';
import { toChunkBatches } from '../src/chat-stream.js';
import { googleUpstreamError } from '../src/google-errors.js';
import { toGeminiSchema } from '../src/gemini-schema.js';

const NO_DEFAULTS = { safetySettings: undefined };
const translate = (body: JsonObject) => toGenerateContentRequest({ model: 'gemini-2.0-flash', ...body }, NO_DEFAULTS);
const user = [{ role: 'user', content: 'hi' }];

function thrown(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

describe('JSON Schema → Gemini Schema', () => {
  it('inlines $ref, turns null unions into nullable, oneOf into anyOf, const into enum, and drops unknown keys', () => {
    const schema: JsonObject = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      $defs: { Address: { type: 'object', properties: { street: { type: 'string', format: 'uri' } }, required: ['street', 'ghost'] } },
      properties: {
        home: { $ref: '#/$defs/Address', description: 'Where they live' },
        age: { anyOf: [{ type: 'integer', format: 'int32', exclusiveMinimum: 0 }, { type: 'null' }] },
        id: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
        kind: { const: 'person' },
        unit: { type: 'string', enum: ['c', 'f', null] },
        tags: { type: 'array', items: { type: 'string', format: 'date-time' }, uniqueItems: true },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'number' } }, required: ['b'] }] },
      },
      required: ['home'],
    };
    expect(toGeminiSchema(schema, 'x')).toEqual({
      type: 'object',
      properties: {
        home: { type: 'object', description: 'Where they live', properties: { street: { type: 'string' } }, required: ['street'] },
        age: { nullable: true, type: 'integer', format: 'int32' },
        id: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        kind: { enum: ['person'] },
        unit: { type: 'string', enum: ['c', 'f'], nullable: true },
        tags: { type: 'array', items: { type: 'string', format: 'date-time' } },
        both: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a', 'b'] },
      },
      required: ['home'],
    });
  });

  it('refuses recursive schemas, which Gemini cannot express', () => {
    const tree: JsonObject = { type: 'object', definitions: { Node: { type: 'object', properties: { child: { $ref: '#/definitions/Node' } } } }, properties: { root: { $ref: '#/definitions/Node' } } };
    const err = thrown(() => toGeminiSchema(tree, 'tools[0].function.parameters'));
    expect(err.status).toBe(400);
    expect(err.message).toBe('tools[0].function.parameters.root.child: recursive schemas ($ref #/definitions/Node) cannot be expressed for Gemini');
  });
});

describe('request translation', () => {
  it('maps every tool_choice form', () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }];
    const config = (tool_choice: JsonObject[string]) => translate({ messages: user, tools, tool_choice }).toolConfig;
    expect(config('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(config('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(config('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(config({ type: 'function', function: { name: 'f' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    expect(translate({ messages: user, tools }).toolConfig).toBeUndefined();
    expect(thrown(() => translate({ messages: user, tools: [{ type: 'web_search' }] })).message).toBe('tools[0]: only function tools are supported by Gemini');
  });

  it('maps sampling, limits, stops, penalties, seed and json_object', () => {
    expect(
      translate({
        messages: user,
        temperature: 0,
        top_p: 1,
        top_k: 40,
        max_tokens: 10,
        max_completion_tokens: 20,
        stop: ['a', 'b'],
        n: 3,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        seed: 7,
        response_format: { type: 'json_object' },
      }).generationConfig,
    ).toEqual({
      temperature: 0,
      topP: 1,
      topK: 40,
      maxOutputTokens: 20,
      stopSequences: ['a', 'b'],
      candidateCount: 3,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      seed: 7,
      responseMimeType: 'application/json',
    });
    expect(translate({ messages: user, response_format: { type: 'text' } }).generationConfig).toBeUndefined();
  });

  it('merges system messages, turns audio, files and percent-encoded data URLs into inlineData', () => {
    const body = translate({
      messages: [
        { role: 'system', content: 'One.' },
        { role: 'system', content: [{ type: 'text', text: 'Two.' }] },
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
            { type: 'image_url', image_url: 'data:text/plain,hello%20world' },
          ],
        },
        { role: 'user', content: 'And?' },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'One.' }, { text: 'Two.' }] });
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
          { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
          { inlineData: { mimeType: 'text/plain', data: Buffer.from('hello world').toString('base64') } },
          { text: 'And?' },
        ],
      },
    ]);
  });

  it('adds the deployment safety settings and rejects what Gemini cannot take', () => {
    const safety = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }];
    expect(toGenerateContentRequest({ messages: user }, { safetySettings: safety }).safetySettings).toEqual(safety);
    expect(thrown(() => translate({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] })).message).toBe(
      'messages[0].content[0]: media URLs must be data:, http(s):// or gs:// URLs',
    );
    expect(thrown(() => translate({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{nope' } }] }] })).message).toBe(
      'messages[0].tool_calls[0].function.arguments is not valid JSON',
    );
    expect(thrown(() => translate({ messages: [{ role: 'critic', content: 'x' }] })).status).toBe(400);
  });
});

describe('response pieces', () => {
  it('maps finish reasons', () => {
    expect(['STOP', 'MAX_TOKENS', 'SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'OTHER', undefined].map((r) => finishReasonOf(r, false))).toEqual([
      'stop', 'length', 'content_filter', 'content_filter', 'content_filter', 'content_filter', 'content_filter', 'stop', 'stop',
    ]);
    expect(finishReasonOf('STOP', true)).toBe('tool_calls');
  });

  it('computes usage when Gemini leaves counts out', () => {
    expect(toUsage({ promptTokenCount: 5 })).toEqual({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 });
    expect(toUsage(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('streams several candidates, each opening with the assistant role', async () => {
    const events = [
      { candidates: [{ content: { parts: [{ text: 'A1' }] }, index: 0 }, { content: { parts: [{ text: 'B1' }] }, index: 1 }], responseId: 'r' },
      { candidates: [{ content: { parts: [{ text: 'A2' }] }, finishReason: 'STOP', index: 0 }, { content: { parts: [] }, finishReason: 'MAX_TOKENS', index: 1 }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 4, totalTokenCount: 6 } },
    ];
    const body = (async function* () {
      for (const e of events) yield new TextEncoder().encode(`data: ${JSON.stringify(e)}\n\n`);
    })();
    const chunks: JsonObject[] = [];
    for await (const batch of toChunkBatches(body, { model: 'm', created: 1, includeUsage: true, secrets: [] })) for (const ev of batch) chunks.push(JSON.parse(ev.data) as JsonObject);
    expect(chunks.map((c) => (c.choices as JsonObject[])[0] ?? c.usage)).toEqual([
      { index: 0, delta: { role: 'assistant', content: 'A1' }, finish_reason: null, logprobs: null },
      { index: 1, delta: { role: 'assistant', content: 'B1' }, finish_reason: null, logprobs: null },
      { index: 0, delta: { content: 'A2' }, finish_reason: null, logprobs: null },
      { index: 0, delta: {}, finish_reason: 'stop', logprobs: null },
      { index: 1, delta: {}, finish_reason: 'length', logprobs: null },
      { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 },
    ]);
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set(['chatcmpl-r']));
  });

  it('turns an error event inside the stream into the mapped UpstreamError', async () => {
    const body = (async function* () {
      yield new TextEncoder().encode('data: {"candidates":[{"content":{"parts":[{"text":"x"}]},"index":0}]}\n\n');
      yield new TextEncoder().encode('data: {"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}\n\n');
    })();
    const read = async () => {
      for await (const _ of toChunkBatches(body, { model: 'm', created: 1, includeUsage: false, secrets: [] })) void _;
    };
    await expect(read()).rejects.toMatchObject({ status: 429, message: 'Resource has been exhausted' });
  });
});

describe('Google error bodies', () => {
  it('reads array bodies, scrubs secrets and wraps non-JSON text', () => {
    const fromArray = googleUpstreamError(404, JSON.stringify([{ error: { code: 404, message: 'models/gemini-9 is not found for key AIza-secret', status: 'NOT_FOUND' } }]), undefined, ['AIza-secret']);
    expect(fromArray.status).toBe(404);
    expect(fromArray.body).toEqual({ error: { message: 'models/gemini-9 is not found for key [REDACTED]', type: 'not_found_error', param: null, code: 404 } });
    const html = googleUpstreamError(502, '<html>Bad Gateway</html>', undefined, []);
    expect(html.status).toBe(502);
    expect(html.message).toBe('<html>Bad Gateway</html>');
  });

  it('treats the API_KEY_INVALID reason as 401 even under another message', () => {
    const text = JSON.stringify({ error: { code: 400, message: 'Invalid credential.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } });
    expect(googleUpstreamError(400, text, undefined, []).status).toBe(401);
  });
});
