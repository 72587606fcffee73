/**
 * A stateful stand-in for OpenAI's Files and Batches APIs on loopback: uploads are parsed as they
 * stream (busboy) and kept (their bytes up to 4 MiB, beyond that their size and SHA-256 only);
 * batches run when the test says so (`complete`), writing an output file of chat completions with
 * usage. Every request's auth header is recorded, and upload progress is observable while the
 * upload is still arriving (`uploadedBytes`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  sha256: string;
  /** The content, when it was small enough to keep. */
  data?: Buffer;
  created_at: number;
  contentType: string;
}

export interface FakeBatch {
  id: string;
  object: 'batch';
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  completed_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
  errors: null;
}

export interface SeenCall {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** Multipart fields of an upload, in order. */
  fields?: [string, string][];
}

export interface FakeOpenAIFiles {
  url: string;
  calls: SeenCall[];
  files: Map<string, StoredFile>;
  batches: Map<string, FakeBatch>;
  /** File bytes of the upload in progress (and of the last one, once done). */
  uploadedBytes: number;
  /** Finishes a batch: one output line per input line, `usage` as given (or computed from the line). */
  complete(batchId: string, usage?: (customId: string, index: number) => { prompt_tokens: number; completion_tokens: number }, model?: string): void;
  /** How many times the output file of a batch was downloaded. */
  downloads(fileId: string): number;
  close(): Promise<void>;
}

const KEEP_BYTES = 4 * 1024 * 1024;
const now = () => Math.floor(Date.now() / 1000);

function notFound(res: ServerResponse, message: string, param: string | null = null): void {
  json(res, 404, { error: { message, type: 'invalid_request_error', param, code: null } });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fileObject(f: StoredFile) {
  return { id: f.id, object: 'file', bytes: f.bytes, created_at: f.created_at, filename: f.filename, purpose: f.purpose, status: 'processed', expires_at: null, status_details: null };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeOpenAIFiles(opts: { apiKey: string }): Promise<FakeOpenAIFiles> {
  const downloads = new Map<string, number>();
  const fake: FakeOpenAIFiles = {
    url: '',
    calls: [],
    files: new Map(),
    batches: new Map(),
    uploadedBytes: 0,
    complete(batchId, usage = (_id, i) => ({ prompt_tokens: 10 + i, completion_tokens: 5 + i }), model = 'gpt-4o-mini-2024-07-18') {
      const batch = fake.batches.get(batchId);
      if (!batch) throw new Error(`no batch ${batchId}`);
      const input = fake.files.get(batch.input_file_id);
      const lines = (input?.data?.toString('utf8') ?? '').split('\n').filter((l) => l.trim() !== '');
      const out = lines.map((line, i) => {
        const request = JSON.parse(line) as { custom_id: string; body: { model: string } };
        const u = usage(request.custom_id, i);
        return JSON.stringify({
          id: `batch_req_${i}`,
          custom_id: request.custom_id,
          response: {
            status_code: 200,
            request_id: `req_${i}`,
            body: {
              id: `chatcmpl-${i}`,
              object: 'chat.completion',
              created: now(),
              model,
              choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i}` }, finish_reason: 'stop' }],
              usage: { ...u, total_tokens: u.prompt_tokens + u.completion_tokens },
            },
          },
          error: null,
        });
      });
      const data = Buffer.from(out.join('\n') + '\n');
      const file: StoredFile = {
        id: `file-out${randomBytes(6).toString('hex')}`,
        filename: 'batch_output.jsonl',
        purpose: 'batch_output',
        bytes: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        data,
        created_at: now(),
        contentType: 'application/jsonl',
      };
      fake.files.set(file.id, file);
      Object.assign(batch, { status: 'completed', output_file_id: file.id, completed_at: now(), request_counts: { total: lines.length, completed: lines.length, failed: 0 } });
    },
    downloads: (id) => downloads.get(id) ?? 0,
    close: async () => undefined,
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/v1/, '');
    const call: SeenCall = { method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization, contentType: req.headers['content-type'] };
    fake.calls.push(call);
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      req.resume();
      json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      return;
    }
    void handle(req, res, url, path, call).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: String(err), type: 'server_error', param: null, code: null } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL, path: string, call: SeenCall): Promise<void> {
    const m = req.method;
    if (m === 'POST' && path === '/files') return upload(req, res, call);
    if (m === 'GET' && path === '/files') {
      const purpose = url.searchParams.get('purpose');
      const data = [...fake.files.values()].filter((f) => !purpose || f.purpose === purpose).map(fileObject);
      return json(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
    }
    let match = /^\/files\/([^/]+)(\/content)?$/.exec(path);
    if (match) {
      const file = fake.files.get(decodeURIComponent(match[1]!));
      if (!file) return notFound(res, `No such File object: ${match[1]}`, 'id');
      if (m === 'GET' && match[2]) {
        downloads.set(file.id, (downloads.get(file.id) ?? 0) + 1);
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(file.data ?? Buffer.alloc(0));
        return;
      }
      if (m === 'GET') return json(res, 200, fileObject(file));
      if (m === 'DELETE') {
        fake.files.delete(file.id);
        return json(res, 200, { id: file.id, object: 'file', deleted: true });
      }
    }
    if (m === 'POST' && path === '/batches') {
      const body = JSON.parse(await readBody(req)) as { input_file_id?: string; endpoint?: string; completion_window?: string; metadata?: Record<string, string> };
      if (!body.input_file_id || !fake.files.has(body.input_file_id)) return notFound(res, `No such File object: ${body.input_file_id}`, 'input_file_id');
      const batch: FakeBatch = {
        id: `batch_${randomBytes(8).toString('hex')}`,
        object: 'batch',
        endpoint: body.endpoint ?? '',
        input_file_id: body.input_file_id,
        completion_window: body.completion_window ?? '24h',
        status: 'validating',
        output_file_id: null,
        error_file_id: null,
        created_at: now(),
        completed_at: null,
        cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata: body.metadata ?? null,
        errors: null,
      };
      fake.batches.set(batch.id, batch);
      return json(res, 200, batch);
    }
    if (m === 'GET' && path === '/batches') {
      const data = [...fake.batches.values()].reverse();
      return json(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
    }
    match = /^\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    if (match) {
      const batch = fake.batches.get(decodeURIComponent(match[1]!));
      if (!batch) return notFound(res, `No batch found with id '${match[1]}'.`, 'batch_id');
      if (m === 'POST' && match[2]) {
        Object.assign(batch, { status: 'cancelled', cancelled_at: now() });
        return json(res, 200, batch);
      }
      if (m === 'GET' && !match[2]) return json(res, 200, batch);
    }
    req.resume();
    notFound(res, `Unknown route ${m} ${url.pathname}`);
  }

  function upload(req: IncomingMessage, res: ServerResponse, call: SeenCall): void {
    const fields: [string, string][] = [];
    call.fields = fields;
    let file: Omit<StoredFile, 'purpose' | 'created_at'> | undefined;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: 1024 * 1024 * 1024 } });
    } catch (err) {
      req.resume();
      return json(res, 400, { error: { message: String(err), type: 'invalid_request_error', param: null, code: null } });
    }
    fake.uploadedBytes = 0;
    parser.on('field', (name, value) => fields.push([name, value]));
    parser.on('file', (name, stream, info) => {
      fields.push([name, `<file ${info.filename}>`]);
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        fake.uploadedBytes = size;
        hash.update(chunk);
        if (size <= KEEP_BYTES) kept.push(chunk);
      });
      stream.on('end', () => {
        file = { id: `file-${randomBytes(12).toString('hex')}`, filename: info.filename ?? 'file', bytes: size, sha256: hash.digest('hex'), contentType: info.mimeType, ...(size <= KEEP_BYTES && { data: Buffer.concat(kept) }) };
      });
    });
    parser.on('error', (err: Error) => json(res, 400, { error: { message: err.message, type: 'invalid_request_error', param: null, code: null } }));
    parser.on('close', () => {
      const purpose = fields.find(([n]) => n === 'purpose')?.[1];
      if (!file) return json(res, 400, { error: { message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: null } });
      if (!purpose) return json(res, 400, { error: { message: "Missing required parameter: 'purpose'.", type: 'invalid_request_error', param: 'purpose', code: null } });
      const stored: StoredFile = { ...file, purpose, created_at: now() };
      fake.files.set(stored.id, stored);
      json(res, 200, fileObject(stored));
    });
    req.pipe(parser);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
