/**
 * A local Google Cloud for the secret managers: Secret Manager v1 and Cloud KMS v1 as their
 * official Node clients call them over REST (`fallback: true`, HTTP/1.1 JSON with the
 * `google.api.http` paths), plus the STS token exchange workload identity federation uses.
 *
 * Auth, checked on every API call as Google checks it:
 * - a service-account key: the official library sends a self-signed JWT as the bearer (no token
 *   exchange; `useJWTAccessWithScope`), so the fake verifies its RS256 signature with the key's
 *   public half, `kid` = the key id, `iss` = `sub` = the account's email, the cloud-platform scope
 *   and expiry;
 * - workload identity federation (`external_account`): `POST /v1/token` (RFC 8693 token exchange:
 *   grant_type, audience, scope, requested/subject token types) with the subject token the test
 *   wrote to the credential source file; the access token it answers is then the bearer.
 * Every call also needs `x-goog-api-client` naming the REST transport (`rest/`), the way the
 * generated clients send it. Errors use Google's JSON error shape (`{error:{code,message,status}}`).
 */
import { createCipheriv, createDecipheriv, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './gateway.js';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export interface GoogleSeenRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeSecret {
  versions: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface FakeGoogleCloud {
  /** `http://127.0.0.1:<port>`: the API endpoint and the STS endpoint. */
  url: string;
  projectId: string;
  /** A service-account key file (JSON) whose public key the fake trusts. */
  serviceAccountFile: string;
  serviceAccountEmail: string;
  /** An `external_account` credentials file (workload identity federation) pointing at this fake's STS. */
  externalAccountFile: string;
  /** The subject token in the external account's credential source file. */
  subjectToken: string;
  /** Secret Manager: secret id → versions (newest last). */
  secrets: Map<string, FakeSecret>;
  /** The KMS key the fake holds: its resource name. */
  kmsKeyName: string;
  /** Encrypts with the fake's KMS key: base64 ciphertext, as `gcloud kms encrypt | base64` gives. */
  kmsEncrypt(plaintext: string): string;
  requests: GoogleSeenRequest[];
  /** Bearers accepted, by kind. */
  authenticated: ('service_account' | 'workload_identity')[];
  refusals: string[];
  down: boolean;
  setSecret(id: string, value: string): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS' };

function googleError(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN' } }));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

function jwtProblem(jwt: string, key: KeyObject, keyId: string, email: string): string | undefined {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return 'not a JWT';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (header.alg !== 'RS256') return `alg ${String(header.alg)}`;
  if (header.kid !== keyId) return 'kid is not the key id';
  if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return 'bad signature';
  if (payload.iss !== email || payload.sub !== email) return 'iss/sub is not the service account';
  const scope = String(payload.scope ?? '');
  if (!scope.split(' ').includes(CLOUD_PLATFORM) && typeof payload.aud !== 'string') return 'neither the cloud-platform scope nor an audience';
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return 'expired';
  return undefined;
}

export async function startFakeGoogleCloud(): Promise<FakeGoogleCloud> {
  const dir = tempDir('sluice-gcp-');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomBytes(20).toString('hex');
  const projectId = 'sluice-test-project';
  const email = `sluice-secrets@${projectId}.iam.gserviceaccount.com`;
  const kmsKey = randomBytes(32);
  const sockets = new Set<Socket>();
  const stsTokens = new Set<string>();
  const fake: FakeGoogleCloud = {
    url: '',
    projectId,
    serviceAccountFile: join(dir, 'service-account.json'),
    serviceAccountEmail: email,
    externalAccountFile: join(dir, 'external-account.json'),
    subjectToken: `oidc-subject-${randomBytes(8).toString('hex')}`,
    secrets: new Map(),
    kmsKeyName: `projects/${projectId}/locations/global/keyRings/sluice/cryptoKeys/config`,
    kmsEncrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', kmsKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    requests: [],
    authenticated: [],
    refusals: [],
    down: false,
    setSecret(id, value) {
      const s = fake.secrets.get(id) ?? { versions: [] };
      s.versions.push(value);
      fake.secrets.set(id, s);
    },
    close: async () => undefined,
  };
  const publicKeyObject = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    fake.requests.push({ method: req.method ?? '', pathname: url.pathname, query: url.searchParams, headers: req.headers, body });
    const refuse = (code: number, why: string) => {
      fake.refusals.push(`${req.method} ${url.pathname}: ${why}`);
      googleError(res, code, why);
    };

    // --- STS (workload identity federation) ---
    if (req.method === 'POST' && url.pathname === '/v1/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange') return refuse(400, `grant_type ${form.get('grant_type')}`);
      if (form.get('requested_token_type') !== 'urn:ietf:params:oauth:token-type:access_token') return refuse(400, 'requested_token_type');
      if (form.get('subject_token_type') !== 'urn:ietf:params:oauth:token-type:jwt') return refuse(400, 'subject_token_type');
      if (!form.get('audience')?.startsWith('//iam.googleapis.com/projects/')) return refuse(400, 'audience');
      if (!form.get('scope')?.split(' ').includes(CLOUD_PLATFORM)) return refuse(400, 'scope');
      if (form.get('subject_token') !== fake.subjectToken) return refuse(401, 'subject token not trusted');
      const token = `sts-${randomBytes(12).toString('hex')}`;
      stsTokens.add(token);
      return json(res, { access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 });
    }

    // --- API auth ---
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return refuse(401, 'Request is missing required authentication credential.');
    const bearer = auth.slice(7);
    if (stsTokens.has(bearer)) fake.authenticated.push('workload_identity');
    else {
      const problem = jwtProblem(bearer, publicKeyObject, keyId, email);
      if (problem) return refuse(401, `Request had invalid authentication credentials: ${problem}`);
      fake.authenticated.push('service_account');
    }
    if (!String(req.headers['x-goog-api-client'] ?? '').includes('rest/')) return refuse(400, 'x-goog-api-client does not name the REST transport');
    let parsed: Record<string, unknown> = {};
    if (body) {
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return refuse(400, 'Invalid JSON payload received.');
      }
    }
    const p = decodeURIComponent(url.pathname);

    // --- Secret Manager ---
    let m = p.match(/^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+)\/versions\/([^/:]+):access$/);
    if (m && req.method === 'GET') {
      if (m[1] !== projectId) return refuse(403, `Permission denied on project ${m[1]}`);
      const s = fake.secrets.get(m[2]!);
      const index = m[3] === 'latest' ? (s?.versions.length ?? 0) : Number(m[3]);
      const value = s?.versions[index - 1];
      if (value === undefined) return googleError(res, 404, `Secret [projects/${projectId}/secrets/${m[2]}] not found or has no versions.`);
      return json(res, { name: `projects/${projectId}/secrets/${m[2]}/versions/${index}`, payload: { data: Buffer.from(value).toString('base64') } });
    }
    m = p.match(/^\/v1\/projects\/([^/]+)\/secrets$/);
    if (m && req.method === 'POST') {
      const id = url.searchParams.get('secretId');
      if (m[1] !== projectId) return refuse(403, `Permission denied on project ${m[1]}`);
      if (!id || !/^[a-zA-Z0-9_-]{1,255}$/.test(id)) return refuse(400, `Invalid secret id ${id}`);
      const replication = parsed.replication as Record<string, unknown> | undefined;
      if (!replication || (!replication.automatic && !replication.userManaged)) return refuse(400, 'Secret.replication is required.');
      if (fake.secrets.has(id)) return googleError(res, 409, `Secret [projects/${projectId}/secrets/${id}] already exists.`);
      fake.secrets.set(id, { versions: [], annotations: parsed.annotations as Record<string, string> | undefined, labels: parsed.labels as Record<string, string> | undefined });
      return json(res, { name: `projects/${projectId}/secrets/${id}`, replication, createTime: new Date().toISOString() });
    }
    m = p.match(/^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+):addVersion$/);
    if (m && req.method === 'POST') {
      const s = fake.secrets.get(m[2]!);
      if (!s) return googleError(res, 404, `Secret [projects/${projectId}/secrets/${m[2]}] not found.`);
      const data = (parsed.payload as Record<string, unknown> | undefined)?.data;
      if (typeof data !== 'string') return refuse(400, 'SecretPayload.data is required.');
      s.versions.push(Buffer.from(data, 'base64').toString('utf8'));
      return json(res, { name: `projects/${projectId}/secrets/${m[2]}/versions/${s.versions.length}`, state: 'ENABLED' });
    }
    m = p.match(/^\/v1\/projects\/([^/]+)\/secrets\/([^/:]+)$/);
    if (m && req.method === 'DELETE') {
      if (!fake.secrets.delete(m[2]!)) return googleError(res, 404, `Secret [projects/${projectId}/secrets/${m[2]}] not found.`);
      return json(res, {});
    }

    // --- Cloud KMS ---
    m = p.match(/^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/.+):decrypt$/);
    if (m && req.method === 'POST') {
      if (m[1] !== fake.kmsKeyName) return googleError(res, 404, `CryptoKey ${m[1]} not found.`);
      if (typeof parsed.ciphertext !== 'string') return refuse(400, 'ciphertext is required');
      const blob = Buffer.from(parsed.ciphertext, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', kmsKey, blob.subarray(0, 12));
        decipher.setAuthTag(blob.subarray(12, 28));
        const plaintext = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
        return json(res, { plaintext: plaintext.toString('base64'), usedPrimary: true, protectionLevel: 'SOFTWARE' });
      } catch {
        return googleError(res, 400, 'Decryption failed: the ciphertext is invalid.');
      }
    }
    return refuse(404, `no such route in the fake: ${req.method} ${p}`);
  };

  const server: Server = createServer((req, res) => {
    if (fake.down) {
      req.socket.destroy();
      return;
    }
    void handle(req, res).catch((err: unknown) => {
      fake.refusals.push(`crash: ${String(err)}`);
      if (!res.headersSent) googleError(res, 500, String(err));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  writeFileSync(
    fake.serviceAccountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: email,
      client_id: '1234567890',
      token_uri: `${fake.url}/token`,
    }),
  );
  const subjectFile = join(dir, 'subject-token');
  writeFileSync(subjectFile, fake.subjectToken);
  writeFileSync(
    fake.externalAccountFile,
    JSON.stringify({
      type: 'external_account',
      audience: `//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/sluice/providers/test`,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${fake.url}/v1/token`,
      credential_source: { file: subjectFile },
    }),
  );
  fake.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}
