/**
 * secrets-azure-key-vault against a local Key Vault + Entra token endpoint + managed-identity
 * endpoint (test/support/fake-azure-key-vault.ts), over HTTPS with a self-signed certificate.
 *
 * TLS trust: the Azure SDK refuses bearer tokens over plain HTTP, so the fake is HTTPS. Node 20
 * reads NODE_EXTRA_CA_CERTS only when the process starts and cannot add a CA at run time, and the
 * SDK builds its own https agents; so this file (only this one: vitest runs each file in its own
 * process) sets NODE_TLS_REJECT_UNAUTHORIZED=0 for the fake's certificate. The plugin itself does
 * nothing about TLS: against a real vault the normal CA store applies.
 */
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAzureKeyVault, type FakeAzureKeyVault } from '../../../test/support/fake-azure-key-vault.js';
import type { MockOpenAI } from '../../../test/support/mock-openai.js';
import { chat, deleteKeys, generateKey, lastBearer, leakedValues, resolverOf, secretManagerConfig, startGateway, startUpstream, until } from '../../../test/support/secret-manager-checks.js';
import type { TestGateway } from '../../../test/support/gateway.js';
import { keyVaultName } from '../src/index.js';

const PLUGIN = 'secrets-azure-key-vault';
let fake: FakeAzureKeyVault;
let upstream: MockOpenAI;
const previousTls = process.env.NODE_TLS_REJECT_UNAUTHORIZED;

beforeAll(async () => {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  fake = await startFakeAzureKeyVault();
  upstream = await startUpstream();
});
afterAll(async () => {
  await fake?.close();
  await upstream?.close();
  if (previousTls === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previousTls;
});

const authority = () => ({ authorityHost: fake.url, disableInstanceDiscovery: true });

function clientSecretEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_KEY_VAULT_URI: fake.url,
    AZURE_TENANT_ID: fake.tenantId,
    AZURE_CLIENT_ID: fake.clientId,
    AZURE_CLIENT_SECRET: fake.clientSecret,
    AZURE_AUTHORITY_HOST: fake.url,
    ...extra,
  };
}

/** The options a vault outside *.vault.azure.net and an authority Entra does not know need. */
const localVault = { disable_instance_discovery: true, disable_challenge_resource_verification: true };

describe('the fake Key Vault, driven by the official SDK', () => {
  it('answers the SDK with a client secret: 401 challenge first, then a token for the challenged tenant', async () => {
    fake.setSecret('sdk-check', 'sdk-value-1');
    const before = fake.requests.length;
    const client = new SecretClient(fake.url, new ClientSecretCredential(fake.tenantId, fake.clientId, fake.clientSecret, authority()), { disableChallengeResourceVerification: true });
    expect((await client.getSecret('sdk-check')).value).toBe('sdk-value-1');
    const seen = fake.requests.slice(before);
    // The challenge round trip: unauthenticated GET → 401 → token → the same GET with a bearer.
    expect(seen[0]).toMatchObject({ method: 'GET', pathname: '/secrets/sdk-check/' });
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen.some((r) => r.method === 'POST' && r.pathname === `/${fake.tenantId}/oauth2/v2.0/token`)).toBe(true);
    const last = seen.at(-1)!;
    expect(last.headers.authorization).toMatch(/^Bearer kv-token-/);
    expect(last.query.get('api-version')).toBe('2025-07-01');
    expect(fake.refusals).toEqual([]);
  });

  it('answers the SDK with a client certificate (a signed client assertion) and stores tags and contentType', async () => {
    const cred = new ClientCertificateCredential(fake.tenantId, fake.clientId, { certificatePath: fake.clientCert.bundleFile }, authority());
    const client = new SecretClient(fake.url, cred, { disableChallengeResourceVerification: true });
    const written = await client.setSecret('sdk-written', 'sdk-value-2', { tags: { team: 'a' }, contentType: 'text/plain' });
    expect(written.properties.tags).toEqual({ team: 'a' });
    expect(fake.secrets.get('sdk-written')).toMatchObject({ value: 'sdk-value-2', contentType: 'text/plain', tags: { team: 'a' } });
    expect(fake.issued.some((i) => i.via === 'client_assertion')).toBe(true);
    const poller = await client.beginDeleteSecret('sdk-written', { intervalInMs: 10 });
    await poller.pollUntilDone();
    await client.purgeDeletedSecret('sdk-written');
    expect(fake.secrets.has('sdk-written')).toBe(false);
    expect(fake.refusals).toEqual([]);
  });

  it('answers the SDK with an App Service managed identity', async () => {
    process.env.IDENTITY_ENDPOINT = fake.identityEndpoint;
    process.env.IDENTITY_HEADER = fake.identityHeader;
    try {
      fake.setSecret('sdk-mi', 'sdk-value-3');
      const client = new SecretClient(fake.url, new ManagedIdentityCredential(), { disableChallengeResourceVerification: true });
      expect((await client.getSecret('sdk-mi')).value).toBe('sdk-value-3');
      expect(fake.issued.some((i) => i.via === 'managed_identity')).toBe(true);
    } finally {
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
    }
  });

  it('refuses what Key Vault refuses: no api-version, an unknown token, a wrong client secret', async () => {
    const noVersion = await fetch(`${fake.url}/secrets/sdk-check`, { headers: { authorization: 'Bearer x' } });
    expect(noVersion.status).toBe(400);
    const noToken = await fetch(`${fake.url}/secrets/sdk-check?api-version=7.5`);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toContain(`authorization="${fake.url}/${fake.tenantId}"`);
    const badToken = await fetch(`${fake.url}/secrets/sdk-check?api-version=7.5`, { headers: { authorization: 'Bearer forged' } });
    expect(badToken.status).toBe(401);
    const wrong = new SecretClient(fake.url, new ClientSecretCredential(fake.tenantId, fake.clientId, 'not-the-secret', authority()), { disableChallengeResourceVerification: true });
    await expect(wrong.getSecret('sdk-check')).rejects.toThrow();
    fake.refusals.length = 0;
  });
});

describe('secrets-azure-key-vault in a gateway', () => {
  let gw: TestGateway;
  const apiKey = 'sk-azure-vault-upstream-0c7f3e';

  beforeAll(async () => {
    fake.setSecret('AZURE-OPENAI-KEY', apiKey);
    gw = await startGateway(
      {
        ...secretManagerConfig(upstream.url, 'AZURE-OPENAI-KEY', {
          key_management_system: 'azure_key_vault',
          key_management_settings: { store_virtual_keys: true, access_mode: 'read_and_write', description: 'sluice test', tags: { env: 'test' } },
        }),
        // A vault at 127.0.0.1 and an authority Entra does not know: the two options a real
        // *.vault.azure.net vault does not need (the rest comes from LiteLLM's settings and env).
        plugins: [{ use: PLUGIN, config: localVault }],
      } as never,
      { env: clientSecretEnv() },
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('is enabled by key_management_system: azure_key_vault and reads os.environ/AZURE-OPENAI-KEY from the vault', async () => {
    expect(gw.gateway.plugins.map((p) => p.id)).toContain(PLUGIN);
    const res = await chat(gw);
    expect(res.status, res.text).toBe(200);
    expect(lastBearer(upstream)).toBe(apiKey);
    expect(fake.issued.some((i) => i.via === 'client_secret')).toBe(true);
    expect(fake.refusals).toEqual([]);
  });

  it('writes and deletes virtual keys under the prefix, with Key Vault-legal names, description and tags', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(resolver.name).toBe('azure_key_vault');
    await resolver.write!('my_key-alias', 'sk-virtual-1234abcd', { tags: { team: 'blue' } });
    const stored = fake.secrets.get('litellm-my-key-alias');
    expect(stored).toMatchObject({ value: 'sk-virtual-1234abcd', contentType: 'text/plain', tags: { env: 'test', team: 'blue', description: 'sluice test' } });
    expect(keyVaultName('litellm/my_key-alias')).toBe('litellm-my-key-alias');
    await resolver.remove!('my_key-alias');
    expect(fake.secrets.get('litellm-my-key-alias')?.deleted).toBe(true);
    // Removing what is already gone resolves.
    await resolver.remove!('never-written');
  });

  it('stores a key made by /key/generate (store_virtual_keys) and deletes it with /key/delete', async () => {
    const made = await generateKey(gw, { key_alias: 'team_a.gen-key' });
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    expect(fake.secrets.get('litellm-team-a-gen-key')).toMatchObject({ value: made.json.key, tags: { env: 'test', description: 'sluice test' } });
    const gone = await deleteKeys(gw, [made.json.key]);
    expect(gone.status, JSON.stringify(gone.json)).toBe(200);
    expect(fake.secrets.get('litellm-team-a-gen-key')?.deleted).toBe(true);
    expect(await leakedValues(gw, [made.json.key])).toEqual([]);
  });

  it('does not ask the vault for names Key Vault cannot hold; they fall through to the environment', async () => {
    const before = fake.requests.length;
    await expect(resolverOf(gw, PLUGIN).get('OPENAI_API_KEY')).resolves.toBeUndefined();
    expect(fake.requests.length).toBe(before);
  });

  it('never shows a vault value in logs, error bodies or /health', async () => {
    expect(await leakedValues(gw, [apiKey, 'sk-virtual-1234abcd', fake.clientSecret])).toEqual([]);
  });
});

describe('refresh and outage', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    fake.setSecret('REFRESHED-KEY', 'sk-refresh-before-55aa');
    gw = await startGateway(
      {
        ...secretManagerConfig(upstream.url, 'REFRESHED-KEY', { key_management_system: 'azure_key_vault' }),
        plugins: [{ use: PLUGIN, config: { refresh_interval: 1, ...localVault } }],
      } as never,
      { env: clientSecretEnv() },
    );
  });
  afterAll(async () => {
    fake.down = false;
    await gw?.close();
  });

  it('reads a changed secret again after one refresh interval', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(resolver.refreshIntervalMs).toBe(1000);
    expect(await resolver.get('REFRESHED-KEY')).toBe('sk-refresh-before-55aa');
    fake.setSecret('REFRESHED-KEY', 'sk-refresh-after-66bb');
    // (That the value is served from memory within the interval is checked with a controlled clock
    // in plugin-sdk/secret-manager.test.ts: here the gateway's own refresh reads in the background.)
    await until(async () => (await resolver.get('REFRESHED-KEY')) === 'sk-refresh-after-66bb', 10_000, 'the new value');
  });

  it('the gateway calls the upstream with the rotated key after a refresh, without a restart', async () => {
    await until(async () => (await chat(gw)).status === 200 && lastBearer(upstream) === 'sk-refresh-after-66bb', 10_000, 'the rotated key upstream');
  });

  it('keeps serving the cached value while the vault does not answer, logs the outage once and counts it', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(await resolver.get('REFRESHED-KEY')).toBe('sk-refresh-after-66bb');
    fake.down = true;
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('REFRESHED-KEY')).toBe('sk-refresh-after-66bb');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('REFRESHED-KEY')).toBe('sk-refresh-after-66bb');
    const outageLines = gw.logs.filter((l) => l.includes('azure_key_vault could not be read'));
    expect(outageLines).toHaveLength(1);
    expect(gw.gateway.metrics.registry.value('secrets_azure_key_vault_read_failures_total', { stale: 'true' })).toBeGreaterThanOrEqual(2);
    // A name never read successfully is an error, not a silent undefined.
    await expect(resolver.get('NEVER-READ')).rejects.toThrow();
    // The deployment keeps the value it has while the manager is down.
    const during = await chat(gw);
    expect(during.status, during.text).toBe(200);
    expect(lastBearer(upstream)).toBe('sk-refresh-after-66bb');
    fake.down = false;
    expect(await leakedValues(gw, ['sk-refresh-before-55aa', 'sk-refresh-after-66bb'])).toEqual([]);
  });
});

describe('other credentials through the plugin', () => {
  it('authenticates with a client certificate (AZURE_CLIENT_CERTIFICATE_PATH)', async () => {
    fake.setSecret('CERT-KEY', 'sk-cert-path-77cc');
    const before = fake.issued.filter((i) => i.via === 'client_assertion').length;
    const gw = await startGateway(
      { ...secretManagerConfig(upstream.url, 'CERT-KEY', { key_management_system: 'azure_key_vault' }), plugins: [{ use: PLUGIN, config: localVault }] } as never,
      { env: { AZURE_KEY_VAULT_URI: fake.url, AZURE_TENANT_ID: fake.tenantId, AZURE_CLIENT_ID: fake.clientId, AZURE_CLIENT_CERTIFICATE_PATH: fake.clientCert.bundleFile, AZURE_AUTHORITY_HOST: fake.url, AZURE_CLIENT_SECRET: '' } },
    );
    try {
      const res = await chat(gw);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-cert-path-77cc');
      expect(fake.issued.filter((i) => i.via === 'client_assertion').length).toBeGreaterThan(before);
    } finally {
      await gw.close();
    }
  });

  it('authenticates with a managed identity (credential: managed_identity)', async () => {
    fake.setSecret('MI-KEY', 'sk-managed-identity-88dd');
    process.env.IDENTITY_ENDPOINT = fake.identityEndpoint;
    process.env.IDENTITY_HEADER = fake.identityHeader;
    const gw = await startGateway(
      { ...secretManagerConfig(upstream.url, 'MI-KEY', { key_management_system: 'azure_key_vault' }), plugins: [{ use: PLUGIN, config: { credential: 'managed_identity', ...localVault } }] } as never,
      { env: { AZURE_KEY_VAULT_URI: fake.url, AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '', AZURE_TENANT_ID: '' } },
    );
    try {
      const res = await chat(gw);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-managed-identity-88dd');
    } finally {
      await gw.close();
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
    }
  });

  it('falls back to DefaultAzureCredential (its environment credential here) when nothing is configured', async () => {
    fake.setSecret('DEFAULT-KEY', 'sk-default-cred-99ee');
    const saved = { ...process.env };
    // DefaultAzureCredential reads the process environment itself, not the gateway's config.
    Object.assign(process.env, { AZURE_TENANT_ID: fake.tenantId, AZURE_CLIENT_ID: fake.clientId, AZURE_CLIENT_SECRET: fake.clientSecret, AZURE_AUTHORITY_HOST: fake.url });
    const before = fake.issued.filter((i) => i.via === 'client_secret').length;
    try {
      const gw = await startGateway(
        { ...secretManagerConfig(upstream.url, 'DEFAULT-KEY', { key_management_system: 'azure_key_vault' }), plugins: [{ use: PLUGIN, config: { credential: 'default', ...localVault } }] } as never,
        { env: { AZURE_KEY_VAULT_URI: fake.url } },
      );
      try {
        const res = await chat(gw);
        expect(res.status, res.text).toBe(200);
        expect(lastBearer(upstream)).toBe('sk-default-cred-99ee');
        expect(fake.issued.filter((i) => i.via === 'client_secret').length).toBeGreaterThan(before);
        expect(gw.logs.some((l) => l.includes('"credential":"default"'))).toBe(true);
      } finally {
        await gw.close();
      }
    } finally {
      for (const k of ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_AUTHORITY_HOST']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('refuses to start without AZURE_KEY_VAULT_URI, with LiteLLM\'s message', async () => {
    await expect(
      startGateway(secretManagerConfig(upstream.url, 'X', { key_management_system: 'azure_key_vault' }), { env: { AZURE_KEY_VAULT_URI: '' } }),
    ).rejects.toThrow('AZURE_KEY_VAULT_URI is not set');
  });
});
