/**
 * A local Google Cloud Storage for the tests (there is no GCS emulator here): the JSON API paths
 * the official `@google-cloud/storage` client calls to upload (`POST /upload/storage/v1/b/{bucket}/o`
 * with `uploadType=multipart` or `media`), read (`GET /storage/v1/b/{bucket}/o/{name}`, `?alt=media`
 * for the bytes) and list (`GET /storage/v1/b/{bucket}/o?prefix=`), answering Google's object
 * resources (size, md5Hash, crc32c the client validates) and Google's JSON errors; plus an OAuth
 * token endpoint for a service-account key it generates (JWT-bearer grant, RS256 assertion checked
 * against the key's public half). With `requireToken`, every storage call needs a bearer it issued.
 */
import { createHash, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { CRC32C } from '@google-cloud/storage';
import { tempDir } from '../../../test/support/gateway.js';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  contentType: string;
  generation: number;
  /** How the client uploaded it. */
  uploadType: string;
}

export interface FakeGcs {
  /** `http://127.0.0.1:<port>`: the API endpoint (and the token endpoint at /token). */
  url: string;
  projectId: string;
  /** A service-account key file whose token_uri is this fake's /token. */
  serviceAccountFile: string;
  serviceAccountEmail: string;
  /** Buckets that exist; a call to another answers 404. */
  buckets: Set<string>;
  /** `bucket/name` → object. */
  objects: Map<string, StoredObject>;
  /** Every storage call: method, path and the Authorization header. */
  calls: { method: string; path: string; authorization?: string }[];
  tokensIssued: string[];
  requireToken: boolean;
  /** When true, every request's connection is dropped (the destination is down). */
  down: boolean;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

const STATUS = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND' } as Record<number, string>;
function googleError(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code, message, errors: [{ message, reason: STATUS[code] ?? 'unknown' }], status: STATUS[code] } }));
}
function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

function resource(o: StoredObject): Record<string, unknown> {
  const crc = new CRC32C();
  crc.update(o.data);
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc.toString(),
    timeCreated: new Date().toISOString(),
  };
}

/** A multipart/related body: the JSON metadata part, then the media part. */
function parseMultipart(body: Buffer, contentType: string): { metadata: Record<string, unknown>; data: Buffer; contentType: string } | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const text = body.toString('latin1');
  const parts = text.split(`--${boundary}`).slice(1, -1);
  if (parts.length !== 2) return undefined;
  const split = (part: string) => {
    const at = part.indexOf('\r\n\r\n');
    const headers = part.slice(0, at);
    const content = part.slice(at + 4).replace(/\r\n$/, '');
    return { type: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream', content };
  };
  const meta = split(parts[0]!);
  const media = split(parts[1]!);
  return { metadata: JSON.parse(Buffer.from(meta.content, 'latin1').toString('utf8')) as Record<string, unknown>, data: Buffer.from(media.content, 'latin1'), contentType: media.type };
}

function verifyAssertion(assertion: string, publicKey: KeyObject, email: string, tokenUri: string): string | undefined {
  const [h, c, s] = assertion.split('.');
  if (!h || !c || !s) return 'malformed assertion';
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))) return 'Invalid JWT Signature.';
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (claims.iss !== email) return 'Invalid issuer';
  if (claims.aud !== tokenUri) return 'Invalid audience';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'Token expired';
  return undefined;
}

export async function startFakeGcs(buckets: string[] = ['llm-logs']): Promise<FakeGcs> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fake: FakeGcs = {
    url: '',
    projectId: 'sluice-test-project',
    serviceAccountFile: '',
    serviceAccountEmail: 'logs-writer@sluice-test-project.iam.gserviceaccount.com',
    buckets: new Set(buckets),
    objects: new Map(),
    calls: [],
    tokensIssued: [],
    requireToken: false,
    down: false,
    close: async () => undefined,
  };
  let generation = 1;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    if (fake.down) return void req.socket.destroy();
    void handle(req, res).catch((err: unknown) => googleError(res, 400, String(err)));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    if (req.method === 'POST' && url.pathname === '/token') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return googleError(res, 400, 'unsupported grant_type');
      const problem = verifyAssertion(form.get('assertion') ?? '', publicKey, fake.serviceAccountEmail, `${fake.url}/token`);
      if (problem) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: 'invalid_grant', error_description: problem }));
      }
      const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
      fake.tokensIssued.push(token);
      return json(res, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }

    const authorization = req.headers.authorization;
    fake.calls.push({ method: req.method ?? '', path: req.url ?? '', authorization });
    if (fake.requireToken && !fake.tokensIssued.some((t) => authorization === `Bearer ${t}`)) return googleError(res, 401, 'Invalid Credentials');

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (req.method === 'POST' && upload) {
      const bucket = decodeURIComponent(upload[1]!);
      if (!fake.buckets.has(bucket)) return googleError(res, 404, 'The specified bucket does not exist.');
      const uploadType = url.searchParams.get('uploadType') ?? '';
      let name = url.searchParams.get('name') ?? undefined;
      let data = body;
      let contentType = req.headers['content-type'] ?? 'application/octet-stream';
      if (uploadType === 'multipart') {
        const parsed = parseMultipart(body, contentType);
        if (!parsed) return googleError(res, 400, 'Malformed multipart body.');
        name = (parsed.metadata.name as string | undefined) ?? name;
        data = parsed.data;
        contentType = (parsed.metadata.contentType as string | undefined) ?? parsed.contentType;
      } else if (uploadType !== 'media') {
        return googleError(res, 400, `uploadType ${uploadType} is not supported by this fake`);
      }
      if (!name) return googleError(res, 400, 'Required parameter: name');
      const stored: StoredObject = { bucket, name, data, contentType, generation: generation++, uploadType };
      fake.objects.set(`${bucket}/${name}`, stored);
      return json(res, resource(stored));
    }

    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (req.method === 'GET' && list) {
      const bucket = decodeURIComponent(list[1]!);
      if (!fake.buckets.has(bucket)) return googleError(res, 404, 'The specified bucket does not exist.');
      const prefix = url.searchParams.get('prefix') ?? '';
      const items = [...fake.objects.values()].filter((o) => o.bucket === bucket && o.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
      return json(res, { kind: 'storage#objects', items: items.map(resource) });
    }

    const one = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const o = fake.objects.get(`${decodeURIComponent(one[1]!)}/${decodeURIComponent(one[2]!)}`);
      if (!o) return googleError(res, 404, 'No such object.');
      if (url.searchParams.get('alt') !== 'media') return json(res, resource(o));
      const r = resource(o);
      res.writeHead(200, { 'content-type': o.contentType, 'x-goog-hash': `crc32c=${r.crc32c as string},md5=${r.md5Hash as string}`, 'x-goog-generation': String(o.generation), 'x-goog-stored-content-length': String(o.data.length) });
      return void res.end(o.data);
    }
    googleError(res, 404, `Not Found: ${req.method} ${url.pathname}`);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = tempDir('fake-gcs-');
  fake.serviceAccountFile = join(dir, 'service-account.json');
  writeFileSync(
    fake.serviceAccountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: fake.projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: fake.serviceAccountEmail,
      client_id: '1234567890',
      token_uri: `${fake.url}/token`,
    }),
  );
  fake.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}
