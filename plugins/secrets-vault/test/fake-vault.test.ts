/**
 * The fake Vault (test/support/fake-vault.ts) driven first by the raw HTTP calls Vault's API docs
 * show (there is no official Node client; node-vault is community-kept and not installed), before
 * the plugin is tested against it: KV v2 write/read/soft delete/metadata delete, AppRole,
 * Kubernetes and TLS certificate login, renew-self, namespaces as header or path.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { startFakeVault, type FakeVault } from '../../../test/support/fake-vault.js';
import { selfSignedCert } from '../../../test/support/self-signed-cert.js';

const ROOT = 'hvs.root-token-for-tests';
const open: FakeVault[] = [];
afterAll(async () => {
  await Promise.all(open.map((v) => v.close()));
});

async function vault(opts: Parameters<typeof startFakeVault>[0]): Promise<FakeVault> {
  const v = await startFakeVault(opts);
  open.push(v);
  return v;
}

async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; dispatcher?: Agent } = {}) {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    dispatcher: init.dispatcher,
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

describe('fake Vault, driven by the documented HTTP API', () => {
  it('KV v2: create/update, read, soft delete, metadata delete; a missing or wrong token is 403', async () => {
    const v = await vault({ rootToken: ROOT });
    // POST /v1/secret/data/:path with {"options": {...}, "data": {...}} (Vault docs: "Create/Update secret").
    const put = await call(`${v.url}/v1/secret/data/my-secret`, { method: 'POST', headers: { 'X-Vault-Token': ROOT }, body: { options: { cas: 0 }, data: { foo: 'bar' } } });
    expect(put.status).toBe(200);
    expect(put.json.data).toMatchObject({ version: 1, destroyed: false, deletion_time: '' });
    const read = await call(`${v.url}/v1/secret/data/my-secret`, { headers: { 'X-Vault-Token': ROOT } });
    expect(read.json).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, data: { data: { foo: 'bar' }, metadata: { version: 1 } }, wrap_info: null, auth: null });
    expect((await call(`${v.url}/v1/secret/data/my-secret`)).status).toBe(403);
    expect((await call(`${v.url}/v1/secret/data/my-secret`, { headers: { 'X-Vault-Token': 'hvs.nope' } })).json).toEqual({ errors: ['permission denied'] });
    expect((await call(`${v.url}/v1/secret/data/absent`, { headers: { 'X-Vault-Token': ROOT } })).status).toBe(404);
    // DELETE /v1/secret/data/:path soft-deletes the latest version; DELETE /v1/secret/metadata/:path removes it all.
    expect((await call(`${v.url}/v1/secret/data/my-secret`, { method: 'DELETE', headers: { 'X-Vault-Token': ROOT } })).status).toBe(204);
    expect((await call(`${v.url}/v1/secret/data/my-secret`, { headers: { 'X-Vault-Token': ROOT } })).status).toBe(404);
    expect(v.kv.size).toBe(1);
    expect((await call(`${v.url}/v1/secret/metadata/my-secret`, { method: 'DELETE', headers: { 'X-Vault-Token': ROOT } })).status).toBe(204);
    expect(v.kv.size).toBe(0);
  });

  it('AppRole login, renew-self with an increment, and a namespace as header or path', async () => {
    const v = await vault({ namespaces: ['admin', 'admin/team-a'], approle: { roleId: 'role-1', secretId: 'secret-1', namespace: 'admin' }, tokenTtlSeconds: 60 });
    v.put('OPENAI_API_KEY', { key: 'sk-team-a' }, { namespace: 'admin/team-a' });
    const bad = await call(`${v.url}/v1/auth/approle/login`, { method: 'POST', headers: { 'X-Vault-Namespace': 'admin/' }, body: { role_id: 'role-1', secret_id: 'wrong' } });
    expect(bad).toEqual({ status: 400, json: { errors: ['invalid secret id'] } });
    const login = await call(`${v.url}/v1/auth/approle/login`, { method: 'POST', headers: { 'X-Vault-Namespace': 'admin/' }, body: { role_id: 'role-1', secret_id: 'secret-1' } });
    expect(login.json.auth).toMatchObject({ lease_duration: 60, renewable: true, policies: ['default', 'sluice'] });
    const token = login.json.auth.client_token as string;
    // The namespace in the path, or in the header: the same secret.
    expect((await call(`${v.url}/v1/admin/team-a/secret/data/OPENAI_API_KEY`, { headers: { 'X-Vault-Token': token } })).json.data.data.key).toBe('sk-team-a');
    expect((await call(`${v.url}/v1/team-a/secret/data/OPENAI_API_KEY`, { headers: { 'X-Vault-Token': token, 'X-Vault-Namespace': 'admin' } })).json.data.data.key).toBe('sk-team-a');
    // A token of namespace admin is not valid at the root.
    v.put('ROOT_ONLY', { key: 'x' });
    expect((await call(`${v.url}/v1/secret/data/ROOT_ONLY`, { headers: { 'X-Vault-Token': token } })).status).toBe(403);
    const renewed = await call(`${v.url}/v1/auth/token/renew-self`, { method: 'POST', headers: { 'X-Vault-Token': token, 'X-Vault-Namespace': 'admin' }, body: { increment: '1h' } });
    expect(renewed.json.auth).toMatchObject({ client_token: token, lease_duration: 3600, renewable: true });
    expect(v.tokens.get(token)?.renewals).toBe(1);
    v.refuseRenewals = true;
    expect((await call(`${v.url}/v1/auth/token/renew-self`, { method: 'POST', headers: { 'X-Vault-Token': token, 'X-Vault-Namespace': 'admin' }, body: {} })).status).toBe(400);
  });

  it('lookup-self tells a token\'s TTL and whether it is renewable', async () => {
    const v = await vault({ rootToken: ROOT, serviceTokens: [{ token: 'hvs.periodic-token', ttlSeconds: 30 }] });
    const root = await call(`${v.url}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': ROOT } });
    expect(root.json.data).toMatchObject({ ttl: 0, renewable: false, policies: ['root'] });
    const periodic = await call(`${v.url}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': 'hvs.periodic-token' } });
    expect(periodic.json.data).toMatchObject({ renewable: true, creation_ttl: 30 });
    expect(periodic.json.data.ttl).toBeGreaterThan(25);
  });

  it('a token expires after its lease', async () => {
    const v = await vault({ approle: { roleId: 'r', secretId: 's' }, tokenTtlSeconds: 1 });
    v.put('A', { key: 'a' });
    const token = (await call(`${v.url}/v1/auth/approle/login`, { method: 'POST', body: { role_id: 'r', secret_id: 's' } })).json.auth.client_token as string;
    expect((await call(`${v.url}/v1/secret/data/A`, { headers: { 'X-Vault-Token': token } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(`${v.url}/v1/secret/data/A`, { headers: { 'X-Vault-Token': token } })).status).toBe(403);
  });

  it('Kubernetes login with the service-account JWT', async () => {
    const v = await vault({ kubernetes: { role: 'sluice', jwt: 'eyJhbGciOiJSUzI1NiJ9.sa.sig' } });
    expect((await call(`${v.url}/v1/auth/kubernetes/login`, { method: 'POST', body: { role: 'sluice', jwt: 'forged' } })).status).toBe(403);
    const ok = await call(`${v.url}/v1/auth/kubernetes/login`, { method: 'POST', body: { role: 'sluice', jwt: 'eyJhbGciOiJSUzI1NiJ9.sa.sig' } });
    expect(ok.json.auth.metadata).toMatchObject({ role: 'sluice' });
  });

  it('TLS certificate login over https needs the trusted client certificate', async () => {
    const server = selfSignedCert('127.0.0.1');
    const client = selfSignedCert('sluice-client', ['DNS:sluice-client']);
    const stranger = selfSignedCert('stranger', ['DNS:stranger']);
    const v = await vault({ tls: { cert: server.cert, key: server.key, ca: [client.cert] }, certRoles: { 'sluice-role': new X509Certificate(client.cert).fingerprint256 } });
    expect(v.url.startsWith('https://')).toBe(true);
    const withClient = new Agent({ connect: { ca: server.cert, cert: client.cert, key: client.key } });
    const ok = await call(`${v.url}/v1/auth/cert/login`, { method: 'POST', body: { name: 'sluice-role' }, dispatcher: withClient });
    expect(ok.status).toBe(200);
    expect(ok.json.auth.metadata).toEqual({ cert_name: 'sluice-role' });
    const none = await call(`${v.url}/v1/auth/cert/login`, { method: 'POST', body: { name: 'sluice-role' }, dispatcher: new Agent({ connect: { ca: server.cert } }) });
    expect(none.status).toBe(400);
    const wrong = await call(`${v.url}/v1/auth/cert/login`, { method: 'POST', body: {}, dispatcher: new Agent({ connect: { ca: server.cert, cert: stranger.cert, key: stranger.key } }) });
    expect(wrong.status).toBe(400);
  });
});
