/**
 * A local LangSmith API for tests: `GET /info` (telling clients to use the JSON batch endpoint),
 * `POST /runs/batch` (`{post: [runs], patch: [runs]}`), `POST /runs` and `PATCH /runs/{id}`, all
 * behind `x-api-key`. Runs are checked the way LangSmith checks them (a UUID id, a name, a known
 * run_type, start_time; dotted_order and trace_id consistent with the id for a root run) and a
 * batch with an invalid run is refused with 422. Proven against the official `langsmith` npm
 * client in fake-langsmith-server.test.ts.
 *
 * `runs`: every accepted run (patches merged into their run) with the API key it came with.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeLangsmithRun {
  apiKey: string;
  tenantId: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run: any;
}

export interface FakeLangsmith {
  /** `http://127.0.0.1:<port>` (use as LANGSMITH_BASE_URL). */
  url: string;
  runs: FakeLangsmithRun[];
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: unknown; status: number }>;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RUN_TYPES = new Set(['llm', 'chain', 'tool', 'retriever', 'embedding', 'prompt', 'parser']);

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** An ISO datetime, or epoch milliseconds (what the JS client sends). */
const isTime = (v: unknown) => (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && !Number.isNaN(Date.parse(v)));

/** What LangSmith would refuse in a run to create; undefined when valid. */
function invalidCreate(run: unknown): string | undefined {
  if (!run || typeof run !== 'object') return 'run is not an object';
  const r = run as Record<string, unknown>;
  if (typeof r.id !== 'string' || !UUID.test(r.id)) return `id: not a UUID (${JSON.stringify(r.id)})`;
  if (typeof r.name !== 'string' || r.name === '') return 'name: field required';
  if (typeof r.run_type !== 'string' || !RUN_TYPES.has(r.run_type)) return `run_type: unexpected value ${JSON.stringify(r.run_type)}`;
  if (!isTime(r.start_time)) return 'start_time: invalid datetime';
  if (r.end_time !== undefined && r.end_time !== null && !isTime(r.end_time)) return 'end_time: invalid datetime';
  if (r.dotted_order !== undefined) {
    if (typeof r.dotted_order !== 'string' || !/^\d{8}T\d{12}Z[0-9a-f-]{36}(\.\d{8}T\d{12}Z[0-9a-f-]{36})*$/i.test(r.dotted_order)) return 'dotted_order: invalid';
    if (!r.dotted_order.endsWith(r.id)) return 'dotted_order: must end with the run id';
  }
  if (r.trace_id !== undefined && (typeof r.trace_id !== 'string' || !UUID.test(r.trace_id))) return 'trace_id: not a UUID';
  if (!r.parent_run_id && r.trace_id !== undefined && r.trace_id !== r.id && typeof r.dotted_order === 'string' && !r.dotted_order.includes('.')) {
    return 'trace_id: a root run must be its own trace';
  }
  return undefined;
}

export async function startFakeLangsmith(): Promise<FakeLangsmith> {
  let down = false;
  const fake: FakeLangsmith = { url: '', runs: [], requests: [], setDown: (b) => void (down = b), close: async () => undefined };
  const byId = new Map<string, FakeLangsmithRun>();

  const create = (apiKey: string, tenantId: string | undefined, run: Record<string, unknown>) => {
    const existing = byId.get(run.id as string);
    // LangSmith de-duplicates on the run id: the same run sent twice is one run.
    if (existing) return void Object.assign(existing.run, run);
    const entry = { apiKey, tenantId, run: { ...run } };
    byId.set(run.id as string, entry);
    fake.runs.push(entry);
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      let body: unknown;
      const text = Buffer.concat(parts).toString('utf8');
      const answer = (status: number, out: unknown) => {
        fake.requests.push({ method: req.method ?? '', path, headers: req.headers, body, status });
        send(res, status, out);
      };
      if (down) return answer(503, { detail: 'Service Unavailable' });
      if (req.method === 'GET' && path === '/info') {
        return answer(200, { version: '0.10.0-fake', license_expiration_time: null, batch_ingest_config: { use_multipart_endpoint: false, scale_up_qsize_trigger: 1000, scale_up_nthreads_limit: 16, scale_down_nempty_trigger: 4, size_limit: 100, size_limit_bytes: 20_971_520 }, instance_flags: {} });
      }
      const apiKey = req.headers['x-api-key'];
      if (typeof apiKey !== 'string' || apiKey === '') return answer(401, { detail: 'Unauthorized' });
      const tenant = typeof req.headers['x-tenant-id'] === 'string' ? req.headers['x-tenant-id'] : undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return answer(400, { detail: 'Invalid JSON body' });
      }
      const b = (body ?? {}) as Record<string, unknown>;
      if (req.method === 'POST' && path === '/runs/batch') {
        const posts = Array.isArray(b.post) ? (b.post as Record<string, unknown>[]) : [];
        const patches = Array.isArray(b.patch) ? (b.patch as Record<string, unknown>[]) : [];
        if (!Array.isArray(b.post) && !Array.isArray(b.patch)) return answer(422, { detail: 'post or patch required' });
        for (const run of posts) {
          const problem = invalidCreate(run);
          if (problem) return answer(422, { detail: problem });
        }
        for (const run of posts) create(apiKey, tenant, run);
        for (const run of patches) {
          const existing = byId.get(run.id as string);
          if (existing) Object.assign(existing.run, run);
        }
        return answer(202, {});
      }
      if (req.method === 'POST' && path === '/runs') {
        const problem = invalidCreate(b);
        if (problem) return answer(422, { detail: problem });
        create(apiKey, tenant, b);
        return answer(202, {});
      }
      const patch = /^\/runs\/([^/]+)$/.exec(path);
      if (req.method === 'PATCH' && patch) {
        const existing = byId.get(patch[1]!);
        if (!existing) return answer(404, { detail: 'Run not found' });
        Object.assign(existing.run, b);
        return answer(202, {});
      }
      return answer(404, { detail: 'Not Found' });
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
