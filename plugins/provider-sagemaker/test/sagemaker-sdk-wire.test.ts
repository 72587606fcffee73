/**
 * The official AWS SDK (@aws-sdk/client-sagemaker-runtime) as the referee: it must accept the
 * fake's answers (InvokeEndpoint bodies, InvokeEndpointWithResponseStream's PayloadPart events,
 * modeled errors and stream exceptions), the fake must accept its signatures and refuse a wrong
 * secret, and Sluice must send SageMaker the request the SDK sends for the same call.
 */
import {
  InvokeEndpointCommand,
  InvokeEndpointWithResponseStreamCommand,
  SageMakerRuntimeClient,
  type ResponseStream,
} from '@aws-sdk/client-sagemaker-runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { DEFAULT_REPLY_TEXT, TEST_CREDENTIALS, TEST_REGION, errorReply, fakeVector, startFakeSagemaker, tgiStreamParts, type FakeSagemaker } from './support/fake-sagemaker.js';
import { EMBED_ENDPOINT, TGI_ENDPOINT, startSagemakerGateway } from './support/sagemaker-gateway.js';
import { sdkHttp1Handler } from '../../../test/support/aws-sdk-http1-handler.js';

let sagemaker: FakeSagemaker;
let sluice: TestGateway;
let client: OpenAI;
let sdk: SageMakerRuntimeClient;

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

function awsClient(secretAccessKey: string): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    region: TEST_REGION,
    endpoint: sagemaker.url,
    credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey, sessionToken: TEST_CREDENTIALS.sessionToken },
    requestHandler: sdkHttp1Handler,
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  sagemaker = await startFakeSagemaker();
  ({ sluice, client } = await startSagemakerGateway(sagemaker.url));
  sdk = awsClient(TEST_CREDENTIALS.secretAccessKey);
});

afterAll(async () => {
  sdk?.destroy();
  await sluice?.close();
  await sagemaker?.close();
});

beforeEach(() => {
  sagemaker.handler = undefined;
});

async function drain(stream: AsyncIterable<ResponseStream> | undefined): Promise<ResponseStream[]> {
  const events: ResponseStream[] = [];
  for await (const event of stream!) events.push(event);
  return events;
}

describe('the fake speaks the SageMaker runtime API, as the AWS SDK judges it', () => {
  it('accepts the SDK signature and answers InvokeEndpoint with the container body', async () => {
    const out = await sdk.send(
      new InvokeEndpointCommand({ EndpointName: TGI_ENDPOINT, ContentType: 'application/json', Body: JSON.stringify({ inputs: 'Hi', parameters: { max_new_tokens: 5 } }) }),
    );
    expect(JSON.parse(text(out.Body))).toEqual([{ generated_text: DEFAULT_REPLY_TEXT }]);
    expect(out.ContentType).toBe('application/json');
    expect(sagemaker.requests.at(-1)!.path).toBe(`/endpoints/${TGI_ENDPOINT}/invocations`);
  });

  it('refuses a request signed with the wrong secret key', async () => {
    const wrong = awsClient('not/the+right/secret0000000000000000000');
    const err = (await wrong.send(new InvokeEndpointCommand({ EndpointName: TGI_ENDPOINT, Body: '{"inputs":"Hi"}', ContentType: 'application/json' })).catch((e: unknown) => e)) as {
      name: string;
      $metadata: { httpStatusCode: number };
    };
    wrong.destroy();
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('streams PayloadPart events the SDK decodes, whatever way the container cut its bytes', async () => {
    sagemaker.handler = () => ({ parts: tgiStreamParts(['Hel', 'lo'], { cut: 7 }) });
    const out = await sdk.send(
      new InvokeEndpointWithResponseStreamCommand({ EndpointName: TGI_ENDPOINT, ContentType: 'application/json', Body: JSON.stringify({ inputs: 'Hi', stream: true }) }),
    );
    const events = await drain(out.Body);
    expect(events.every((e) => e.PayloadPart?.Bytes instanceof Uint8Array)).toBe(true);
    const bytes = events.map((e) => text(e.PayloadPart!.Bytes)).join('');
    expect(bytes.split('\n\n').filter(Boolean).map((l) => JSON.parse(l.slice('data:'.length)).token.text)).toEqual(['Hel', 'lo']);
    expect(sagemaker.requests.at(-1)!.path).toBe(`/endpoints/${TGI_ENDPOINT}/invocations-response-stream`);
  });

  it('sends ModelStreamError frames the SDK raises as the modeled error', async () => {
    sagemaker.handler = () => ({ parts: [{ bytes: 'data:{"token":{"text":"a"}}\n\n' }, { exception: 'ModelStreamError', message: 'The container failed.' }] });
    const err = (await (async () => {
      const out = await sdk.send(new InvokeEndpointWithResponseStreamCommand({ EndpointName: TGI_ENDPOINT, Body: '{"inputs":"Hi","stream":true}', ContentType: 'application/json' }));
      await drain(out.Body);
    })().catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ModelStreamError');
    expect(err.message).toBe('The container failed.');
  });

  it('answers errors the SDK turns into its modeled exceptions', async () => {
    sagemaker.handler = () =>
      errorReply(424, 'ModelError', { message: 'Received client error (422) from primary', OriginalStatusCode: 422, OriginalMessage: '{"error":"bad"}' });
    const err = (await sdk.send(new InvokeEndpointCommand({ EndpointName: TGI_ENDPOINT, Body: '{"inputs":"Hi"}', ContentType: 'application/json' })).catch((e: unknown) => e)) as Error & {
      OriginalStatusCode: number;
      $metadata: { httpStatusCode: number };
    };
    expect(err.name).toBe('ModelError');
    expect(err.OriginalStatusCode).toBe(422);
    expect(err.$metadata.httpStatusCode).toBe(424);
  });
});

describe('Sluice sends what the AWS SDK sends', () => {
  it('for a plain call: the same operation, content type and the body LiteLLM builds', async () => {
    const body = { parameters: { max_new_tokens: 20, temperature: 0.5 }, inputs: 'You are terse. Hi' };
    await sdk.send(new InvokeEndpointCommand({ EndpointName: TGI_ENDPOINT, ContentType: 'application/json', Body: JSON.stringify(body) }));
    const fromSdk = sagemaker.requests.at(-1)!;
    await client.chat.completions.create({
      model: 'tgi',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 20,
      temperature: 0.5,
    });
    const fromSluice = sagemaker.requests.at(-1)!;
    expect(fromSluice.path).toBe(fromSdk.path);
    expect(fromSluice.method).toBe(fromSdk.method);
    expect(fromSluice.headers['content-type']).toBe(fromSdk.headers['content-type']);
    expect(fromSluice.body).toEqual(fromSdk.body);
  });

  it('for a streamed call', async () => {
    await sdk.send(
      new InvokeEndpointWithResponseStreamCommand({ EndpointName: TGI_ENDPOINT, ContentType: 'application/json', Accept: 'application/json', Body: JSON.stringify({ parameters: {}, stream: true, inputs: 'Hi' }) }),
    );
    const fromSdk = sagemaker.requests.at(-1)!;
    const stream = await client.chat.completions.create({ model: 'tgi', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const _chunk of stream) {
      // drain
    }
    const fromSluice = sagemaker.requests.at(-1)!;
    expect(fromSluice.path).toBe(fromSdk.path);
    expect(fromSluice.headers['x-amzn-sagemaker-accept']).toBe(fromSdk.headers['x-amzn-sagemaker-accept']);
    expect(fromSluice.body).toEqual(fromSdk.body);
  });

  it('for an embedding', async () => {
    const out = await sdk.send(
      new InvokeEndpointCommand({ EndpointName: EMBED_ENDPOINT, ContentType: 'application/json', CustomAttributes: 'accept_eula=true', Body: JSON.stringify({ inputs: ['hello'] }) }),
    );
    expect(JSON.parse(text(out.Body))).toEqual([fakeVector('hello')]);
    const fromSdk = sagemaker.requests.at(-1)!;
    await client.embeddings.create({ model: 'embed', input: 'hello', encoding_format: 'float' });
    const fromSluice = sagemaker.requests.at(-1)!;
    expect(fromSluice.path).toBe(fromSdk.path);
    expect(fromSluice.headers['x-amzn-sagemaker-custom-attributes']).toBe(fromSdk.headers['x-amzn-sagemaker-custom-attributes']);
    expect(fromSluice.body).toEqual(fromSdk.body);
  });
});
