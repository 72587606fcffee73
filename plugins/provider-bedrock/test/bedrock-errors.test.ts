/** Bedrock's error answers as the OpenAI errors a client sees through Sluice; secrets stay out of messages and logs. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { startBedrockGateway } from './support/bedrock-gateway.js';
import { TEST_BEARER_TOKEN, TEST_CREDENTIALS, errorReply, startFakeBedrock, type FakeBedrock } from './support/fake-bedrock.js';

let bedrock: FakeBedrock;
let sluice: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  ({ sluice, client } = await startBedrockGateway(bedrock.url));
});

afterAll(async () => {
  await sluice?.close();
  await bedrock?.close();
});

beforeEach(() => {
  bedrock.handler = undefined;
});

async function failure(model = 'claude'): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('Bedrock errors through Sluice', () => {
  it('a wrong secret key fails the signature check: 401', async () => {
    const err = await failure('claude-wrong-secret');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.error).toEqual({
      message:
        'Bedrock InvalidSignatureException: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      type: 'authentication_error',
      param: null,
      code: '401',
    });
  });

  it('an unknown access key (UnrecognizedClientException, sent by AWS as 403) is a 401', async () => {
    bedrock.handler = () => errorReply(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
  });

  it('AccessDeniedException is a 403', async () => {
    bedrock.handler = () => errorReply(403, 'AccessDeniedException', 'You don\'t have access to the model with the specified model ID.');
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.error).toMatchObject({ type: 'permission_error', message: "Bedrock AccessDeniedException: You don't have access to the model with the specified model ID." });
  });

  it('ThrottlingException is a 429 that keeps retry-after', async () => {
    bedrock.handler = () => errorReply(429, 'ThrottlingException', 'Too many requests, please wait before trying again.', { 'retry-after': '7' });
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err.error).toMatchObject({ type: 'rate_limit_error', message: 'Bedrock ThrottlingException: Too many requests, please wait before trying again.' });
  });

  it('an input too long for the model is a 400 context_length_exceeded', async () => {
    bedrock.handler = () => errorReply(400, 'ValidationException', 'Input is too long for requested model.');
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toEqual({
      message: 'Bedrock ValidationException: Input is too long for requested model.',
      type: 'invalid_request_error',
      param: null,
      code: 'context_length_exceeded',
    });
  });

  it('another ValidationException is a plain 400', async () => {
    bedrock.handler = () => errorReply(400, 'ValidationException', 'A conversation must start with a user message.');
    const err = await failure();
    expect(err.status).toBe(400);
    expect(err.error).toEqual({
      message: 'Bedrock ValidationException: A conversation must start with a user message.',
      type: 'invalid_request_error',
      param: null,
      code: '400',
    });
  });

  it('reads the error name from __type when the header is absent', async () => {
    bedrock.handler = () => ({ status: 400, json: { __type: 'com.amazon.coral.validate#ValidationException', message: 'The input is too long.' } });
    const err = await failure();
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
  });

  it('InternalServerException (500) reaches the client as 502', async () => {
    bedrock.handler = () => errorReply(500, 'InternalServerException', 'An internal server error occurred.');
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('An internal server error occurred.');
  });

  it('ServiceUnavailableException (503) reaches the client as 502', async () => {
    bedrock.handler = () => errorReply(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.');
    const err = await failure();
    expect(err.status).toBe(502);
  });

  it('ModelTimeoutException keeps its 408', async () => {
    bedrock.handler = () => errorReply(408, 'ModelTimeoutException', 'Model has timed out in processing the request.');
    const err = await failure();
    expect(err.status).toBe(408);
    expect(err.error).toMatchObject({ type: 'timeout_error' });
  });

  it('never writes a secret into the logs', async () => {
    await failure('claude-wrong-secret');
    const logs = sluice.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [TEST_CREDENTIALS.secretAccessKey, TEST_CREDENTIALS.sessionToken, TEST_BEARER_TOKEN, 'not/the+right/secret0000000000000000000']) {
      expect(logs).not.toContain(secret);
    }
  });
});
