/**
 * A local Azure Key Vault (secrets API) with its Microsoft Entra token endpoint and an App Service
 * managed-identity endpoint, over HTTPS (the Azure SDK refuses bearer tokens over plain HTTP).
 *
 * It checks what the real services check, so a client that passes here speaks the wire format:
 * - vault calls need `api-version` (one Key Vault has shipped) and a bearer token this fake issued
 *   for the vault's resource; without one they get Key Vault's 401 challenge
 *   (`WWW-Authenticate: Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"`),
 *   which the SDK answers by fetching a token for the tenant named there;
 * - the token endpoint (`/<tenant>/oauth2/v2.0/token`, client credentials) checks the client id and
 *   either the client secret or a client assertion JWT signed by the registered certificate
 *   (RS256 or PS256, `aud` the token endpoint, `iss` = `sub` = client id, not expired);
 * - the managed-identity endpoint checks `X-IDENTITY-HEADER`, `api-version` and `resource`.
 * Bodies: `PUT /secrets/{name}` `{value, contentType?, tags?, attributes?}` answers a SecretBundle;
 * deletes answer a DeletedSecretBundle, and deleted secrets stay recoverable until purged.
 */
import { createPublicKey, randomBytes, verify, constants as cryptoConstants, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { selfSignedCert, type SelfSignedCert } from './self-signed-cert.js';

export const KEY_VAULT_API_VERSIONS = ['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-07-01'];
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

export interface StoredSecret {
  value: string;
  version: string;
  contentType?: string;
  tags?: Record<string, string>;
  deleted?: boolean;
}

export interface SeenAzureRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeAzureKeyVault {
  /** `https://127.0.0.1:<port>`: the vault URI, the authority host and the identity endpoint's host. */
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The client certificate registered for `clientId` (certificate credential). */
  clientCert: SelfSignedCert;
  /** The server's own certificate. */
  serverCert: SelfSignedCert;
  /** App Service managed identity: `IDENTITY_ENDPOINT` / `IDENTITY_HEADER`. */
  identityEndpoint: string;
  identityHeader: string;
  secrets: Map<string, StoredSecret>;
  requests: SeenAzureRequest[];
  /** Tokens issued, by how they were obtained. */
  issued: { token: string; via: 'client_secret' | 'client_assertion' | 'managed_identity' }[];
  /** Requests the fake did not recognise or refused (a failing test prints them). */
  refusals: string[];
  /** When true every connection is dropped without an answer (an outage). */
  down: boolean;
  setSecret(name: string, value: string): void;
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

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function kvError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  json(res, status, { error: { code, message } }, headers);
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Verifies a client-assertion JWT against the registered certificate; returns why it fails, or undefined. */
function assertionProblem(jwt: string, certPem: string, clientId: string, audience: string): string | undefined {
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) return 'not a JWT';
  const header = b64urlJson(h);
  const payload = b64urlJson(p);
  const key = createPublicKey(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'pem' }));
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  let ok = false;
  if (header.alg === 'RS256') ok = verify('sha256', data, key, sig);
  else if (header.alg === 'PS256') ok = verify('sha256', data, { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  else return `unsupported alg ${String(header.alg)}`;
  if (!ok) return 'bad signature';
  if (!header['x5t'] && !header['x5t#S256']) return 'no certificate thumbprint in the header';
  if (payload.iss !== clientId || payload.sub !== clientId) return 'iss/sub is not the client id';
  if (payload.aud !== audience) return `aud ${String(payload.aud)} is not ${audience}`;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 < Date.now()) return 'expired';
  return undefined;
}

export async function startFakeAzureKeyVault(): Promise<FakeAzureKeyVault> {
  const serverCert = selfSignedCert();
  const clientCert = selfSignedCert('sluice-test-client', ['DNS:sluice-test-client']);
  const sockets = new Set<Socket>();
  const fake: FakeAzureKeyVault = {
    url: '',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: '00000000-0000-0000-0000-00000000c11e',
    clientSecret: `client-secret-${randomBytes(6).toString('hex')}`,
    clientCert,
    serverCert,
    identityEndpoint: '',
    identityHeader: `identity-header-${randomBytes(6).toString('hex')}`,
    secrets: new Map(),
    requests: [],
    issued: [],
    refusals: [],
    down: false,
    setSecret(name, value) {
      fake.secrets.set(name, { value, version: randomBytes(16).toString('hex') });
    },
    close: async () => undefined,
  };
  const vaultTokens = new Set<string>();
  const issue = (via: FakeAzureKeyVault['issued'][number]['via']): string => {
    const token = `kv-token-${randomBytes(12).toString('hex')}`;
    vaultTokens.add(token);
    fake.issued.push({ token, via });
    return token;
  };
  const bundle = (name: string, s: StoredSecret) => ({
    value: s.value,
    id: `${fake.url}/secrets/${name}/${s.version}`,
    ...(s.contentType ? { contentType: s.contentType } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
    attributes: { enabled: true, created: 1_700_000_000, updated: 1_700_000_000, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
  });
  const deletedBundle = (name: string, s: StoredSecret) => ({
    ...bundle(name, s),
    recoveryId: `${fake.url}/deletedsecrets/${name}`,
    deletedDate: 1_700_000_100,
    scheduledPurgeDate: 1_707_776_100,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', fake.url);
    const body = await readBody(req);
    const seen: SeenAzureRequest = { method: req.method ?? '', pathname: url.pathname, query: url.searchParams, headers: req.headers, body };
    fake.requests.push(seen);
    const refuse = (status: number, code: string, why: string, headers: Record<string, string> = {}) => {
      fake.refusals.push(`${req.method} ${url.pathname}${url.search}: ${why}`);
      kvError(res, status, code, why, headers);
    };

    // --- Microsoft Entra ID (authority host) ---
    const openid = url.pathname.match(/^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/);
    if (req.method === 'GET' && openid) {
      const tenant = openid[1]!;
      return json(res, 200, {
        token_endpoint: `${fake.url}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${fake.url}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${fake.url}/${tenant}/oauth2/v2.0/logout`,
        issuer: `${fake.url}/${tenant}/v2.0`,
        jwks_uri: `${fake.url}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/common/discovery/instance') {
      const host = new URL(fake.url).host;
      return json(res, 200, {
        tenant_discovery_endpoint: `${fake.url}/${fake.tenantId}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    const tokenPath = url.pathname.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
    if (req.method === 'POST' && tokenPath) {
      const form = new URLSearchParams(body);
      if (tokenPath[1] !== fake.tenantId) return refuse(400, 'invalid_tenant', `unknown tenant ${tokenPath[1]}`);
      if (form.get('grant_type') !== 'client_credentials') return refuse(400, 'unsupported_grant_type', `grant_type ${form.get('grant_type')}`);
      if (form.get('client_id') !== fake.clientId) return refuse(400, 'invalid_client', 'unknown client_id');
      if (form.get('scope') !== `${KEY_VAULT_RESOURCE}/.default`) return refuse(400, 'invalid_scope', `scope ${form.get('scope')}`);
      let via: 'client_secret' | 'client_assertion';
      if (form.has('client_secret')) {
        if (form.get('client_secret') !== fake.clientSecret) return refuse(401, 'invalid_client', 'wrong client_secret');
        via = 'client_secret';
      } else if (form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        const problem = assertionProblem(form.get('client_assertion') ?? '', clientCert.cert, fake.clientId, `${fake.url}/${fake.tenantId}/oauth2/v2.0/token`);
        if (problem) return refuse(401, 'invalid_client', `client assertion: ${problem}`);
        via = 'client_assertion';
      } else {
        return refuse(401, 'invalid_client', 'no client credential');
      }
      return json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: issue(via) });
    }

    // --- App Service managed identity ---
    if (req.method === 'GET' && url.pathname === '/msi/token') {
      if (req.headers['x-identity-header'] !== fake.identityHeader) return refuse(401, 'Unauthorized', 'X-IDENTITY-HEADER missing or wrong');
      if (url.searchParams.get('api-version') !== '2019-08-01') return refuse(400, 'BadRequest', `api-version ${url.searchParams.get('api-version')}`);
      const resource = url.searchParams.get('resource');
      if (resource !== KEY_VAULT_RESOURCE && resource !== `${KEY_VAULT_RESOURCE}/`) return refuse(400, 'BadRequest', `resource ${resource}`);
      return json(res, 200, {
        access_token: issue('managed_identity'),
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: KEY_VAULT_RESOURCE,
        token_type: 'Bearer',
      });
    }

    // --- Key Vault ---
    const version = url.searchParams.get('api-version');
    if (!version || !KEY_VAULT_API_VERSIONS.includes(version)) {
      return refuse(400, 'BadParameter', `The specified version (${version ?? 'none'}) is not recognized. Consider using the latest supported version (7.6).`);
    }
    const auth = req.headers.authorization;
    if (!auth) {
      // The SDK's first request of a client carries no token: the challenge tells it where to get one.
      return kvError(res, 401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', {
        'www-authenticate': `Bearer authorization="${fake.url}/${fake.tenantId}", resource="${KEY_VAULT_RESOURCE}"`,
      });
    }
    if (!auth.startsWith('Bearer ') || !vaultTokens.has(auth.slice(7))) return refuse(401, 'Unauthorized', 'AKV10032: Invalid token.');

    const secretPath = url.pathname.match(/^\/secrets\/([0-9a-zA-Z-]{1,127})(?:\/([0-9a-f]*))?\/?$/);
    const deletedPath = url.pathname.match(/^\/deletedsecrets\/([0-9a-zA-Z-]{1,127})\/?$/);
    if (url.pathname.startsWith('/secrets/') && !secretPath) return refuse(400, 'BadParameter', 'The request URI contains an invalid name');
    if (secretPath && req.method === 'GET') {
      const s = fake.secrets.get(secretPath[1]!);
      if (!s || s.deleted) return kvError(res, 404, 'SecretNotFound', `A secret with (name/id) ${secretPath[1]} was not found in this key vault.`);
      return json(res, 200, bundle(secretPath[1]!, s));
    }
    if (secretPath && req.method === 'PUT') {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return refuse(400, 'BadParameter', 'body is not JSON');
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return refuse(400, 'BadParameter', 'content-type is not JSON');
      if (typeof parsed.value !== 'string') return refuse(400, 'BadParameter', 'Property value is required');
      const existing = fake.secrets.get(secretPath[1]!);
      if (existing?.deleted) return kvError(res, 409, 'Conflict', `Secret ${secretPath[1]} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`);
      const tags = parsed.tags as Record<string, string> | undefined;
      if (tags && Object.values(tags).some((v) => typeof v !== 'string' || v.length > 256)) return refuse(400, 'BadParameter', 'tag values must be strings of at most 256 characters');
      const stored: StoredSecret = { value: parsed.value, version: randomBytes(16).toString('hex'), contentType: parsed.contentType as string | undefined, tags };
      fake.secrets.set(secretPath[1]!, stored);
      return json(res, 200, bundle(secretPath[1]!, stored));
    }
    if (secretPath && req.method === 'DELETE') {
      const s = fake.secrets.get(secretPath[1]!);
      if (!s || s.deleted) return kvError(res, 404, 'SecretNotFound', `A secret with (name/id) ${secretPath[1]} was not found in this key vault.`);
      s.deleted = true;
      return json(res, 200, deletedBundle(secretPath[1]!, s));
    }
    if (deletedPath && req.method === 'GET') {
      const s = fake.secrets.get(deletedPath[1]!);
      if (!s?.deleted) return kvError(res, 404, 'SecretNotFound', `Deleted Secret not found: ${deletedPath[1]}`);
      return json(res, 200, deletedBundle(deletedPath[1]!, s));
    }
    if (deletedPath && req.method === 'DELETE') {
      const s = fake.secrets.get(deletedPath[1]!);
      if (!s?.deleted) return kvError(res, 404, 'SecretNotFound', `Deleted Secret not found: ${deletedPath[1]}`);
      fake.secrets.delete(deletedPath[1]!);
      res.writeHead(204);
      return void res.end();
    }
    return refuse(404, 'NotFound', 'no such route in the fake');
  };

  const server: Server = createServer({ key: serverCert.key, cert: serverCert.cert }, (req, res) => {
    if (fake.down) {
      req.socket.destroy();
      return;
    }
    void handle(req, res).catch((err: unknown) => {
      fake.refusals.push(`crash: ${String(err)}`);
      if (!res.headersSent) kvError(res, 500, 'InternalError', String(err));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.identityEndpoint = `${fake.url}/msi/token`;
  fake.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fake;
}
