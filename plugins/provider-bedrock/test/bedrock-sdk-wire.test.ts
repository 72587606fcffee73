/**
 * The official AWS SDK as the referee: it must accept the fake's answers (Converse JSON, the
 * ConverseStream event stream, exceptions), the fake must accept the SDK's signatures and refuse a
 * wrong secret, and Sluice must send Bedrock the same body the SDK sends for the same request.
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  type ConverseCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestGateway } from '../../../test/support/gateway.js';
import { CLAUDE_ID, PNG_BYTES, PNG_DATA_URL, startBedrockGateway } from './support/bedrock-gateway.js';
import { DEFAULT_REPLY_TEXT, TEST_CREDENTIALS, TEST_REGION, errorReply, fakeVector, startFakeBedrock, textStreamEvents, type FakeBedrock } from './support/fake-bedrock.js';
import { sdkHttp1Handler } from '../../../test/support/aws-sdk-http1-handler.js';

let bedrock: FakeBedrock;
let sluice: TestGateway;
let client: OpenAI;
let sdk: BedrockRuntimeClient;

beforeAll(async () => {
  bedrock = await startFakeBedrock();
  ({ sluice, client } = await startBedrockGateway(bedrock.url));
  sdk = awsClient(TEST_CREDENTIALS.secretAccessKey);
});

afterAll(async () => {
  sdk?.destroy();
  await sluice?.close();
  await bedrock?.close();
});

beforeEach(() => {
  bedrock.handler = undefined;
});

function awsClient(secretAccessKey: string): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: TEST_REGION,
    endpoint: bedrock.url,
    credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey, sessionToken: TEST_CREDENTIALS.sessionToken },
    requestHandler: sdkHttp1Handler,
    maxAttempts: 1,
  });
}

describe('the fake speaks Bedrock, as the AWS SDK judges it', () => {
  it('accepts the SDK signature and answers Converse in a shape the SDK parses', async () => {
    const out = await sdk.send(new ConverseCommand({ modelId: CLAUDE_ID, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
    expect(out.output).toEqual({ message: { role: 'assistant', content: [{ text: DEFAULT_REPLY_TEXT }] } });
    expect(out.stopReason).toBe('end_turn');
    expect(out.usage).toEqual({ inputTokens: 11, outputTokens: 5, totalTokens: 16 });
    // The SDK signs more headers than Sluice does; the fake checked them all.
    expect(bedrock.requests.at(-1)!.headers.authorization).toContain('amz-sdk-invocation-id');
  });

  it('refuses a request signed with the wrong secret key', async () => {
    const wrong = awsClient('not/the+right/secret0000000000000000000');
    const err = (await wrong.send(new ConverseCommand({ modelId: CLAUDE_ID, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })).catch((e: unknown) => e)) as {
      name: string;
      $metadata: { httpStatusCode: number };
    };
    wrong.destroy();
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it('streams an event stream the SDK decodes event by event, even cut into 5-byte reads', async () => {
    for (const sliceBytes of [undefined, 5]) {
      bedrock.handler = () => ({ events: textStreamEvents(['Hello', ' there']), sliceBytes });
      const out = await sdk.send(new ConverseStreamCommand({ modelId: CLAUDE_ID, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
      const events: ConverseStreamOutput[] = [];
      for await (const event of out.stream!) events.push(event);
      expect(events).toEqual([
        { messageStart: { role: 'assistant' } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Hello' } } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: ' there' } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'end_turn' } },
        { metadata: { usage: { inputTokens: 11, outputTokens: 5, totalTokens: 16 }, metrics: { latencyMs: 321 } } },
      ]);
    }
  });

  it('sends exception events the SDK raises as modeled errors', async () => {
    bedrock.handler = () => ({ events: [{ exception: 'throttlingException', message: 'Slow down.' }] });
    // The SDK reads the first event before send() resolves, so the exception may surface there.
    const err = (await (async () => {
      const out = await sdk.send(new ConverseStreamCommand({ modelId: CLAUDE_ID, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
      for await (const _event of out.stream!) {
        // drain
      }
    })().catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ThrottlingException');
    expect(err.message).toBe('Slow down.');
  });

  it('answers errors in a shape the SDK turns into its modeled exceptions', async () => {
    bedrock.handler = () => errorReply(400, 'ValidationException', 'Input is too long for requested model.');
    const err = (await sdk.send(new ConverseCommand({ modelId: CLAUDE_ID, messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })).catch((e: unknown) => e)) as Error & {
      $metadata: { httpStatusCode: number };
    };
    expect(err.name).toBe('ValidationException');
    expect(err.message).toBe('Input is too long for requested model.');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});

describe('Sluice sends what the AWS SDK sends', () => {
  it('for a conversation with system, image, tools, tool use and tool results', async () => {
    const sdkInput: ConverseCommandInput = {
      modelId: CLAUDE_ID,
      system: [{ text: 'You are a weather bot.' }],
      messages: [
        { role: 'user', content: [{ text: 'Weather where this photo was taken?' }, { image: { format: 'png', source: { bytes: new Uint8Array(PNG_BYTES) } } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_1', content: [{ text: '18 C' }] } }] },
      ],
      inferenceConfig: { maxTokens: 256, temperature: 0.5, topP: 0.8, stopSequences: ['\n\nHuman:'] },
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } } }],
        toolChoice: { tool: { name: 'get_weather' } },
      },
    };
    await sdk.send(new ConverseCommand(sdkInput));
    const fromSdk = bedrock.requests.at(-1)!;

    await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'You are a weather bot.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather where this photo was taken?' }, { type: 'image_url', image_url: { url: PNG_DATA_URL } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'tooluse_1', content: '18 C' },
      ],
      max_tokens: 256,
      temperature: 0.5,
      top_p: 0.8,
      stop: ['\n\nHuman:'],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const fromSluice = bedrock.requests.at(-1)!;

    expect(fromSluice.path).toBe(fromSdk.path);
    expect(fromSluice.method).toBe(fromSdk.method);
    expect(fromSluice.headers['content-type']).toBe(fromSdk.headers['content-type']);
    expect(fromSluice.body).toEqual(fromSdk.body);
  });

  it('for a streamed call', async () => {
    await sdk.send(new ConverseStreamCommand({ modelId: CLAUDE_ID, messages: [{ role: 'user', content: [{ text: 'Hi' }] }], inferenceConfig: { maxTokens: 9 } }));
    const fromSdk = bedrock.requests.at(-1)!;
    const stream = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 9, stream: true });
    for await (const _chunk of stream) {
      // drain
    }
    const fromSluice = bedrock.requests.at(-1)!;
    expect(fromSluice.path).toBe(fromSdk.path);
    expect(fromSluice.body).toEqual(fromSdk.body);
  });

  it('for a Titan embedding', async () => {
    const out = await sdk.send(new InvokeModelCommand({ modelId: 'amazon.titan-embed-text-v2:0', contentType: 'application/json', accept: 'application/json', body: JSON.stringify({ inputText: 'hello' }) }));
    expect(JSON.parse(new TextDecoder().decode(out.body))).toEqual({ embedding: fakeVector('hello'), inputTextTokenCount: 5 });
    const fromSdk = bedrock.requests.at(-1)!;
    await client.embeddings.create({ model: 'titan-v2', input: 'hello' });
    const fromSluice = bedrock.requests.at(-1)!;
    expect(fromSluice.path).toBe(fromSdk.path);
    expect(fromSluice.headers.accept).toBe(fromSdk.headers.accept);
    expect(fromSluice.body).toEqual(fromSdk.body);
  });
});
