/**
 * A local stand-in for an HTTP API: records every request (method, path, query, headers, body)
 * and answers with whatever the test's `reply` says, so tests check both directions.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path with query string. */
  path: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body's bytes as received. */
  raw: Buffer;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  body: any;
}

export type Reply = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: SeenRequest[];
  reply: Reply;
  close(): Promise<void>;
}

export async function startFakeUpstream(reply: Reply): Promise<FakeUpstream> {
  const fake: FakeUpstream = { url: '', requests: [], reply, close: async () => undefined };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      const text = raw.toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', pathname: url.pathname, query: url.searchParams, headers: req.headers, text, raw, body };
      fake.requests.push(seen);
      void Promise.resolve(fake.reply(seen, res)).catch((err: unknown) => {
        res.writeHead(599, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
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

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** An OpenAI-style SSE stream: one `data:` event per chunk, then `data: [DONE]`. */
export function sendSse(res: ServerResponse, chunks: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n');
}
