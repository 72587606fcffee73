/**
 * secrets-google-secret-manager against a local Secret Manager (test/support/fake-google-cloud.ts)
 * reached through the official client's endpoint override, over REST.
 */
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGoogleCloud, type FakeGoogleCloud } from '../../../test/support/fake-google-cloud.js';
import type { TestGateway } from '../../../test/support/gateway.js';
import type { MockOpenAI } from '../../../test/support/mock-openai.js';
import { chat, deleteKeys, generateKey, lastBearer, leakedValues, resolverOf, secretManagerConfig, startGateway, startUpstream, until } from '../../../test/support/secret-manager-checks.js';
import { secretId } from '../src/index.js';

const PLUGIN = 'secrets-google-secret-manager';
let fake: FakeGoogleCloud;
let upstream: MockOpenAI;

beforeAll(async () => {
  fake = await startFakeGoogleCloud();
  upstream = await startUpstream();
});
afterAll(async () => {
  await fake?.close();
  await upstream?.close();
});

const endpoint = () => ({ api_endpoint: fake.url });

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { GOOGLE_SECRET_MANAGER_PROJECT_ID: fake.projectId, GOOGLE_APPLICATION_CREDENTIALS: fake.serviceAccountFile, ...extra };
}

function gatewayConfig(ref: string, settings: Record<string, unknown> = {}, pluginConfig: Record<string, unknown> = {}) {
  return {
    ...secretManagerConfig(upstream.url, ref, { key_management_system: 'google_secret_manager', ...settings }),
    // The endpoint override is the one setting LiteLLM has no name for (it always calls
    // secretmanager.googleapis.com); everything else comes from LiteLLM's settings and env.
    plugins: [{ use: PLUGIN, config: { ...endpoint(), ...pluginConfig } }],
  } as never;
}

describe('the fake Secret Manager, driven by the official client', () => {
  const client = (keyFilename: string) =>
    new SecretManagerServiceClient({ apiEndpoint: '127.0.0.1', port: Number(new URL(fake.url).port), protocol: 'http', fallback: true, keyFilename } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);

  it('serves accessSecretVersion to a service account (self-signed JWT bearer) over REST', async () => {
    fake.setSecret('sdk-check', 'sdk-value-1');
    const [version] = await client(fake.serviceAccountFile).accessSecretVersion({ name: `projects/${fake.projectId}/secrets/sdk-check/versions/latest` });
    expect(Buffer.from(version.payload!.data as Uint8Array).toString()).toBe('sdk-value-1');
    const seen = fake.requests.at(-1)!;
    expect(seen.pathname).toBe(`/v1/projects/${fake.projectId}/secrets/sdk-check/versions/latest:access`);
    expect(seen.headers['x-goog-api-client']).toContain('rest/');
    expect(fake.authenticated.at(-1)).toBe('service_account');
  });

  it('serves createSecret + addSecretVersion + deleteSecret to workload identity (STS token exchange)', async () => {
    const c = client(fake.externalAccountFile);
    await c.createSecret({ parent: `projects/${fake.projectId}`, secretId: 'sdk-written', secret: { replication: { automatic: {} }, annotations: { team: 'a' } } });
    await c.addSecretVersion({ parent: `projects/${fake.projectId}/secrets/sdk-written`, payload: { data: Buffer.from('sdk-value-2') } });
    expect(fake.secrets.get('sdk-written')).toMatchObject({ versions: ['sdk-value-2'], annotations: { team: 'a' } });
    expect(fake.requests.some((r) => r.pathname === '/v1/token')).toBe(true);
    expect(fake.authenticated.at(-1)).toBe('workload_identity');
    await c.deleteSecret({ name: `projects/${fake.projectId}/secrets/sdk-written` });
    expect(fake.secrets.has('sdk-written')).toBe(false);
    expect(fake.refusals).toEqual([]);
  });

  it('refuses what Google refuses: no bearer, a forged JWT, another project, a missing secret', async () => {
    const path = `/v1/projects/${fake.projectId}/secrets/sdk-check/versions/latest:access`;
    expect((await fetch(`${fake.url}${path}`)).status).toBe(401);
    expect((await fetch(`${fake.url}${path}`, { headers: { authorization: 'Bearer e30.e30.AAAA', 'x-goog-api-client': 'rest/1' } })).status).toBe(401);
    const c = client(fake.serviceAccountFile);
    await expect(c.accessSecretVersion({ name: 'projects/someone-else/secrets/sdk-check/versions/latest' })).rejects.toMatchObject({ code: 403 });
    await expect(c.accessSecretVersion({ name: `projects/${fake.projectId}/secrets/missing/versions/latest` })).rejects.toMatchObject({ code: 404 });
    fake.refusals.length = 0;
  });
});

describe('secrets-google-secret-manager in a gateway', () => {
  let gw: TestGateway;
  const apiKey = 'sk-gsm-upstream-4be1c2';

  beforeAll(async () => {
    fake.setSecret('OPENAI_API_KEY', apiKey);
    gw = await startGateway(
      gatewayConfig('OPENAI_API_KEY', { key_management_settings: { store_virtual_keys: true, access_mode: 'read_and_write', description: 'sluice test', tags: { env: 'test' } } }),
      { env: env() },
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('is enabled by key_management_system: google_secret_manager and reads os.environ/OPENAI_API_KEY from it', async () => {
    expect(gw.gateway.plugins.map((p) => p.id)).toContain(PLUGIN);
    const res = await chat(gw);
    expect(res.status, res.text).toBe(200);
    expect(lastBearer(upstream)).toBe(apiKey);
    expect(fake.authenticated).toContain('service_account');
    expect(fake.refusals).toEqual([]);
  });

  it('writes virtual keys as a secret plus a version, under the prefix, with description and tags; deletes them', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(resolver.name).toBe('google_secret_manager');
    await resolver.write!('team-a.key', 'sk-virtual-gsm-1111', { tags: { owner: 'blue' } });
    expect(fake.secrets.get('litellm-team-a-key')).toMatchObject({ versions: ['sk-virtual-gsm-1111'], annotations: { env: 'test', owner: 'blue', description: 'sluice test' } });
    expect(secretId('litellm/team-a.key')).toBe('litellm-team-a-key');
    // Regenerated under the same alias: a new version of the same secret.
    await resolver.write!('team-a.key', 'sk-virtual-gsm-2222');
    expect(fake.secrets.get('litellm-team-a-key')?.versions).toEqual(['sk-virtual-gsm-1111', 'sk-virtual-gsm-2222']);
    await resolver.remove!('team-a.key');
    expect(fake.secrets.has('litellm-team-a-key')).toBe(false);
    await resolver.remove!('team-a.key');
  });

  it('stores a key made by /key/generate (store_virtual_keys) and deletes it with /key/delete', async () => {
    const made = await generateKey(gw, { key_alias: 'gen-key' });
    expect(made.status, JSON.stringify(made.json)).toBe(200);
    expect(fake.secrets.get('litellm-gen-key')).toMatchObject({ versions: [made.json.key], annotations: { env: 'test', description: 'sluice test' } });
    const gone = await deleteKeys(gw, [made.json.key]);
    expect(gone.status, JSON.stringify(gone.json)).toBe(200);
    expect(fake.secrets.has('litellm-gen-key')).toBe(false);
    expect(await leakedValues(gw, [made.json.key])).toEqual([]);
  });

  it('fails /key/generate with a clear error, and leaves no key, when Secret Manager refuses the write', async () => {
    fake.down = true;
    let made: Awaited<ReturnType<typeof generateKey>>;
    try {
      made = await generateKey(gw, { key_alias: 'unstorable-key' });
    } finally {
      fake.down = false;
    }
    expect(made.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(made.json)).toContain('google_secret_manager');
    expect(fake.secrets.has('litellm-unstorable-key')).toBe(false);
    // The alias is free: nothing was created in the gateway either.
    const again = await generateKey(gw, { key_alias: 'unstorable-key' });
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(fake.secrets.get('litellm-unstorable-key')?.versions).toEqual([again.json.key]);
  });

  it('answers undefined for a secret Secret Manager does not hold (the environment is asked next)', async () => {
    await expect(resolverOf(gw, PLUGIN).get('NOT_THERE')).resolves.toBeUndefined();
  });

  it('never shows a value in logs, error bodies or /health', async () => {
    expect(await leakedValues(gw, [apiKey, 'sk-virtual-gsm-1111', 'sk-virtual-gsm-2222'])).toEqual([]);
  });
});

describe('refresh, always-read and outage', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    fake.setSecret('REFRESHED_KEY', 'sk-gsm-before-aa11');
    gw = await startGateway(gatewayConfig('REFRESHED_KEY'), { env: env({ GOOGLE_SECRET_MANAGER_REFRESH_INTERVAL: '1' }) });
  });
  afterAll(async () => {
    fake.down = false;
    await gw?.close();
  });

  it('reads a new version after GOOGLE_SECRET_MANAGER_REFRESH_INTERVAL seconds', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(resolver.refreshIntervalMs).toBe(1000);
    expect(await resolver.get('REFRESHED_KEY')).toBe('sk-gsm-before-aa11');
    fake.setSecret('REFRESHED_KEY', 'sk-gsm-after-bb22');
    // (That the value is served from memory within the interval is checked with a controlled clock
    // in plugin-sdk/secret-manager.test.ts: here the gateway's own refresh reads in the background.)
    await until(async () => (await resolver.get('REFRESHED_KEY')) === 'sk-gsm-after-bb22', 10_000, 'the new version');
  });

  it('the gateway calls the upstream with the rotated key after a refresh, without a restart', async () => {
    await until(async () => (await chat(gw)).status === 200 && lastBearer(upstream) === 'sk-gsm-after-bb22', 10_000, 'the rotated key upstream');
  });

  it('keeps serving the cached value while Secret Manager does not answer, logging the outage once', async () => {
    const resolver = resolverOf(gw, PLUGIN);
    expect(await resolver.get('REFRESHED_KEY')).toBe('sk-gsm-after-bb22');
    fake.down = true;
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('REFRESHED_KEY')).toBe('sk-gsm-after-bb22');
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('REFRESHED_KEY')).toBe('sk-gsm-after-bb22');
    expect(gw.logs.filter((l) => l.includes('google_secret_manager could not be read'))).toHaveLength(1);
    expect(gw.gateway.metrics.registry.value('secrets_google_secret_manager_read_failures_total', { stale: 'true' })).toBeGreaterThanOrEqual(2);
    await expect(resolver.get('NEVER_READ')).rejects.toThrow();
    // The deployment keeps the value it has while the manager is down.
    const during = await chat(gw);
    expect(during.status, during.text).toBe(200);
    expect(lastBearer(upstream)).toBe('sk-gsm-after-bb22');
    fake.down = false;
  });

  it('asks on every lookup with GOOGLE_SECRET_MANAGER_ALWAYS_READ_SECRET_MANAGER=true', async () => {
    const always = await startGateway(gatewayConfig('REFRESHED_KEY'), { env: env({ GOOGLE_SECRET_MANAGER_ALWAYS_READ_SECRET_MANAGER: 'true' }) });
    try {
      const resolver = resolverOf(always, PLUGIN);
      await resolver.get('REFRESHED_KEY');
      fake.setSecret('REFRESHED_KEY', 'sk-gsm-always-cc33');
      expect(await resolver.get('REFRESHED_KEY')).toBe('sk-gsm-always-cc33');
    } finally {
      await always.close();
    }
  });
});

describe('workload identity and startup', () => {
  it('authenticates with an external_account credentials file (workload identity federation)', async () => {
    fake.setSecret('WIF_KEY', 'sk-gsm-wif-dd44');
    const gw = await startGateway(gatewayConfig('WIF_KEY'), { env: env({ GOOGLE_APPLICATION_CREDENTIALS: fake.externalAccountFile }) });
    try {
      const res = await chat(gw);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-gsm-wif-dd44');
      expect(fake.authenticated.at(-1)).toBe('workload_identity');
    } finally {
      await gw.close();
    }
  });

  it('reads every value from one JSON secret with primary_secret_name, and answers secret://google_secret_manager/NAME', async () => {
    fake.setSecret('litellm-config', JSON.stringify({ PRIMARY_KEY: 'sk-gsm-primary-ee55' }));
    fake.setSecret('DIRECT_KEY', 'sk-gsm-direct-ff66');
    const gw = await startGateway(gatewayConfig('PRIMARY_KEY', { key_management_settings: { primary_secret_name: 'litellm-config' } }), { env: env() });
    const direct = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'secret://google_secret_manager/DIRECT_KEY' } }],
        general_settings: { master_key: 'sk-test-master-1234', key_management_system: 'google_secret_manager' },
        plugins: [{ use: PLUGIN, config: endpoint() }],
      } as never,
      { env: env() },
    );
    try {
      const res = await chat(gw);
      expect(res.status, res.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-gsm-primary-ee55');
      const res2 = await chat(direct);
      expect(res2.status, res2.text).toBe(200);
      expect(lastBearer(upstream)).toBe('sk-gsm-direct-ff66');
      expect(await leakedValues(gw, ['sk-gsm-primary-ee55'])).toEqual([]);
    } finally {
      await gw.close();
      await direct.close();
    }
  });

  it('refuses to start without GOOGLE_SECRET_MANAGER_PROJECT_ID, with LiteLLM\'s message', async () => {
    await expect(startGateway(gatewayConfig('X'), { env: env({ GOOGLE_SECRET_MANAGER_PROJECT_ID: '' }) })).rejects.toThrow(
      "Google Secret Manager requires a project ID, please set 'GOOGLE_SECRET_MANAGER_PROJECT_ID' in your .env",
    );
  });
});
