/**
 * Anthropic's error responses, as the `openai` SDK sees them through Sluice: auth errors keep their
 * status, 429 keeps retry-after, an over-long prompt is OpenAI's `context_length_exceeded`, and
 * 5xx (529 overloaded included) reach the client as 502. The error bodies are Anthropic's
 * documented shape, which `@anthropic-ai/sdk` itself classifies.
 */
import Anthropic, { APIError as AnthropicAPIError } from '@anthropic-ai/sdk';
import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { errorReply, startFakeAnthropic, type FakeAnthropic, type Reply } from './fake-anthropic.js';

const KEY = 'sk-ant-api03-errors-key-0004';
const MODEL = 'claude-sonnet-5-5';

let fake: FakeAnthropic;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeAnthropic(KEY);
  sluice = await startGateway({
    model_list: [
      { model_name: 'claude', litellm_params: { model: `anthropic/${MODEL}`, api_base: fake.url, api_key: KEY } },
      { model_name: 'claude-wrong-key', litellm_params: { model: `anthropic/${MODEL}`, api_base: fake.url, api_key: 'sk-ant-api03-revoked-key-9999' } },
    ],
    general_settings: { master_key: MASTER_KEY },
  });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});

beforeEach(() => {
  fake.requests.length = 0;
});

async function failure(reply: Reply | undefined, model = 'claude', stream = false): Promise<APIError> {
  if (reply) fake.respond = () => reply;
  const err = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as APIError;
}

describe('upstream errors', () => {
  it('401: a key Anthropic rejects is an AuthenticationError, and the key is never echoed', async () => {
    const err = await failure(undefined, 'claude-wrong-key');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.error).toEqual({ message: 'invalid x-api-key', type: 'authentication_error', param: null, code: '401' });
    expect(fake.requests[0]!.headers['x-api-key']).toBe('sk-ant-api03-revoked-key-9999');
    expect(JSON.stringify(err.error)).not.toContain('revoked-key');
    expect(sluice.logs.join('\n')).not.toContain('sk-ant-api03-revoked-key-9999');
  });

  it('403: permission_error is a PermissionDeniedError', async () => {
    const err = await failure(errorReply(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'));
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.error).toEqual({ message: 'Your API key does not have permission to use the specified resource.', type: 'permission_error', param: null, code: '403' });
  });

  it('429: rate_limit_error keeps its retry-after, plain and streamed', async () => {
    const reply = errorReply(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', { 'retry-after': '17' });
    for (const stream of [false, true]) {
      const err = await failure(reply, 'claude', stream);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.headers?.get('retry-after')).toBe('17');
      expect(err.error).toEqual({ message: 'Number of request tokens has exceeded your per-minute rate limit', type: 'rate_limit_error', param: null, code: '429' });
    }
  });

  it('400: a prompt over the context window is context_length_exceeded, in both of Anthropic\'s wordings', async () => {
    for (const message of [
      'prompt is too long: 208432 tokens > 200000 maximum',
      'input length and `max_tokens` exceed context limit: 197626 + 8192 > 200000, decrease input length or `max_tokens` and try again',
    ]) {
      const err = await failure(errorReply(400, 'invalid_request_error', message));
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err.error).toEqual({ message, type: 'invalid_request_error', param: null, code: 'context_length_exceeded' });
      expect(err.code).toBe('context_length_exceeded');
    }
  });

  it('400: other invalid requests keep Anthropic\'s message', async () => {
    const err = await failure(errorReply(400, 'invalid_request_error', 'messages: roles must alternate between "user" and "assistant"'));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toEqual({ message: 'messages: roles must alternate between "user" and "assistant"', type: 'invalid_request_error', param: null, code: '400' });
  });

  it('404 and 413 keep their status', async () => {
    const notFound = await failure(errorReply(404, 'not_found_error', 'model: claude-sonnet-5-5'));
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound.error).toMatchObject({ type: 'not_found_error', code: '404' });
    const tooLarge = await failure(errorReply(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.error).toMatchObject({ message: 'Request exceeds the maximum allowed number of bytes.', type: 'invalid_request_error', code: '413' });
  });

  it('500 api_error and 529 overloaded_error reach the client as 502', async () => {
    const internal = await failure(errorReply(500, 'api_error', 'Internal server error'));
    expect(internal).toBeInstanceOf(OpenAI.InternalServerError);
    expect(internal.status).toBe(502);
    expect(internal.error).toMatchObject({ message: 'Upstream provider error (anthropic 500): Internal server error', type: 'api_error', code: '502' });
    const overloaded = await failure(errorReply(529, 'overloaded_error', 'Overloaded'));
    expect(overloaded.status).toBe(502);
    expect(overloaded.error).toMatchObject({ message: 'Upstream provider error (anthropic 503): Overloaded', type: 'api_error', code: '502' });
  });

  it('the fake\'s error bodies are the shape @anthropic-ai/sdk classifies', async () => {
    const sdk = new Anthropic({ baseURL: fake.url, apiKey: KEY, maxRetries: 0 });
    const cases: [Reply, unknown, string][] = [
      [errorReply(429, 'rate_limit_error', 'slow down', { 'retry-after': '17' }), Anthropic.RateLimitError, 'rate_limit_error'],
      [errorReply(529, 'overloaded_error', 'Overloaded'), Anthropic.InternalServerError, 'overloaded_error'],
      [errorReply(400, 'invalid_request_error', 'prompt is too long: 208432 tokens > 200000 maximum'), Anthropic.BadRequestError, 'invalid_request_error'],
    ];
    for (const [reply, errorClass, type] of cases) {
      fake.respond = () => reply;
      const err = await sdk.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(errorClass as new () => Error);
      expect((err as AnthropicAPIError).type).toBe(type);
    }
  });
});
