/**
 * secrets-vault through a real gateway against the fake Vault (test/support/fake-vault.ts), which
 * fake-vault.test.ts proved against Vault's documented HTTP calls first.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecretResolver } from '@sluice/plugin-sdk';
import { startFakeVault, type FakeVault } from '../../../test/support/fake-vault.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { selfSignedCert } from '../../../test/support/self-signed-cert.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const ROOT = 'hvs.root-token-for-tests-0001';
const PROVIDER_KEY = 'sk-from-hashicorp-vault-5c2e88';
const ENV_KEY = 'sk-from-the-environment-should-not-win';

let upstream: FakeUpstream;
const vaults: FakeVault[] = [];
const gateways: TestGateway[] = [];

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

beforeAll(async () => {
  upstream = await startFakeUpstream((_req, res) => sendJson(res, 200, completion));
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  await Promise.all(vaults.splice(0).map((v) => v.close()));
});
afterAll(async () => {
  await upstream.close();
});

async function vault(opts: Parameters<typeof startFakeVault>[0]): Promise<FakeVault> {
  const v = await startFakeVault(opts);
  vaults.push(v);
  return v;
}

function litellmConfig(settings: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/OPENAI_API_KEY' } }],
    general_settings: { master_key: MASTER_KEY, key_management_system: 'hashicorp_vault', ...(Object.keys(settings).length ? { key_management_settings: settings } : {}) },
  } as SluiceConfig;
}

async function start(config: SluiceConfig, env: Record<string, string>): Promise<TestGateway> {
  const gw = await startGateway(config, { env: { OPENAI_API_KEY: ENV_KEY, ...env } });
  gateways.push(gw);
  return gw;
}

function resolverOf(gw: TestGateway): SecretResolver {
  const plugin = gw.gateway.plugins.find((p) => p.id === 'secrets-vault');
  expect(plugin, 'enabled by key_management_system: hashicorp_vault').toBeDefined();
  return plugin!.instance.secretResolvers![0]!;
}

async function chat(gw: TestGateway) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('secrets-vault: reading', () => {
  it('token auth: a deployment api_key comes from KV v2 secret/data/<prefix>/OPENAI_API_KEY', async () => {
    const v = await vault({ rootToken: ROOT, mounts: ['kv'] });
    v.put('litellm/OPENAI_API_KEY', { key: PROVIDER_KEY }, { mount: 'kv' });
    const gw = await start(litellmConfig(), { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: ROOT, HCP_VAULT_MOUNT_NAME: 'kv', HCP_VAULT_PATH_PREFIX: 'litellm' });
    const before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const read = v.requests.find((r) => r.path === '/v1/kv/data/litellm/OPENAI_API_KEY');
    expect(read?.headers['x-vault-token']).toBe(ROOT);
    expect(resolverOf(gw).name).toBe('hashicorp_vault');
    expect(await resolverOf(gw).get('NOT_IN_VAULT')).toBeUndefined();
  });

  it('AppRole: logs in with the login namespace header, reads secrets in the secret namespace path', async () => {
    const v = await vault({ namespaces: ['admin', 'admin/teams/team-a'], approle: { mount: 'approle-sluice', roleId: 'role-1', secretId: 'secret-1', namespace: 'admin' } });
    v.put('OPENAI_API_KEY', { key: PROVIDER_KEY }, { namespace: 'admin/teams/team-a' });
    const gw = await start(litellmConfig(), {
      HCP_VAULT_ADDR: v.url,
      HCP_VAULT_APPROLE_ROLE_ID: 'role-1',
      HCP_VAULT_APPROLE_SECRET_ID: 'secret-1',
      HCP_VAULT_APPROLE_MOUNT_PATH: 'approle-sluice',
      HCP_VAULT_LOGIN_NAMESPACE: 'admin',
      HCP_VAULT_SECRET_NAMESPACE: 'admin/teams/team-a',
    });
    const before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const login = v.requests.find((r) => r.path === '/v1/auth/approle-sluice/login')!;
    expect(login.headers['x-vault-namespace']).toBe('admin');
    expect(login.body).toEqual({ role_id: 'role-1', secret_id: 'secret-1' });
    const read = v.requests.find((r) => r.path === '/v1/admin/teams/team-a/secret/data/OPENAI_API_KEY')!;
    expect(read.status).toBe(200);
    expect(read.headers['x-vault-namespace'], 'secret requests name their namespace in the URL only').toBeUndefined();
  });

  it('renews the login token before its lease ends, logs in again when renewal is refused or the token is revoked', async () => {
    // A 4 s lease: renewal at ~2.7 s leaves over a second of slack on a loaded machine.
    const v = await vault({ approle: { roleId: 'role-1', secretId: 'secret-1' }, tokenTtlSeconds: 4 });
    v.put('OPENAI_API_KEY', { key: PROVIDER_KEY });
    const gw = await start(litellmConfig(), { HCP_VAULT_ADDR: v.url, HCP_VAULT_APPROLE_ROLE_ID: 'role-1', HCP_VAULT_APPROLE_SECRET_ID: 'secret-1', HCP_VAULT_REFRESH_INTERVAL: '1' });
    const resolver = resolverOf(gw);
    const logins = () => v.requests.filter((r) => r.path === '/v1/auth/approle/login').length;
    const first = logins();
    expect(first).toBe(1);
    await until(() => v.requests.some((r) => r.path === '/v1/auth/token/renew-self' && r.status === 200));
    const renew = v.requests.find((r) => r.path === '/v1/auth/token/renew-self')!;
    expect(v.tokens.get(String(renew.headers['x-vault-token']))?.renewals).toBeGreaterThanOrEqual(1);
    // Past its lease the token would be dead: renewal kept it alive, reads still work with the same token.
    const firstToken = String(renew.headers['x-vault-token']);
    await until(() => (v.tokens.get(firstToken)?.renewals ?? 0) >= 2, 15_000);
    expect(logins(), 'renewed, never logged in again').toBe(1);
    expect(await resolver.get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);

    v.refuseRenewals = true;
    await until(() => logins() === 2);
    v.refuseRenewals = false;

    // A revoked token: the read gets 403, the plugin logs in again and retries.
    for (const t of v.tokens.keys()) v.revoke(t);
    v.put('OPENAI_API_KEY', { key: 'sk-after-revocation-0001' });
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('OPENAI_API_KEY')).toBe('sk-after-revocation-0001');
    expect(logins()).toBe(3);
  });

  it('a renewable HCP_VAULT_TOKEN (periodic token) is renewed before its TTL ends', async () => {
    const v = await vault({ serviceTokens: [{ token: 'hvs.periodic-token-0001', ttlSeconds: 4 }] });
    v.put('OPENAI_API_KEY', { key: PROVIDER_KEY });
    const gw = await start(litellmConfig(), { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: 'hvs.periodic-token-0001', HCP_VAULT_REFRESH_INTERVAL: '1' });
    await until(() => v.requests.some((r) => r.path === '/v1/auth/token/lookup-self'));
    // Two renewals: the token lives past its first 4 s and reads keep working.
    await until(() => (v.tokens.get('hvs.periodic-token-0001')?.renewals ?? 0) >= 2, 15_000);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolverOf(gw).get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);
  });

  it('refresh: a changed secret is used after one interval; an outage keeps serving the cached value', async () => {
    const v = await vault({ rootToken: ROOT });
    v.put('OPENAI_API_KEY', { key: 'sk-vault-value-one-01' });
    const gw = await start(litellmConfig(), { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: ROOT, HCP_VAULT_REFRESH_INTERVAL: '1' });
    const resolver = resolverOf(gw);
    expect(resolver.refreshIntervalMs).toBe(1000);
    let before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe('Bearer sk-vault-value-one-01');
    v.put('OPENAI_API_KEY', { key: 'sk-vault-value-two-02' });
    // The gateway's own refresh round picks the new value up: calls then carry it.
    await until(async () => {
      before = upstream.requests.length;
      await chat(gw);
      return upstream.requests[before]?.headers.authorization === 'Bearer sk-vault-value-two-02';
    }, 15_000);

    v.down = true;
    await new Promise((r) => setTimeout(r, 1200));
    expect(await resolver.get('OPENAI_API_KEY')).toBe('sk-vault-value-two-02');
    before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe('Bearer sk-vault-value-two-02');
    expect(gw.logs.filter((l) => l.includes('Hashicorp Vault could not be read: serving cached values'))).toHaveLength(1);
    expect(gw.gateway.metrics.registry.value('hashicorp_vault_stale_reads_total')).toBeGreaterThanOrEqual(1);
    await expect(resolver.get('NEVER_READ')).rejects.toThrow();
  });

  it('TLS certificate auth over https (client certificate, CA from VAULT_CACERT)', async () => {
    const server = selfSignedCert('127.0.0.1');
    const client = selfSignedCert('sluice-client', ['DNS:sluice-client']);
    const v = await vault({ tls: { cert: server.cert, key: server.key, ca: [client.cert] }, certRoles: { 'sluice-role': new X509Certificate(client.cert).fingerprint256 } });
    v.put('OPENAI_API_KEY', { key: PROVIDER_KEY });
    const gw = await start(litellmConfig(), {
      HCP_VAULT_ADDR: v.url,
      HCP_VAULT_CLIENT_CERT: client.certFile,
      HCP_VAULT_CLIENT_KEY: client.keyFile,
      HCP_VAULT_CERT_ROLE: 'sluice-role',
      VAULT_CACERT: server.certFile,
    });
    expect(await resolverOf(gw).get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);
    const login = v.requests.find((r) => r.path === '/v1/auth/cert/login')!;
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ name: 'sluice-role' });
  });

  it('Kubernetes auth with the service-account token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sa-'));
    writeFileSync(join(dir, 'token'), 'eyJhbGciOiJSUzI1NiJ9.service-account.sig\n');
    const v = await vault({ kubernetes: { role: 'sluice', jwt: 'eyJhbGciOiJSUzI1NiJ9.service-account.sig' } });
    v.put('OPENAI_API_KEY', { key: PROVIDER_KEY });
    const gw = await start(litellmConfig(), { HCP_VAULT_ADDR: v.url, HCP_VAULT_KUBERNETES_ROLE: 'sluice', HCP_VAULT_KUBERNETES_TOKEN_PATH: join(dir, 'token') });
    expect(await resolverOf(gw).get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);
    expect(v.requests.find((r) => r.path === '/v1/auth/kubernetes/login')?.body).toEqual({ role: 'sluice', jwt: 'eyJhbGciOiJSUzI1NiJ9.service-account.sig' });
  });

  it('no credentials configured: the gateway refuses to start, naming the variables', async () => {
    await expect(start(litellmConfig(), { HCP_VAULT_ADDR: 'http://127.0.0.1:1' })).rejects.toThrow(/HCP_VAULT_TOKEN.*|Missing Vault authentication credentials/s);
  });
});

describe('secrets-vault: storing virtual keys', () => {
  it('write stores {"key", "description"} under litellm/<name>; remove deletes all versions (metadata)', async () => {
    const v = await vault({ rootToken: ROOT });
    const gw = await start(litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write', description: 'Sluice virtual key' }), { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: ROOT });
    const resolver = resolverOf(gw);
    await resolver.write!('team-a-key', 'sk-virtual-0001');
    expect(v.read('litellm/team-a-key')).toEqual({ key: 'sk-virtual-0001', description: 'Sluice virtual key' });
    expect(await resolver.get('litellm/team-a-key')).toBe('sk-virtual-0001');
    await resolver.remove!('litellm/team-a-key');
    expect(v.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/v1/secret/metadata/litellm/team-a-key', status: 204 });
    expect(v.read('litellm/team-a-key')).toBeUndefined();
  });

  it('/key/generate and /key/delete through the gateway write and delete the key in Vault', async () => {
    const v = await vault({ rootToken: ROOT });
    const gw = await start(litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write' }), { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: ROOT });
    const headers = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };
    const gen = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers, body: JSON.stringify({ key_alias: 'vault-round-trip' }) });
    expect(gen.status).toBe(200);
    const { key } = (await gen.json()) as { key: string };
    expect(v.read('litellm/vault-round-trip')).toMatchObject({ key });
    const del = await fetch(`${gw.url}/key/delete`, { method: 'POST', headers, body: JSON.stringify({ keys: [key] }) });
    expect(del.status).toBe(200);
    expect(v.read('litellm/vault-round-trip')).toBeUndefined();
  });

  it('a write Vault refuses fails /key/generate and leaves no key', async () => {
    const v = await vault({ rootToken: ROOT, mounts: ['other'] });
    const gw = await start(litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write' }), { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: ROOT });
    await expect(resolverOf(gw).write!('x', 'sk-virtual-0002')).rejects.toMatchObject({ code: 'SECRETS_VAULT_WRITE_FAILED', status: 502 });
    const headers = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };
    const gen = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers, body: JSON.stringify({ key_alias: 'refused' }) });
    expect(gen.status).toBeGreaterThanOrEqual(500);
    expect(((await gen.json()) as { error: { message: string } }).error.message).toContain('Hashicorp Vault');
    const list = await fetch(`${gw.url}/key/list?key_alias=refused&return_full_object=true`, { headers });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { keys: unknown[] }).keys).toEqual([]);
  });
});

describe('secrets-vault: never leaked', () => {
  it('no secret value or Vault token appears in logs, error bodies or /health', async () => {
    const v = await vault({ approle: { roleId: 'role-1', secretId: 'approle-secret-id-0001' } });
    v.put('OPENAI_API_KEY', { key: PROVIDER_KEY });
    const gw = await start(litellmConfig(), { HCP_VAULT_ADDR: v.url, HCP_VAULT_APPROLE_ROLE_ID: 'role-1', HCP_VAULT_APPROLE_SECRET_ID: 'approle-secret-id-0001' });
    const texts: string[] = [];
    for (const path of ['/health', '/health/liveliness', '/health/readiness']) {
      texts.push(await (await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text());
    }
    upstream.reply = (req, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}`, type: 'invalid_request_error' } });
    try {
      texts.push(JSON.stringify((await chat(gw)).body));
    } finally {
      upstream.reply = (_req, res) => sendJson(res, 200, completion);
    }
    texts.push(...gw.logs);
    const tokens = [...v.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    for (const value of [PROVIDER_KEY, 'approle-secret-id-0001', ...tokens]) {
      expect(texts.filter((t) => t.includes(value))).toEqual([]);
    }
  });
});
