/**
 * A local Microsoft Entra ID token endpoint, over HTTPS (MSAL talks to an authority over TLS only),
 * for the client-credentials grant that @azure/identity's ClientSecretCredential makes: it checks
 * the tenant, client id, secret and the Storage scope, and issues a JWT with the claims Azurite's
 * `--oauth basic` checks (`aud` https://storage.azure.com, an `iss` under https://sts.windows.net/,
 * iat/nbf/exp). Azurite does not verify the signature, so an HMAC one does.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SelfSignedCert } from '../../../test/support/self-signed-cert.js';

export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

export interface FakeEntra {
  url: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Token requests, in order: which client asked for which scope, and whether it was answered. */
  requests: { clientId: string | null; scope: string | null; granted: boolean }[];
  close(): Promise<void>;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

function jwt(claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', 'fake-entra').update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeEntra(cert: SelfSignedCert): Promise<FakeEntra> {
  const fake: FakeEntra = {
    url: '',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId: 'b0c8e1e2-0000-4000-8000-00000000a2b5',
    clientSecret: `entra-secret-${randomBytes(8).toString('hex')}`,
    requests: [],
    close: async () => undefined,
  };
  const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', fake.url);
      const body = await readBody(req);
      const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (req.method === 'GET' && openid) {
        const t = openid[1];
        return json(res, 200, {
          token_endpoint: `${fake.url}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${fake.url}/${t}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${fake.url}/${t}/oauth2/v2.0/logout`,
          issuer: `${fake.url}/${t}/v2.0`,
          jwks_uri: `${fake.url}/${t}/discovery/v2.0/keys`,
          response_types_supported: ['code', 'id_token'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        });
      }
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === 'POST' && token) {
        const form = new URLSearchParams(body);
        const seen = { clientId: form.get('client_id'), scope: form.get('scope'), granted: false };
        fake.requests.push(seen);
        if (token[1] !== fake.tenantId) return json(res, 400, { error: 'invalid_tenant', error_description: `unknown tenant ${token[1]}` });
        if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type' });
        if (seen.clientId !== fake.clientId || form.get('client_secret') !== fake.clientSecret) return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        if (seen.scope !== STORAGE_SCOPE) return json(res, 400, { error: 'invalid_scope', error_description: `scope ${seen.scope}` });
        seen.granted = true;
        const now = Math.floor(Date.now() / 1000);
        const access = jwt({ aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${fake.tenantId}/`, iat: now - 5, nbf: now - 5, exp: now + 3600, tid: fake.tenantId, appid: fake.clientId, oid: fake.clientId, sub: fake.clientId, ver: '1.0' });
        return json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access });
      }
      json(res, 404, { error: 'not_found', error_description: `${req.method} ${url.pathname}` });
    })().catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return fake;
}
