/** SageMaker's error answers as the OpenAI errors a client sees through Sluice, with LiteLLM's status mapping. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { TEST_CREDENTIALS, errorReply, startFakeSagemaker, type FakeSagemaker } from './support/fake-sagemaker.js';
import { startSagemakerGateway } from './support/sagemaker-gateway.js';

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

async function failure(model = 'tgi'): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

describe('SageMaker errors through Sluice', () => {
  it('a wrong secret key fails the signature check: 401, and no secret in the message or logs', async () => {
    const err = await failure('tgi-wrong-secret');
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.error).toMatchObject({ type: 'authentication_error', code: '401' });
    expect(err.message).toContain('SagemakerException - The request signature we calculated does not match');
    expect(sluice.logs.join('\n')).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(sluice.logs.join('\n')).not.toContain('not/the+right/secret0000000000000000000');
  });

  it('ValidationError: 400', async () => {
    sagemaker.handler = () => errorReply(400, 'ValidationError', { message: 'Endpoint my-tgi-endpoint of account 123 not found.' });
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toEqual({ message: 'SagemakerException - Endpoint my-tgi-endpoint of account 123 not found.', type: 'invalid_request_error', param: null, code: '400' });
  });

  it('a ModelError wrapping TGI’s context-window refusal: 400 context_length_exceeded', async () => {
    sagemaker.handler = () =>
      errorReply(424, 'ModelError', {
        message: 'Received client error (422) from primary with message "{"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4090 `inputs` tokens and 16 `max_new_tokens`","error_type":"validation"}".',
        OriginalStatusCode: 422,
      });
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.code).toBe('context_length_exceeded');
  });

  it('any other ModelError (424) is the request’s fault: 400, the container’s message kept', async () => {
    sagemaker.handler = () => errorReply(424, 'ModelError', { message: 'Received client error (400) from primary', OriginalStatusCode: 400, OriginalMessage: 'bad input' });
    const err = await failure();
    expect(err.status).toBe(400);
    expect(err.message).toContain('SagemakerException - Received client error (400) from primary bad input');
  });

  it('best_of over 2: LiteLLM’s message about n', async () => {
    sagemaker.handler = () => errorReply(424, 'ModelError', { message: 'Input validation error: `best_of` must be > 0 and <= 2. Given: 3' });
    const err = await failure();
    expect(err.status).toBe(400);
    expect(err.message).toContain("SagemakerException - the value of 'n' must be > 0 and <= 2 for sagemaker endpoints");
  });

  it('ModelNotReadyException: 429 with retry-after', async () => {
    sagemaker.handler = () => ({ ...errorReply(429, 'ModelNotReadyException', { message: 'Model is loading.' }), headers: { 'x-amzn-ErrorType': 'ModelNotReadyException', 'retry-after': '7' } });
    const err = await failure();
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('7');
  });

  it('InternalFailure and ServiceUnavailable are the upstream’s failures: 502', async () => {
    for (const [status, name] of [
      [500, 'InternalFailure'],
      [503, 'ServiceUnavailable'],
    ] as const) {
      sagemaker.handler = () => errorReply(status, name, { message: 'try later' });
      const err = await failure();
      expect(err.status).toBe(502);
      expect(err.message).toContain('SagemakerException - try later');
    }
  });

  it('an error status of InvokeEndpointWithResponseStream fails a streamed call the same way', async () => {
    sagemaker.handler = () => errorReply(400, 'ValidationError', { message: 'Streaming is not supported for this endpoint.' });
    const err = (await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], stream: true }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.message).toContain('Streaming is not supported for this endpoint.');
  });

  it('an answer in no known shape: 502 with LiteLLM’s parse message', async () => {
    sagemaker.handler = () => ({ json: 'not a generation' });
    const err = await failure();
    expect(err.status).toBe(502);
    expect(err.message).toContain('Unable to parse sagemaker RAW RESPONSE');
  });
});
