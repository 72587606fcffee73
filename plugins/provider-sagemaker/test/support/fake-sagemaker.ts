/**
 * A local SageMaker runtime for tests: verifies every request's SigV4 signature (service
 * `sagemaker`), records what arrived, and answers in SageMaker's wire format: InvokeEndpoint
 * returns the container's JSON as is; InvokeEndpointWithResponseStream returns AWS event-stream
 * frames of PayloadPart events whose bytes are the container's stream (TGI's `data:{"token":…}`
 * lines, or OpenAI chunks for the Messages API), cut wherever the test asks; errors carry
 * `x-amzn-ErrorType`, stream failures are ModelStreamError exception frames.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { verifySigV4, type KnownCredentials } from '../../../../test/support/aws-sigv4-verifier.js';

export const TEST_REGION = 'eu-west-1';
export const TEST_CREDENTIALS: Required<KnownCredentials> = {
  accessKeyId: 'AKIASLUICESAGEMAKER01',
  secretAccessKey: 'sluice/test+secret/SageMakerKey00000000001',
  sessionToken: 'sluice-test-sagemaker-session-0001',
};

export interface ReceivedRequest {
  method: string;
  path: string;
  operation: 'invocations' | 'invocations-response-stream' | undefined;
  endpointName: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

export type StreamPart = { bytes: string } | { exception: 'ModelStreamError' | 'InternalStreamFailure'; message: string };

export type Reply =
  | { status?: number; json: unknown; headers?: Record<string, string> }
  | { parts: StreamPart[] };

export interface FakeSagemaker {
  url: string;
  requests: ReceivedRequest[];
  handler: ((req: ReceivedRequest) => Reply | undefined) | undefined;
  close(): Promise<void>;
}

export const DEFAULT_REPLY_TEXT = 'Hello from fake SageMaker.';

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

export async function startFakeSagemaker(known: KnownCredentials = TEST_CREDENTIALS, region = TEST_REGION): Promise<FakeSagemaker> {
  let count = 0;
  const fake: FakeSagemaker = { url: '', requests: [], handler: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const rawBody = Buffer.concat(chunks);
        const url = req.url ?? '';
        res.setHeader('x-amzn-RequestId', `fake-sm-${++count}`);
        const verdict = await verifySigV4({ method: req.method ?? '', url, headers: req.headers, body: rawBody }, known, region, 'sagemaker');
        if (!verdict.ok) return sendJson(res, 403, { message: verdict.message }, { 'x-amzn-ErrorType': verdict.errorType });
        const m = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/.exec(url);
        const received: ReceivedRequest = {
          method: req.method ?? '',
          path: url,
          operation: m?.[2] as ReceivedRequest['operation'],
          endpointName: m ? decodeURIComponent(m[1]!) : '',
          headers: req.headers,
          body: rawBody.length > 0 ? (JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : {},
        };
        fake.requests.push(received);
        if (!received.operation) return sendJson(res, 404, { message: `no operation at ${url}` }, { 'x-amzn-ErrorType': 'UnknownOperationException' });
        await send(res, fake.handler?.(received) ?? defaultReply(received));
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

/** SageMaker's error answer: the name in `x-amzn-ErrorType`, the text in `message`. */
export function errorReply(status: number, errorType: string, body: Record<string, unknown>): Reply {
  return { status, json: body, headers: { 'x-amzn-ErrorType': `${errorType}:http://internal.amazon.com/coral/com.amazonaws.sagemaker/` } };
}

function sendJson(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(json));
}

async function send(res: ServerResponse, reply: Reply): Promise<void> {
  if ('json' in reply) return sendJson(res, reply.status ?? 200, reply.json, reply.headers);
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-sagemaker-content-type': 'application/json' });
  for (const part of reply.parts) {
    res.write(encodePart(part));
    await new Promise((r) => setTimeout(r, 1)); // separate network reads
  }
  res.end();
}

export function encodePart(part: StreamPart): Uint8Array {
  if ('exception' in part) {
    return codec.encode({
      headers: {
        ':exception-type': { type: 'string', value: part.exception },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'exception' },
      },
      body: new TextEncoder().encode(JSON.stringify({ Message: part.message, ErrorCode: 'ModelError' })),
    });
  }
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: 'PayloadPart' },
      ':content-type': { type: 'string', value: 'application/octet-stream' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: new TextEncoder().encode(part.bytes),
  });
}

/** TGI's stream for these tokens, as SSE lines, cut into parts of `cut` characters (0: one part per event). */
export function tgiStreamParts(tokens: string[], opts: { cut?: number; finishReason?: string; special?: string } = {}): StreamPart[] {
  const events = tokens.map((text, i) => ({ token: { id: i + 10, text, logprob: -0.1, special: false }, generated_text: null, details: null }));
  if (opts.special) events.push({ token: { id: 2, text: opts.special, logprob: 0, special: true }, generated_text: null, details: null });
  const last = events.at(-1)!;
  (last as Record<string, unknown>).generated_text = tokens.join('');
  (last as Record<string, unknown>).details = { finish_reason: opts.finishReason ?? 'eos_token', generated_tokens: events.length, seed: null };
  const text = events.map((e) => `data:${JSON.stringify(e)}\n\n`).join('');
  if (!opts.cut) return events.map((e) => ({ bytes: `data:${JSON.stringify(e)}\n\n` }));
  const parts: StreamPart[] = [];
  for (let i = 0; i < text.length; i += opts.cut) parts.push({ bytes: text.slice(i, i + opts.cut) });
  return parts;
}

/** The Messages API's stream: OpenAI chunks as SSE lines, then `[DONE]`. */
export function messagesStreamParts(pieces: string[], model = 'tgi'): StreamPart[] {
  const base = { id: '', object: 'chat.completion.chunk', created: 1700000000, model, system_fingerprint: '2.4.0-native' };
  const chunks = [
    ...pieces.map((content, i) => ({ ...base, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, logprobs: null, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: pieces.length, total_tokens: 9 + pieces.length } },
  ];
  return [...chunks.map((c) => ({ bytes: `data: ${JSON.stringify(c)}\n\n` })), { bytes: 'data: [DONE]\n\n' }];
}

export function fakeVector(text: string): number[] {
  return [text.length / 8, (text.charCodeAt(0) || 0) / 256, 0.5, -0.25];
}

function defaultReply(req: ReceivedRequest): Reply {
  const stream = req.operation === 'invocations-response-stream';
  if (Array.isArray(req.body.messages)) {
    if (stream) return { parts: messagesStreamParts(['Hello', ' from', ' the', ' Messages API.']) };
    return {
      json: {
        object: 'chat.completion',
        id: '',
        created: 1700000000,
        model: 'tgi',
        system_fingerprint: '2.4.0-native',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the Messages API.' }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
      },
    };
  }
  if (Array.isArray(req.body.inputs)) return { json: (req.body.inputs as string[]).map(fakeVector) };
  if (stream) return { parts: tgiStreamParts(['Hello', ' from', ' fake', ' SageMaker.']) };
  return { json: [{ generated_text: DEFAULT_REPLY_TEXT }] };
}
