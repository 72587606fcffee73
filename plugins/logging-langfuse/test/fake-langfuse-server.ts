/**
 * A local Langfuse server for tests: the public ingestion API (`POST /api/public/ingestion`, basic
 * auth public:secret, `{batch: [{id, type, timestamp, body}], metadata}`, 207 with per-event
 * `successes` / `errors`), plus what clients call around it (`GET /api/public/health`,
 * `GET /api/public/projects`). Events are checked the way Langfuse checks them (an id, a known
 * type, a body; a generation needs a traceId), so an invalid one is refused in the 207 answer.
 * Proven against the official `langfuse` npm client in fake-langfuse-server.test.ts.
 *
 * `events`: every accepted ingestion event (`body` is the whole event: `{id, type, timestamp,
 * body}`) with the credentials it came with. `setDown(true)`: every call answers 503.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeLangfuseEvent {
  auth: { publicKey: string; secretKey: string };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface FakeLangfuse {
  /** `http://127.0.0.1:<port>` (use as LANGFUSE_HOST). */
  url: string;
  events: FakeLangfuseEvent[];
  /** Every ingestion request as received (headers and body), accepted or not. */
  requests: Array<{ headers: IncomingMessage['headers']; body: unknown; status: number }>;
  setDown(down: boolean): void;
  /** The next `count` events of these types fail with `status` in the 207 answer (a Langfuse-side fault for 5xx). */
  failNextEvents(count: number, status: number): void;
  close(): Promise<void>;
}

const EVENT_TYPES = new Set([
  'trace-create', 'generation-create', 'generation-update', 'span-create', 'span-update', 'event-create', 'score-create', 'observation-create', 'observation-update', 'sdk-log',
]);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function credentials(header: string | undefined): { publicKey: string; secretKey: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const at = text.indexOf(':');
  if (at <= 0) return undefined;
  return { publicKey: text.slice(0, at), secretKey: text.slice(at + 1) };
}

/** Langfuse's checks, reduced to what a client can get wrong: undefined when valid, else the message. */
function invalid(event: unknown): string | undefined {
  if (!event || typeof event !== 'object') return 'event is not an object';
  const e = event as Record<string, unknown>;
  if (typeof e.id !== 'string' || e.id === '') return 'id: Required';
  if (typeof e.type !== 'string' || !EVENT_TYPES.has(e.type)) return `type: Invalid discriminator value ${JSON.stringify(e.type)}`;
  if (typeof e.timestamp !== 'string' || Number.isNaN(Date.parse(e.timestamp))) return 'timestamp: Invalid datetime';
  if (!e.body || typeof e.body !== 'object') return 'body: Required';
  const body = e.body as Record<string, unknown>;
  if (e.type === 'generation-create' && typeof body.traceId !== 'string') return 'body.traceId: Required';
  for (const k of ['startTime', 'endTime', 'completionStartTime', 'timestamp']) {
    if (body[k] !== undefined && body[k] !== null && (typeof body[k] !== 'string' || Number.isNaN(Date.parse(body[k] as string)))) return `body.${k}: Invalid datetime`;
  }
  if (body.level !== undefined && !['DEBUG', 'DEFAULT', 'WARNING', 'ERROR'].includes(body.level as string)) return 'body.level: Invalid enum value';
  return undefined;
}

export async function startFakeLangfuse(): Promise<FakeLangfuse> {
  let down = false;
  let failing = { count: 0, status: 500 };
  const fake: FakeLangfuse = {
    url: '',
    events: [],
    requests: [],
    setDown: (b) => void (down = b),
    failNextEvents: (count, status) => void (failing = { count, status }),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      if (down) return send(res, 503, { message: 'Service Unavailable' });
      if (req.method === 'GET' && path === '/api/public/health') return send(res, 200, { status: 'OK', version: '2.0.0-fake' });
      const auth = credentials(req.headers.authorization);
      if (!auth) return send(res, 401, { message: 'Unauthorized: no valid basic auth' });
      if (req.method === 'GET' && path === '/api/public/projects') return send(res, 200, { data: [{ id: `project-${auth.publicKey}`, name: auth.publicKey }] });
      if (req.method !== 'POST' || path !== '/api/public/ingestion') return send(res, 404, { message: 'Not Found' });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8'));
      } catch {
        fake.requests.push({ headers: req.headers, body: undefined, status: 400 });
        return send(res, 400, { message: 'Invalid JSON' });
      }
      const batch = (body as { batch?: unknown })?.batch;
      if (!Array.isArray(batch)) {
        fake.requests.push({ headers: req.headers, body, status: 400 });
        return send(res, 400, { message: 'batch: Expected array' });
      }
      const successes: Array<{ id: string; status: number }> = [];
      const errors: Array<{ id: string; status: number; message: string; error?: unknown }> = [];
      for (const event of batch) {
        const id = String((event as { id?: unknown })?.id ?? '');
        const problem = invalid(event);
        if (problem) errors.push({ id, status: 400, message: 'Invalid request data', error: problem });
        else if (failing.count > 0) {
          failing.count--;
          errors.push({ id, status: failing.status, message: 'Internal error' });
        } else {
          successes.push({ id, status: 201 });
          fake.events.push({ auth, body: event });
        }
      }
      fake.requests.push({ headers: req.headers, body, status: 207 });
      send(res, 207, { successes, errors });
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
