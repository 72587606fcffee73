/**
 * secrets-aws-secrets-manager through a real gateway, against the fake Secrets Manager and STS
 * (test/support), which fake-aws.test.ts proved against the official SDK first.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SecretResolver } from '@sluice/plugin-sdk';
import { AwsCredentialRegistry } from '../../../test/support/fake-aws-json-service.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../../../test/support/fake-aws-secrets-manager.js';
import { startFakeSts, type FakeSts } from '../../../test/support/fake-aws-sts.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const REGION = 'eu-west-1';
const BASE = { accessKeyId: 'AKIAFAKEBASE0000001', secretAccessKey: 'base-secret-access-key-0001' };
const PROFILE = { accessKeyId: 'AKIAFAKEPROFILE0001', secretAccessKey: 'profile-secret-access-key-01' };
const ROLE = 'arn:aws:iam::123456789012:role/sluice-secrets';
const PROVIDER_KEY = 'sk-from-aws-secrets-manager-7f3a91';
const ENV_KEY = 'sk-from-the-environment-should-not-win';

const saved = { ...process.env };
const registry = new AwsCredentialRegistry();
registry.add(BASE);
registry.add(PROFILE);
let sm: FakeSecretsManager;
let sts: FakeSts;
let upstream: FakeUpstream;
const open: TestGateway[] = [];

beforeAll(async () => {
  sm = await startFakeSecretsManager({ region: REGION, credentials: registry });
  sts = await startFakeSts({ region: REGION, credentials: registry, roles: [{ arn: ROLE, externalId: 'ext-42', webIdentityToken: 'oidc-token-abc' }] });
  upstream = await startFakeUpstream((req, res) =>
    sendJson(res, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );
  // The SDK's default chain reads the process environment: long-term keys, nothing from ~/.aws, no IMDS.
  const home = mkdtempSync(join(tmpdir(), 'sluice-aws-'));
  writeFileSync(join(home, 'credentials'), `[sluice]\naws_access_key_id = ${PROFILE.accessKeyId}\naws_secret_access_key = ${PROFILE.secretAccessKey}\n`);
  writeFileSync(join(home, 'config'), `[profile sluice]\nregion = ${REGION}\n`);
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: BASE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BASE.secretAccessKey,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterEach(async () => {
  sm.down = false;
  await Promise.all(open.splice(0).map((g) => g.close()));
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([sm.close(), sts.close(), upstream.close()]);
});

function litellmConfig(settings: Record<string, unknown>, extra: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/OPENAI_API_KEY' } }],
    general_settings: {
      master_key: MASTER_KEY,
      key_management_system: 'aws_secret_manager',
      key_management_settings: { aws_region_name: REGION, ...settings },
      ...extra,
    },
  } as SluiceConfig;
}

async function start(config: SluiceConfig, env: Record<string, string> = {}): Promise<TestGateway> {
  const gw = await startGateway(config, { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, OPENAI_API_KEY: ENV_KEY, ...env } });
  open.push(gw);
  return gw;
}

function resolverOf(gw: TestGateway): SecretResolver {
  const plugin = gw.gateway.plugins.find((p) => p.id === 'secrets-aws-secrets-manager');
  expect(plugin, 'the plugin is enabled by key_management_system: aws_secret_manager').toBeDefined();
  return plugin!.instance.secretResolvers![0]!;
}

async function chat(gw: TestGateway): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, body: await res.json() };
}

describe('secrets-aws-secrets-manager: reading', () => {
  it('resolves a deployment api_key from Secrets Manager (LiteLLM key_management_system: aws_secret_manager)', async () => {
    sm.put('OPENAI_API_KEY', PROVIDER_KEY);
    const gw = await start(litellmConfig({}));
    const before = upstream.requests.length;
    const res = await chat(gw);
    expect(res.status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const read = sm.calls.find((c) => c.operation === 'GetSecretValue' && c.body.SecretId === 'OPENAI_API_KEY');
    expect(read?.accessKeyId).toBe(BASE.accessKeyId);
    expect(resolverOf(gw).name).toBe('aws_secret_manager');
    expect(resolverOf(gw).write, 'read_only by default: nothing is stored').toBeUndefined();
    expect(gw.gateway.warnings.filter((w) => w.includes('key_management')), 'the LiteLLM settings are taken, not reported as ignored').toEqual([]);
  });

  it('primary_secret_name: every value comes from one JSON secret; hosted_keys limits what is asked', async () => {
    sm.put('litellm_secrets', JSON.stringify({ OPENAI_API_KEY: 'sk-from-the-primary-secret-1', OTHER: 'x' }));
    const gw = await start(litellmConfig({ primary_secret_name: 'litellm_secrets', hosted_keys: ['OPENAI_API_KEY'] }));
    const before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe('Bearer sk-from-the-primary-secret-1');
    const resolver = resolverOf(gw);
    expect(await resolver.get('OTHER'), 'not a hosted key: left to the environment').toBeUndefined();
    expect(await resolver.get('MISSING_IN_PRIMARY')).toBeUndefined();
  });

  it('access_mode write_only reads nothing: the environment value is used', async () => {
    sm.put('OPENAI_API_KEY', PROVIDER_KEY);
    const gw = await start(litellmConfig({ access_mode: 'write_only', store_virtual_keys: true }));
    const before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe(`Bearer ${ENV_KEY}`);
    expect(resolverOf(gw).write).toBeTypeOf('function');
  });

  it('refresh: a changed secret is used after one refresh interval; an outage serves the cached value', async () => {
    sm.put('OPENAI_API_KEY', 'sk-aws-value-one-0001');
    const gw = await start(litellmConfig({}), { SECRET_MANAGER_REFRESH_INTERVAL: '1' });
    const resolver = resolverOf(gw);
    expect(resolver.refreshIntervalMs).toBe(1000);
    let before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe('Bearer sk-aws-value-one-0001');
    sm.put('OPENAI_API_KEY', 'sk-aws-value-two-0002');
    expect(await resolver.get('OPENAI_API_KEY'), 'cached within the interval').toBe('sk-aws-value-one-0001');
    // The gateway's refresh round re-reads the reference and rebuilds the deployment.
    await until(async () => {
      before = upstream.requests.length;
      await chat(gw);
      return upstream.requests[before]?.headers.authorization === 'Bearer sk-aws-value-two-0002';
    }, 15_000);

    sm.down = true;
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('OPENAI_API_KEY'), 'stale value while the service is down').toBe('sk-aws-value-two-0002');
    before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe('Bearer sk-aws-value-two-0002');
    expect(gw.logs.filter((l) => l.includes('AWS Secrets Manager could not be read: serving cached values')), 'logged once per outage').toHaveLength(1);
    expect(gw.gateway.metrics.registry.value('aws_secret_manager_stale_reads_total')).toBeGreaterThanOrEqual(1);
    await expect(resolver.get('NEVER_READ_BEFORE'), 'nothing cached: the failure shows').rejects.toThrow();
    sm.down = false;
    await new Promise((r) => setTimeout(r, 1100));
    expect(await resolver.get('OPENAI_API_KEY')).toBe('sk-aws-value-two-0002');
    expect(gw.logs.some((l) => l.includes('AWS Secrets Manager answers again'))).toBe(true);
  });
});

describe('secrets-aws-secrets-manager: writing virtual keys', () => {
  it('write stores <prefix><name> with description and tags; remove schedules deletion with a 7-day window', async () => {
    const gw = await start(
      litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write', description: 'Sluice virtual key', tags: { Environment: 'Prod' }, kms_key_id: 'alias/sluice' }),
    );
    const resolver = resolverOf(gw);
    await resolver.write!('my-key-alias', 'sk-virtual-key-0001', { tags: { Owner: 'team-a' } });
    const stored = sm.secrets.get('litellm/my-key-alias');
    expect(stored?.value).toBe('sk-virtual-key-0001');
    expect(stored?.description).toBe('Sluice virtual key');
    expect(stored?.kmsKeyId).toBe('alias/sluice');
    expect(stored?.tags).toEqual([
      { Key: 'Environment', Value: 'Prod' },
      { Key: 'Owner', Value: 'team-a' },
    ]);
    // Written again (a regenerated key): a new version of the same secret.
    await resolver.write!('my-key-alias', 'sk-virtual-key-0002');
    expect(sm.secrets.get('litellm/my-key-alias')?.value).toBe('sk-virtual-key-0002');
    expect(sm.calls.some((c) => c.operation === 'PutSecretValue')).toBe(true);

    await resolver.remove!('my-key-alias');
    const del = sm.calls.filter((c) => c.operation === 'DeleteSecret').at(-1);
    expect(del?.body).toEqual({ SecretId: 'litellm/my-key-alias', RecoveryWindowInDays: 7 });
    expect(sm.secrets.get('litellm/my-key-alias')?.deletedDate).toBeDefined();
    await resolver.remove!('never-stored');

    // Stored again while scheduled for deletion: restored and updated in place, as LiteLLM does.
    await resolver.write!('my-key-alias', 'sk-virtual-key-0003');
    expect(sm.secrets.get('litellm/my-key-alias')?.deletedDate).toBeUndefined();
    expect(sm.secrets.get('litellm/my-key-alias')?.value).toBe('sk-virtual-key-0003');
    expect(sm.calls.map((c) => c.operation)).toEqual(expect.arrayContaining(['RestoreSecret', 'UpdateSecret', 'TagResource']));
  });

  it('/key/generate, /key/regenerate and /key/delete through the gateway store, update and delete litellm/<alias>', async () => {
    const gw = await start(litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write', tags: { Environment: 'Prod' } }));
    const headers = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };
    const gen = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers, body: JSON.stringify({ key_alias: 'aws-round-trip' }) });
    expect(gen.status).toBe(200);
    const { key } = (await gen.json()) as { key: string };
    expect(sm.secrets.get('litellm/aws-round-trip')).toMatchObject({ value: key, tags: [{ Key: 'Environment', Value: 'Prod' }] });
    // Regenerated: the same secret gets the new key as a new version.
    const regen = await fetch(`${gw.url}/key/regenerate`, { method: 'POST', headers, body: JSON.stringify({ key }) });
    expect(regen.status).toBe(200);
    const fresh = ((await regen.json()) as { key: string }).key;
    expect(fresh).not.toBe(key);
    expect(sm.secrets.get('litellm/aws-round-trip')?.value).toBe(fresh);
    const del = await fetch(`${gw.url}/key/delete`, { method: 'POST', headers, body: JSON.stringify({ keys: [fresh] }) });
    expect(del.status).toBe(200);
    expect(sm.secrets.get('litellm/aws-round-trip')?.deletedDate).toBeDefined();
  });

  it('a write the service refuses rejects with a coded error naming the secret', async () => {
    const gw = await start(litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write' }));
    sm.down = true;
    await expect(resolverOf(gw).write!('k', 'sk-virtual-key-0009')).rejects.toMatchObject({ code: 'SECRETS_AWS_SECRETS_MANAGER_WRITE_FAILED', status: 502 });
  });
});

describe('secrets-aws-secrets-manager: AWS authentication', () => {
  it('aws_role_name + aws_external_id: STS AssumeRole, then requests signed with the session credentials', async () => {
    sm.put('OPENAI_API_KEY', PROVIDER_KEY);
    const gw = await start(litellmConfig({ aws_role_name: ROLE, aws_session_name: 'sluice-gw', aws_external_id: 'ext-42', aws_sts_endpoint: sts.url }));
    const before = upstream.requests.length;
    expect((await chat(gw)).status).toBe(200);
    expect(upstream.requests[before]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const assumed = sts.calls.filter((c) => c.action === 'AssumeRole' && c.issued).at(-1)!;
    expect(assumed.params).toMatchObject({ RoleArn: ROLE, RoleSessionName: 'sluice-gw', ExternalId: 'ext-42' });
    expect(assumed.signedBy).toBe(BASE.accessKeyId);
    const read = sm.calls.filter((c) => c.operation === 'GetSecretValue').at(-1)!;
    expect(read.accessKeyId).toBe(assumed.issued!.accessKeyId);
  });

  it('a wrong external id: the role is not assumed and the reference is unreadable', async () => {
    // hosted_keys: only TEAM_OPENAI_KEY is asked for (provider plugins read OPENAI_API_KEY and others at setup,
    // and the kernel refuses to start when such a read fails).
    const config = litellmConfig({ aws_role_name: ROLE, aws_external_id: 'wrong', aws_sts_endpoint: sts.url, hosted_keys: ['TEAM_OPENAI_KEY'] });
    config.model_list![0]!.litellm_params.api_key = 'os.environ/TEAM_OPENAI_KEY';
    const gw = await start(config);
    expect(gw.logs.some((l) => l.includes('os.environ/TEAM_OPENAI_KEY could not be read') && l.includes('not authorized to perform: sts:AssumeRole'))).toBe(true);
    await expect(resolverOf(gw).get('TEAM_OPENAI_KEY')).rejects.toThrow(/not authorized to perform: sts:AssumeRole/);
    expect(sts.calls.filter((c) => c.action === 'AssumeRole').at(-1)?.params.ExternalId).toBe('wrong');
  });

  it('aws_web_identity_token + aws_role_name: STS AssumeRoleWithWebIdentity', async () => {
    sm.put('OPENAI_API_KEY', PROVIDER_KEY);
    const gw = await start(litellmConfig({ aws_role_name: ROLE, aws_web_identity_token: 'os.environ/OIDC_TOKEN', aws_sts_endpoint: sts.url }), { OIDC_TOKEN: 'oidc-token-abc' });
    expect(await resolverOf(gw).get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);
    const call = sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity' && c.issued).at(-1)!;
    expect(call.params.WebIdentityToken).toBe('oidc-token-abc');
    expect(sm.calls.at(-1)?.accessKeyId).toBe(call.issued!.accessKeyId);
  });

  it('IRSA: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN through the default chain (AWS_ENDPOINT_URL_STS honoured by the SDK)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-irsa-'));
    writeFileSync(join(dir, 'token'), 'oidc-token-abc');
    const keep = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    Object.assign(process.env, { AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'token'), AWS_ROLE_ARN: ROLE, AWS_ROLE_SESSION_NAME: 'irsa-pod', AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: REGION });
    try {
      sm.put('OPENAI_API_KEY', PROVIDER_KEY);
      const gw = await start(litellmConfig({}));
      expect(await resolverOf(gw).get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);
      const call = sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity' && c.issued).at(-1)!;
      expect(call.params.RoleSessionName).toBe('irsa-pod');
      expect(sm.calls.at(-1)?.accessKeyId).toBe(call.issued!.accessKeyId);
    } finally {
      for (const k of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_ENDPOINT_URL_STS', 'AWS_REGION']) delete process.env[k];
      process.env.AWS_ACCESS_KEY_ID = keep.id;
      process.env.AWS_SECRET_ACCESS_KEY = keep.secret;
    }
  });

  it('aws_profile_name: signs with that profile of the shared credentials file', async () => {
    sm.put('OPENAI_API_KEY', PROVIDER_KEY);
    const gw = await start(litellmConfig({ aws_profile_name: 'sluice' }));
    expect(await resolverOf(gw).get('OPENAI_API_KEY')).toBe(PROVIDER_KEY);
    expect(sm.calls.at(-1)?.accessKeyId).toBe(PROFILE.accessKeyId);
  });
});

describe('secrets-aws-secrets-manager: never leaked', () => {
  it('no secret value appears in logs, error bodies or /health', async () => {
    sm.put('OPENAI_API_KEY', PROVIDER_KEY);
    const gw = await start(litellmConfig({ store_virtual_keys: true, access_mode: 'read_and_write' }));
    await resolverOf(gw).write!('leak-check', 'sk-virtual-key-leak-0001');
    const texts: string[] = [];
    for (const path of ['/health', '/health/liveliness', '/health/readiness']) {
      const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      texts.push(await res.text());
    }
    // An upstream failure whose message carries the key: the gateway's error body must not.
    upstream.reply = (req, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}`, type: 'invalid_request_error' } });
    try {
      texts.push(JSON.stringify((await chat(gw)).body));
    } finally {
      upstream.reply = (req, res) =>
        sendJson(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    }
    texts.push(...gw.logs);
    for (const value of [PROVIDER_KEY, BASE.secretAccessKey]) {
      expect(texts.filter((t) => t.includes(value))).toEqual([]);
    }
  });
});

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
