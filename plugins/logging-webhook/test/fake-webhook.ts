/**
 * A plain node:http webhook receiver for the generic_api tests: parses JSON array, NDJSON and
 * single-object bodies into logs, counts logs by their `id` (the request id), and can go down (the
 * listening socket closed, connections refused) and come back on the same port. Bodies are kept
 * only when asked: a load test sends tens of thousands of logs.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  text: string;
  logs: Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface FakeWebhook {
  url: string;
  /** Logs received per id (at least once: a retried batch may repeat some). */
  seen: Map<string, number>;
  /** Requests with bodies, when started with keepRequests. */
  requests: WebhookRequest[];
  /** Every POST taken. */
  posts: number;
  /** Closes the listening socket and every connection: the destination is down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export function parseLogs(text: string): Array<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const t = text.trim();
  if (t.startsWith('[')) return JSON.parse(t);
  if (t.includes('\n')) return t.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return t ? [JSON.parse(t)] : [];
}

export async function startFakeWebhook(opts: { keepRequests?: boolean; port?: number } = {}): Promise<FakeWebhook> {
  let server: Server | undefined;
  let port = opts.port ?? 0;
  const fake: FakeWebhook = {
    url: '',
    seen: new Map(),
    requests: [],
    posts: 0,
    down: async () => {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    up: async () => {
      if (server) return;
      server = createServer((req, res) => {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c));
        req.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          let logs: WebhookRequest['logs'];
          try {
            logs = parseLogs(text);
          } catch {
            res.writeHead(400).end('not JSON');
            return;
          }
          fake.posts++;
          for (const l of logs) fake.seen.set(String(l.id), (fake.seen.get(String(l.id)) ?? 0) + 1);
          if (opts.keepRequests) fake.requests.push({ headers: req.headers, text, logs });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        });
      });
      server.keepAliveTimeout = 5000;
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      fake.url = `http://127.0.0.1:${port}/logs`;
    },
    close: () => fake.down(),
  };
  await fake.up();
  return fake;
}
