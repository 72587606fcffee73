/**
 * A local OpenAI-compatible upstream for tests: answers chat, completions, embeddings (plain and
 * streamed), image generations and moderations in OpenAI's wire format and records every request it received, so tests can check
 * what Sluice sent (path, headers, body).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface MockBehaviour {
  /** Status and body to answer with instead of a completion (errors). */
  fail?: { status: number; body: unknown; headers?: Record<string, string> };
  /** With `fail`: fail only this many more requests, then answer normally (unset: fail every one). */
  failTimes?: number;
  /** Wait this long before answering headers. */
  delayMs?: number;
  /** Wait this long between stream chunks. */
  chunkDelayMs?: number;
  /** Content of the reply. */
  reply?: string;
  /** Send a broken (non-JSON) body. */
  garbage?: boolean;
  /** Usage reported by completions (default 7 prompt + 5 completion tokens). */
  usage?: Record<string, unknown>;
  /** Cut the connection after this many stream chunks. */
  dieAfterChunks?: number;
  /** Give each response its own `id` (`chatcmpl-<uuid>`), as real providers do (default: `chatcmpl-mock`). */
  uniqueIds?: boolean;
}

export interface MockOpenAI {
  url: string;
  requests: RecordedRequest[];
  behaviour: MockBehaviour;
  /** Streams whose client (Sluice) went away before the end. */
  abortedStreams: number;
  close(): Promise<void>;
}

export async function startMockOpenAI(initial: MockBehaviour = {}): Promise<MockOpenAI> {
  const mock: MockOpenAI = { url: '', requests: [], behaviour: { ...initial }, abortedStreams: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      mock.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      void answer(mock, req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  mock.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return mock;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answer(mock: MockOpenAI, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const b = mock.behaviour;
  if (b.delayMs) await sleep(b.delayMs);
  if (res.destroyed) return;
  if (b.fail && (b.failTimes === undefined || b.failTimes-- > 0)) {
    res.writeHead(b.fail.status, { 'content-type': 'application/json', ...b.fail.headers });
    res.end(JSON.stringify(b.fail.body));
    return;
  }
  if (b.garbage) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{not json');
    return;
  }
  const path = req.url ?? '';
  const model = String(body.model);
  if (path.endsWith('/embeddings')) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const data = inputs.map((_, index) => ({ object: 'embedding', index, embedding: body.encoding_format === 'base64' ? Buffer.from(new Float32Array([0.1, 0.2, 0.3]).buffer).toString('base64') : [0.1, 0.2, 0.3] }));
    json(res, { object: 'list', data, model, usage: { prompt_tokens: 3, total_tokens: 3 } });
    return;
  }
  if (path.endsWith('/images/generations')) {
    const n = typeof body.n === 'number' ? body.n : 1;
    json(res, { created: 1, data: Array.from({ length: n }, (_, i) => ({ url: `https://images.mock/${i}.png`, revised_prompt: body.prompt })) });
    return;
  }
  if (path.endsWith('/moderations')) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const categories = { hate: false, violence: false, sexual: false };
    const scores = { hate: 0.0001, violence: 0.0001, sexual: 0.0001 };
    json(res, { id: b.uniqueIds ? `modr-${randomUUID()}` : 'modr-mock', model: typeof body.model === 'string' ? body.model : 'omni-moderation-latest', results: inputs.map(() => ({ flagged: false, categories, category_scores: scores })) });
    return;
  }
  const chat = path.endsWith('/chat/completions');
  const reply = b.reply ?? 'Hello from the mock upstream.';
  const usage = b.usage ?? { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 };
  const id = b.uniqueIds ? `chatcmpl-${randomUUID()}` : 'chatcmpl-mock';
  if (body.stream !== true) {
    const choice = chat ? { index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' } : { index: 0, text: reply, finish_reason: 'stop' };
    json(res, { id, object: chat ? 'chat.completion' : 'text_completion', created: 1, model, choices: [choice], usage });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.on('close', () => {
    if (!res.writableFinished) mock.abortedStreams++;
  });
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const words = reply.split(' ');
  for (let i = 0; i < words.length; i++) {
    if (res.destroyed) return;
    if (b.dieAfterChunks !== undefined && i >= b.dieAfterChunks) {
      res.socket?.destroy();
      return;
    }
    const piece = (i ? ' ' : '') + words[i];
    const choice = chat ? { index: 0, delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: null } : { index: 0, text: piece, finish_reason: null };
    res.write(`data: ${JSON.stringify({ id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: 1, model, choices: [choice] })}\n\n`);
    if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
  }
  if (res.destroyed) return;
  const end = chat ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' };
  res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [end] })}\n\n`);
  if (includeUsage) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
