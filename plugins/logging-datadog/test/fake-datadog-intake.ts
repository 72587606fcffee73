/**
 * A local Datadog logs intake (`POST /api/v2/logs`, the HTTP API the official client's
 * `LogsApi.submitLog` and LiteLLM's datadog logger call), for tests: checks `DD-API-KEY`, inflates
 * gzip/deflate bodies, takes a JSON array (or one object) of log items, applies `?ddtags=`,
 * enforces the intake's limits (5 MB uncompressed: 413; more than 1000 items: 400) and answers
 * 202 `{}` as Datadog does. Errors use Datadog's `{"errors":[{status,title,detail}]}` body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface ReceivedLog {
  ddsource?: string;
  ddtags?: string;
  hostname?: string;
  message?: string;
  service?: string;
  status?: string;
  [field: string]: unknown;
}

export interface IntakeRequest {
  headers: IncomingMessage['headers'];
  path: string;
  /** Bytes on the wire (compressed when Content-Encoding says so). */
  wireBytes: number;
  logs: ReceivedLog[];
}

export interface FakeDatadogIntake {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Accepted requests, in order. */
  requests: IntakeRequest[];
  /** Every accepted log, in order. */
  logs: ReceivedLog[];
  /** Answers the next `n` requests with `status` (e.g. 503) instead of taking them. */
  failNext(n: number, status?: number): void;
  /** Largest uncompressed body accepted, bytes (Datadog: 5 MB). */
  maxBytes: number;
  close(): Promise<void>;
}

const MAX_ITEMS = 1000;

function error(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ status: String(status), title, detail }] }));
}

export async function startFakeDatadogIntake(opts: { apiKey?: string; maxBytes?: number } = {}): Promise<FakeDatadogIntake> {
  let failing = 0;
  let failStatus = 503;
  const fake: FakeDatadogIntake = {
    url: '',
    port: 0,
    requests: [],
    logs: [],
    maxBytes: opts.maxBytes ?? 5 * 1024 * 1024,
    failNext(n, status = 503) {
      failing = n;
      failStatus = status;
    },
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://intake');
      if (req.method !== 'POST' || url.pathname !== '/api/v2/logs') return error(res, 404, 'Not Found', `no route ${req.method} ${url.pathname}`);
      if (opts.apiKey !== undefined && req.headers['dd-api-key'] !== opts.apiKey) return error(res, 403, 'Forbidden', 'API key is invalid');
      if (failing > 0) {
        failing--;
        return error(res, failStatus, 'Service Unavailable', 'the intake is failing on purpose');
      }
      const wire = Buffer.concat(parts);
      let raw: Buffer;
      try {
        const encoding = req.headers['content-encoding'];
        raw = encoding === 'gzip' ? gunzipSync(wire) : encoding === 'deflate' ? inflateSync(wire) : wire;
      } catch {
        return error(res, 400, 'Bad Request', 'the body could not be decompressed');
      }
      if (raw.length > fake.maxBytes) return error(res, 413, 'Payload Too Large', 'batch is above 5MB uncompressed');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return error(res, 400, 'Bad Request', 'Content-Type must be application/json');
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return error(res, 400, 'Bad Request', 'the body is not JSON');
      }
      const items = Array.isArray(parsed) ? parsed : [parsed];
      if (items.length > MAX_ITEMS) return error(res, 400, 'Bad Request', `more than ${MAX_ITEMS} log entries in one request`);
      if (items.some((i) => !i || typeof i !== 'object' || Array.isArray(i))) return error(res, 400, 'Bad Request', 'each log entry must be an object');
      const extraTags = url.searchParams.get('ddtags');
      const logs = (items as ReceivedLog[]).map((l) => (extraTags ? { ...l, ddtags: l.ddtags ? `${l.ddtags},${extraTags}` : extraTags } : l));
      fake.requests.push({ headers: req.headers, path: req.url ?? '', wireBytes: wire.length, logs });
      fake.logs.push(...logs);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
