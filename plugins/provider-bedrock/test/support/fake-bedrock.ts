/**
 * A local Bedrock runtime for tests: verifies every request's SigV4 signature (or Bedrock API
 * key), records what arrived, and answers in Bedrock's wire format: Converse JSON, ConverseStream
 * as AWS event-stream frames (encoded with @smithy/eventstream-codec, padding field `p` included
 * as Bedrock sends it), InvokeModel embeddings, and errors with `x-amzn-ErrorType`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { verifySigV4, type KnownCredentials } from '../../../../test/support/aws-sigv4-verifier.js';

export const TEST_REGION = 'eu-west-1';
export const TEST_CREDENTIALS: Required<KnownCredentials> = {
  accessKeyId: 'AKIASLUICETEST000001',
  secretAccessKey: 'sluice/test+secret/AccessKey0000000000001',
  sessionToken: 'sluice-test-session-token-0001',
};
export const TEST_BEARER_TOKEN = 'bedrock-api-key-sluice-test-0001';

export type Operation = 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream';

export interface ReceivedRequest {
  method: string;
  /** Path as received, still percent-encoded. */
  path: string;
  operation: Operation | undefined;
  /** The model id, decoded from the path. */
  modelId: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  body: Record<string, any>;
  auth: 'sigv4' | 'bearer';
}

export type StreamEventSpec =
  | { event: string; payload: Record<string, unknown> }
  | { exception: string; message: string };

export type Reply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { events: StreamEventSpec[]; /** Write the frames in slices of this many bytes, cutting messages apart. */ sliceBytes?: number };

export interface FakeBedrock {
  url: string;
  requests: ReceivedRequest[];
  /** Chooses the answer; returning undefined (or no handler) gives the default answers below. */
  handler: ((req: ReceivedRequest) => Reply | undefined) | undefined;
  close(): Promise<void>;
}

export const DEFAULT_REPLY_TEXT = 'Hello from fake Bedrock.';

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

export async function startFakeBedrock(known: KnownCredentials = TEST_CREDENTIALS, region = TEST_REGION): Promise<FakeBedrock> {
  let requestCount = 0;
  const fake: FakeBedrock = { url: '', requests: [], handler: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks);
        const url = req.url ?? '';
        res.setHeader('x-amzn-RequestId', `fake-request-${++requestCount}`);
        const auth = req.headers.authorization ?? '';
        if (auth.startsWith('Bearer ')) {
          if (auth !== `Bearer ${TEST_BEARER_TOKEN}`) return sendError(res, 403, 'UnrecognizedClientException', 'Invalid API Key format: Must start with pre-defined prefix');
        } else {
          const verdict = await verifySigV4({ method: req.method ?? '', url, headers: req.headers, body: rawBody }, known, region, 'bedrock');
          if (!verdict.ok) return sendError(res, 403, verdict.errorType, verdict.message);
        }
        const m = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(url);
        const received: ReceivedRequest = {
          method: req.method ?? '',
          path: url,
          operation: m?.[2] as Operation | undefined,
          modelId: m ? decodeURIComponent(m[1]!) : '',
          headers: req.headers,
          rawBody,
          body: rawBody.length > 0 ? (JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : {},
          auth: auth.startsWith('Bearer ') ? 'bearer' : 'sigv4',
        };
        fake.requests.push(received);
        if (!received.operation) return sendError(res, 404, 'UnknownOperationException', `no operation at ${url}`);
        const reply = fake.handler?.(received) ?? defaultReply(received);
        await send(res, reply);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** Bedrock's error answer: the name in `x-amzn-ErrorType`, the text in `message`. */
export function errorReply(status: number, errorType: string, message: string, headers: Record<string, string> = {}): Reply {
  return { status, json: { message }, headers: { 'x-amzn-ErrorType': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers } };
}

function sendError(res: ServerResponse, status: number, errorType: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': errorType });
  res.end(JSON.stringify({ message }));
}

async function send(res: ServerResponse, reply: Reply): Promise<void> {
  if ('json' in reply) {
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const bytes = Buffer.concat(reply.events.map(encodeEvent));
  if (!reply.sliceBytes) {
    // One write per event, as Bedrock flushes them.
    for (const spec of reply.events) res.write(encodeEvent(spec));
  } else {
    for (let i = 0; i < bytes.length; i += reply.sliceBytes) {
      res.write(bytes.subarray(i, i + reply.sliceBytes));
      await new Promise((r) => setTimeout(r, 1)); // separate network reads
    }
  }
  res.end();
}

let padding = 0;

export function encodeEvent(spec: StreamEventSpec): Uint8Array {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  if ('exception' in spec) {
    return codec.encode({
      headers: {
        ':exception-type': { type: 'string', value: spec.exception },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'exception' },
      },
      body: json({ message: spec.message }),
    });
  }
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: spec.event },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    // Bedrock pads every event with a random-length `p` string.
    body: json({ ...spec.payload, p: 'abcdefghijklmnopqrstuvwxyz'.slice(0, (padding++ % 20) + 1) }),
  });
}

export function textStreamEvents(pieces: string[], stopReason = 'end_turn', usage: Record<string, number> = { inputTokens: 11, outputTokens: 5, totalTokens: 16 }): StreamEventSpec[] {
  return [
    { event: 'messageStart', payload: { role: 'assistant' } },
    ...pieces.map((text): StreamEventSpec => ({ event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text } } })),
    { event: 'contentBlockStop', payload: { contentBlockIndex: 0 } },
    { event: 'messageStop', payload: { stopReason } },
    { event: 'metadata', payload: { usage, metrics: { latencyMs: 321 } } },
  ];
}

function defaultReply(req: ReceivedRequest): Reply {
  if (req.operation === 'converse') {
    return {
      json: {
        output: { message: { role: 'assistant', content: [{ text: DEFAULT_REPLY_TEXT }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 11, outputTokens: 5, totalTokens: 16 },
        metrics: { latencyMs: 321 },
      },
    };
  }
  if (req.operation === 'converse-stream') return { events: textStreamEvents(['Hello', ' from', ' fake', ' Bedrock.']) };
  // InvokeModel: embeddings, in the shape of the model family.
  if (req.modelId.startsWith('amazon.titan-embed-text')) {
    const text = String(req.body.inputText);
    return { json: { embedding: fakeVector(text), inputTextTokenCount: text.length }, headers: { 'X-Amzn-Bedrock-Input-Token-Count': String(text.length) } };
  }
  if (req.modelId.startsWith('cohere.embed')) {
    const texts = req.body.texts as string[];
    const tokens = texts.reduce((n, t) => n + t.length, 0);
    return {
      json: { id: 'fake-embed-id', embeddings: texts.map(fakeVector), response_type: 'embeddings_floats', texts },
      headers: { 'X-Amzn-Bedrock-Input-Token-Count': String(tokens) },
    };
  }
  return errorReply(400, 'ValidationException', `The provided model identifier is invalid: ${req.modelId}`);
}

/** A deterministic vector: [length/8, first char code/256, 0.5, -0.25], exact in float32. */
export function fakeVector(text: string): number[] {
  return [text.length / 8, (text.charCodeAt(0) || 0) / 256, 0.5, -0.25];
}
