/**
 * A local HashiCorp Vault speaking the HTTP API as Vault documents it (developer.hashicorp.com/vault/api-docs):
 *
 * - KV v2: `GET|POST|PUT /v1/[<namespace>/]<mount>/data/<path>` (read, write `{"data": {...}}`),
 *   `DELETE …/data/<path>` (soft-delete the latest version), `DELETE …/metadata/<path>` (all versions);
 * - auth: `POST /v1/auth/<approle mount>/login` `{role_id, secret_id}`, `POST /v1/auth/cert/login`
 *   `{name}` over TLS with a client certificate the fake trusts, `POST /v1/auth/kubernetes/login`
 *   `{role, jwt}`, `POST /v1/auth/token/renew-self` `{increment?}`, `GET /v1/auth/token/lookup-self`;
 * - every request but a login carries `X-Vault-Token`, a token the fake issued (or the root token)
 *   that has not expired, else 403 `{"errors":["permission denied"]}`;
 * - namespaces (Vault Enterprise) as the `X-Vault-Namespace` header or a path prefix: a token is
 *   valid in the namespace it was issued in and below it.
 *
 * Answers carry Vault's envelope (`request_id`, `lease_id`, `renewable`, `lease_duration`, `data`,
 * `wrap_info`, `warnings`, `auth`). `down = true` resets every connection (an outage).
 */
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface VaultToken {
  token: string;
  namespace: string;
  expiresAt: number | undefined;
  ttlSeconds: number;
  renewable: boolean;
  method: string;
  renewals: number;
}

export interface VaultRequest {
  method: string;
  path: string;
  namespace: string;
  headers: IncomingMessage['headers'];
  body: any;
  /** What it was answered. */
  status?: number;
}

export interface FakeVaultOptions {
  /** A token valid everywhere that never expires (HCP_VAULT_TOKEN in tests). */
  rootToken?: string;
  /** Renewable service tokens that exist from the start (a periodic HCP_VAULT_TOKEN), with their TTL. */
  serviceTokens?: { token: string; ttlSeconds: number }[];
  /** KV v2 mounts, per namespace ('' = root). Default: `secret` in every namespace. */
  mounts?: string[];
  namespaces?: string[];
  approle?: { mount?: string; roleId: string; secretId: string; namespace?: string };
  kubernetes?: { role: string; jwt: string; namespace?: string };
  /** Fingerprints (sha256, as X509Certificate.fingerprint256 shows them) of trusted client certificates, by cert role name. */
  certRoles?: Record<string, string>;
  /** TTL of the tokens logins issue, seconds. */
  tokenTtlSeconds?: number;
  /** Serve HTTPS with this certificate; `ca` lists the client certificates (or their CAs) cert auth accepts. */
  tls?: { cert: string; key: string; ca: string[] };
}

export interface FakeVault {
  url: string;
  requests: VaultRequest[];
  tokens: Map<string, VaultToken>;
  /** `<namespace>|<mount>|<path>` → versions (the last one current; `null` data = soft-deleted). */
  kv: Map<string, { data: Record<string, unknown> | null; created: string; deletedAt: string }[]>;
  /** Writes a KV v2 secret as `vault kv put` would. */
  put(path: string, data: Record<string, unknown>, opts?: { namespace?: string; mount?: string }): void;
  read(path: string, opts?: { namespace?: string; mount?: string }): Record<string, unknown> | null | undefined;
  /** Makes a token invalid now (a revoked or expired token). */
  revoke(token: string): void;
  /** When true, renew-self is refused (a token past its max TTL). */
  refuseRenewals: boolean;
  down: boolean;
  close(): Promise<void>;
}

export async function startFakeVault(opts: FakeVaultOptions = {}): Promise<FakeVault> {
  const mounts = opts.mounts ?? ['secret'];
  const namespaces = (opts.namespaces ?? []).map(trimSlashes).sort((a, b) => b.length - a.length);
  const ttl = opts.tokenTtlSeconds ?? 3600;
  const approleMount = opts.approle?.mount ?? 'approle';
  const fake: FakeVault = {
    url: '',
    requests: [],
    tokens: new Map(),
    kv: new Map(),
    refuseRenewals: false,
    down: false,
    put: (path, data, o = {}) => {
      const key = kvKey(o.namespace ?? '', o.mount ?? mounts[0]!, path);
      const versions = fake.kv.get(key) ?? [];
      versions.push({ data, created: new Date().toISOString(), deletedAt: '' });
      fake.kv.set(key, versions);
    },
    read: (path, o = {}) => fake.kv.get(kvKey(o.namespace ?? '', o.mount ?? mounts[0]!, path))?.at(-1)?.data,
    revoke: (token) => void fake.tokens.delete(token),
    close: async () => undefined,
  };
  for (const t of opts.serviceTokens ?? []) {
    fake.tokens.set(t.token, { token: t.token, namespace: '', expiresAt: Date.now() + t.ttlSeconds * 1000, ttlSeconds: t.ttlSeconds, renewable: true, method: 'token', renewals: 0 });
  }
  if (opts.rootToken) fake.tokens.set(opts.rootToken, { token: opts.rootToken, namespace: '', expiresAt: undefined, ttlSeconds: 0, renewable: false, method: 'root', renewals: 0 });

  const issue = (method: string, namespace: string, metadata: Record<string, string> = {}) => {
    const token = `hvs.${randomBytes(18).toString('base64url')}`;
    const entry: VaultToken = { token, namespace, expiresAt: Date.now() + ttl * 1000, ttlSeconds: ttl, renewable: true, method, renewals: 0 };
    fake.tokens.set(token, entry);
    return {
      client_token: token,
      accessor: randomBytes(12).toString('base64url'),
      policies: ['default', 'sluice'],
      token_policies: ['default', 'sluice'],
      metadata,
      lease_duration: ttl,
      renewable: true,
      entity_id: randomUUID(),
      token_type: 'service',
      orphan: true,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: any): Promise<[number, unknown]> => {
    const url = new URL(req.url ?? '/', 'http://vault');
    if (!url.pathname.startsWith('/v1/')) return [404, { errors: [] }];
    let rest = trimSlashes(url.pathname.slice('/v1/'.length));
    const headerNs = trimSlashes(String(req.headers['x-vault-namespace'] ?? ''));
    // A path namespace is relative to the header's (Vault joins them).
    const below = headerNs ? namespaces.filter((ns) => ns.startsWith(`${headerNs}/`)).map((ns) => ns.slice(headerNs.length + 1)) : namespaces;
    let pathNs = '';
    for (const ns of below) {
      if (rest.startsWith(`${ns}/`)) {
        pathNs = ns;
        rest = rest.slice(ns.length + 1);
        break;
      }
    }
    const namespace = [headerNs, pathNs].filter(Boolean).join('/');
    if (namespace && !namespaces.includes(namespace)) return [404, { errors: [`no handler for route "${namespace}/${rest}". route entry not found.`] }];
    const seen = fake.requests.at(-1)!;
    seen.namespace = namespace;
    const method = req.method ?? 'GET';

    // Logins: no token; the body names the credential.
    if (method === 'POST' && rest === `auth/${approleMount}/login` && opts.approle) {
      if ((opts.approle.namespace ?? '') !== namespace) return [400, { errors: ['invalid role or secret ID'] }];
      if (body?.role_id !== opts.approle.roleId) return [400, { errors: ['invalid role or secret ID'] }];
      if (body?.secret_id !== opts.approle.secretId) return [400, { errors: ['invalid secret id'] }];
      return [200, envelope({ auth: issue('approle', namespace, { role_name: 'sluice' }) })];
    }
    if (method === 'POST' && rest === 'auth/kubernetes/login' && opts.kubernetes) {
      if ((opts.kubernetes.namespace ?? '') !== namespace || body?.role !== opts.kubernetes.role) return [400, { errors: ['invalid role name'] }];
      if (body?.jwt !== opts.kubernetes.jwt) return [403, { errors: ['permission denied'] }];
      return [200, envelope({ auth: issue('kubernetes', namespace, { role: body.role, service_account_name: 'sluice' }) })];
    }
    if (method === 'POST' && rest === 'auth/cert/login') {
      const socket = req.socket as TLSSocket;
      const peer = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
      if (!peer || !socket.authorized) return [400, { errors: ['client certificate must be supplied'] }];
      const fingerprint = new X509Certificate(peer.raw).fingerprint256;
      const roles = Object.entries(opts.certRoles ?? {}).filter(([, fp]) => fp === fingerprint);
      const role = body?.name ? roles.find(([name]) => name === body.name) : roles[0];
      if (!role) return [400, { errors: ['invalid certificate or no client certificate supplied'] }];
      return [200, envelope({ auth: issue('cert', namespace, { cert_name: role[0] }) })];
    }

    const tokenValue = String(req.headers['x-vault-token'] ?? '');
    const token = fake.tokens.get(tokenValue);
    const valid = token && (token.expiresAt === undefined || token.expiresAt > Date.now()) && (token.namespace === '' || namespace === token.namespace || namespace.startsWith(`${token.namespace}/`));
    if (!valid) return [403, { errors: ['permission denied'] }];

    if (method === 'GET' && rest === 'auth/token/lookup-self') {
      const ttl = token.expiresAt === undefined ? 0 : Math.max(0, Math.round((token.expiresAt - Date.now()) / 1000));
      return [
        200,
        envelope({
          data: {
            accessor: 'acc',
            creation_ttl: token.ttlSeconds,
            display_name: token.method,
            expire_time: token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString(),
            explicit_max_ttl: 0,
            id: token.token,
            namespace_path: token.namespace ? `${token.namespace}/` : '',
            policies: token.method === 'root' ? ['root'] : ['default', 'sluice'],
            renewable: token.renewable,
            ttl,
            type: 'service',
          },
        }),
      ];
    }
    if (method === 'POST' && rest === 'auth/token/renew-self') {
      if (fake.refuseRenewals || !token.renewable) return [400, { errors: ['lease is not renewable'] }];
      const increment = body?.increment === undefined ? token.ttlSeconds : durationSeconds(body.increment);
      if (increment === undefined) return [400, { errors: ['invalid increment'] }];
      token.expiresAt = Date.now() + increment * 1000;
      token.renewals += 1;
      return [200, envelope({ auth: { client_token: token.token, accessor: 'acc', policies: ['default', 'sluice'], token_policies: ['default', 'sluice'], metadata: {}, lease_duration: increment, renewable: true } })];
    }

    const m = /^([^/]+)\/(data|metadata)\/(.+)$/.exec(rest);
    if (!m || !mounts.includes(m[1]!)) return [404, { errors: [`no handler for route "${rest}". route entry not found.`] }];
    const [, mount, kind, path] = m as unknown as [string, string, string, string];
    const key = kvKey(namespace, mount, path);
    const versions = fake.kv.get(key);
    if (kind === 'metadata') {
      if (method !== 'DELETE') return [405, { errors: ['unsupported operation'] }];
      fake.kv.delete(key);
      return [204, undefined];
    }
    if (method === 'GET') {
      const current = versions?.at(-1);
      if (!current) return [404, { errors: [] }];
      const metadata = { created_time: current.created, custom_metadata: null, deletion_time: current.deletedAt, destroyed: false, version: versions!.length };
      if (current.data === null) return [404, { request_id: randomUUID(), data: { data: null, metadata } }];
      return [200, envelope({ data: { data: current.data, metadata }, mount_type: 'kv' })];
    }
    if (method === 'POST' || method === 'PUT') {
      if (!body || typeof body.data !== 'object' || body.data === null || Array.isArray(body.data)) return [400, { errors: ['no data provided'] }];
      const list = versions ?? [];
      const created = new Date().toISOString();
      list.push({ data: body.data, created, deletedAt: '' });
      fake.kv.set(key, list);
      return [200, envelope({ data: { created_time: created, custom_metadata: null, deletion_time: '', destroyed: false, version: list.length } })];
    }
    if (method === 'DELETE') {
      const current = versions?.at(-1);
      if (current) {
        current.data = null;
        current.deletedAt = new Date().toISOString();
      }
      return [204, undefined];
    }
    return [405, { errors: ['unsupported operation'] }];
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (fake.down) {
      req.socket.destroy();
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      const seen: VaultRequest = { method: req.method ?? '', path: new URL(req.url ?? '/', 'http://vault').pathname, namespace: '', headers: req.headers, body };
      fake.requests.push(seen);
      void handle(req, res, body)
        .then(([status, out]) => {
          seen.status = status;
          res.writeHead(status, out === undefined ? {} : { 'content-type': 'application/json' });
          res.end(out === undefined ? undefined : JSON.stringify(out));
        })
        .catch((err: unknown) => {
          seen.status = 500;
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [String(err)] }));
        });
    });
  };
  const server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

function envelope(fields: { data?: unknown; auth?: unknown; mount_type?: string }): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: fields.data ?? null,
    wrap_info: null,
    warnings: null,
    auth: fields.auth ?? null,
    ...(fields.mount_type ? { mount_type: fields.mount_type } : {}),
  };
}

/** Vault durations: a number of seconds, or "90", "90s", "30m", "1h". */
function durationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^(\d+)([smh]?)$/.exec(v) : null;
  if (!m) return undefined;
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600 } as Record<string, number>)[m[2]!]!;
}

function kvKey(namespace: string, mount: string, path: string): string {
  return `${trimSlashes(namespace)}|${mount}|${trimSlashes(path)}`;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}
