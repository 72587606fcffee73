/**
 * A local CyberArk Conjur (the open-source Conjur / Secrets Manager REST API), as its API docs
 * describe it:
 * - `POST /authn/{account}/{login}/authenticate` with the API key as the body answers an access
 *   token (a JSON object: `protected`, `payload`, `signature`), valid for `tokenLifetimeMs`
 *   (Conjur's is 8 minutes);
 * - every other call needs `Authorization: Token token="<base64 of that JSON>"`; an unknown,
 *   forged or expired token is 401;
 * - `GET /secrets/{account}/variable/{id}` answers the value as raw bytes (404 when the variable
 *   does not exist or has no value), `POST` the same path sets a new value (201) for a variable the
 *   policy declares (404 otherwise);
 * - `POST /policies/{account}/policy/root` (YAML `- !variable "<id>"`) declares variables,
 *   `PATCH` the same path with `- !delete\n  record: !variable "<id>"` removes them.
 * Ids in the path are URL-encoded (`litellm%2Fmy-key`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeConjur {
  url: string;
  account: string;
  login: string;
  apiKey: string;
  /** Variables declared by policy, with their values (newest last). */
  variables: Map<string, string[]>;
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
  /** Logins made (API key exchanges). */
  authentications: number;
  tokenLifetimeMs: number;
  refusals: string[];
  down: boolean;
  setVariable(id: string, value: string): void;
  /** Invalidates every token issued so far (Conjur's signing key rotated): the next call with one is 401. */
  revokeTokens(): void;
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

/** `tls.clientCa`: demand a client certificate signed by (or equal to) it, as a Conjur behind mutual TLS does. */
export async function startFakeConjur(opts: { tls?: { cert: string; key: string; clientCa?: string } } = {}): Promise<FakeConjur> {
  let signingKey = randomBytes(32);
  const sockets = new Set<Socket>();
  const fake: FakeConjur = {
    url: '',
    account: 'sluice-org',
    login: 'host/sluice/gateway',
    apiKey: `conjur-api-key-${randomBytes(8).toString('hex')}`,
    variables: new Map(),
    requests: [],
    authentications: 0,
    tokenLifetimeMs: 8 * 60_000,
    refusals: [],
    down: false,
    setVariable(id, value) {
      fake.variables.set(id, [...(fake.variables.get(id) ?? []), value]);
    },
    revokeTokens() {
      signingKey = randomBytes(32);
    },
    close: async () => undefined,
  };
  const sign = (payload: string) => createHmac('sha256', signingKey).update(payload).digest('base64url');
  const issueToken = () => {
    const payload = Buffer.from(JSON.stringify({ sub: fake.login, iat: Date.now(), exp: Date.now() + fake.tokenLifetimeMs })).toString('base64url');
    const protectedHeader = Buffer.from(JSON.stringify({ alg: 'conjur.org/slosilo/v2', kid: 'fake' })).toString('base64url');
    return JSON.stringify({ protected: protectedHeader, payload, signature: sign(`${protectedHeader}.${payload}`) });
  };
  const tokenProblem = (header: string | undefined): string | undefined => {
    const m = header?.match(/^Token token="([A-Za-z0-9+/=]+)"$/);
    if (!m) return 'no Token token="…" header';
    let token: { protected?: string; payload?: string; signature?: string };
    try {
      token = JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as typeof token;
    } catch {
      return 'token is not base64 JSON';
    }
    const expected = Buffer.from(sign(`${token.protected}.${token.payload}`));
    const given = Buffer.from(token.signature ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad signature';
    const claims = JSON.parse(Buffer.from(token.payload ?? '', 'base64url').toString('utf8')) as { exp: number };
    if (claims.exp < Date.now()) return 'expired';
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const path = req.url ?? '/';
    fake.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    const answer = (status: number, text = '', type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    };
    const refuse = (status: number, why: string) => {
      fake.refusals.push(`${req.method} ${path}: ${why}`);
      answer(status, JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : 'bad_request', message: why } }), 'application/json');
    };

    const authn = path.match(/^\/authn\/([^/]+)\/([^/]+)\/authenticate$/);
    if (authn && req.method === 'POST') {
      if (authn[1] !== fake.account || decodeURIComponent(authn[2]!) !== fake.login) return refuse(401, 'unknown account or login');
      if (body !== fake.apiKey) return refuse(401, 'wrong API key');
      fake.authentications++;
      return answer(200, issueToken(), 'application/json');
    }
    const problem = tokenProblem(req.headers.authorization);
    if (problem) return refuse(401, problem);

    const secret = path.match(/^\/secrets\/([^/]+)\/variable\/([^/?]+)$/);
    if (secret) {
      if (secret[1] !== fake.account) return refuse(404, 'unknown account');
      const id = decodeURIComponent(secret[2]!);
      const values = fake.variables.get(id);
      if (req.method === 'GET') {
        if (!values?.length) return answer(404, JSON.stringify({ error: { code: 'not_found', message: `Variable ${id} is empty or not found.` } }), 'application/json');
        return answer(200, values.at(-1)!, 'application/octet-stream');
      }
      if (req.method === 'POST') {
        if (!values) return answer(404, JSON.stringify({ error: { code: 'not_found', message: `Variable ${id} not found` } }), 'application/json');
        values.push(body);
        return answer(201);
      }
    }
    const policy = path.match(/^\/policies\/([^/]+)\/policy\/root$/);
    if (policy && (req.method === 'POST' || req.method === 'PATCH')) {
      if (policy[1] !== fake.account) return refuse(404, 'unknown account');
      if (!/yaml/.test(String(req.headers['content-type'] ?? ''))) return refuse(422, 'policy must be YAML');
      const declared = [...body.matchAll(/^- !variable "((?:[^"\\]|\\.)*)"\s*$/gm)].map((m) => JSON.parse(`"${m[1]}"`) as string);
      const deleted = [...body.matchAll(/^- !delete\s*\n\s+record: !variable "((?:[^"\\]|\\.)*)"\s*$/gm)].map((m) => JSON.parse(`"${m[1]}"`) as string);
      if (!declared.length && !deleted.length) return refuse(422, `policy not understood: ${body}`);
      if (deleted.length && req.method !== 'PATCH') return refuse(422, '!delete needs PATCH');
      for (const id of declared) if (!fake.variables.has(id)) fake.variables.set(id, []);
      for (const id of deleted) fake.variables.delete(id);
      return answer(201, JSON.stringify({ created_roles: {}, version: fake.requests.length }), 'application/json');
    }
    return refuse(404, 'no such route in the fake');
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (fake.down) {
      req.socket.destroy();
      return;
    }
    void handle(req, res).catch((err: unknown) => {
      fake.refusals.push(`crash: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: opts.tls.clientCa } : {}) }, listener)
    : createHttpServer(listener);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}
