/**
 * secrets-aws-kms through a real gateway against the fake KMS (test/support/fake-aws-kms.ts; the
 * official SDK drives it first in plugins/secrets-aws-secrets-manager/test/fake-aws.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsCredentialRegistry } from '../../../test/support/fake-aws-json-service.js';
import { startFakeKms, type FakeKms } from '../../../test/support/fake-aws-kms.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const REGION = 'us-west-2';
const CREDS = { accessKeyId: 'AKIAFAKEKMS00000001', secretAccessKey: 'kms-secret-access-key-0001' };
const MASTER = 'sk-master-key-from-kms-1a2b3c';
const PROVIDER = 'sk-provider-key-from-kms-4d5e6f';
const SECOND = 'sk-second-key-from-kms-7a8b9c';

const saved = { ...process.env };
const registry = new AwsCredentialRegistry();
registry.add(CREDS);
let kms: FakeKms;
let upstream: FakeUpstream;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  kms = await startFakeKms({ region: REGION, credentials: registry });
  upstream = await startFakeUpstream((_req, res) =>
    sendJson(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
  );
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([kms.close(), upstream.close()]);
});

function config(extra: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'first', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/TEAM_KEY' } },
      { model_name: 'second', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/SECOND_KEY' } },
      { model_name: 'plain', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: 'os.environ/PLAIN_KEY' } },
    ],
    general_settings: { master_key: 'os.environ/LITELLM_MASTER_KEY', key_management_system: 'aws_kms', ...extra },
  } as SluiceConfig;
}

async function start(cfg: SluiceConfig, env: Record<string, string>): Promise<TestGateway> {
  const gw = await startGateway(cfg, { env: { AWS_REGION_NAME: REGION, AWS_ENDPOINT_URL_KMS: kms.url, ...env } });
  gateways.push(gw);
  return gw;
}

async function chat(gw: TestGateway, model: string, key: string) {
  const before = upstream.requests.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.status, text: await res.text(), upstreamAuth: upstream.requests[before]?.headers.authorization };
}

describe('secrets-aws-kms', () => {
  it('decrypts os.environ/ values encrypted with KMS: a ciphertext, aws_kms/<ciphertext>, LITELLM_SECRET_AWS_KMS_<NAME>', async () => {
    const gw = await start(config(), {
      LITELLM_MASTER_KEY: kms.encrypt(MASTER),
      TEAM_KEY: `aws_kms/${kms.encrypt(PROVIDER)}`,
      LITELLM_SECRET_AWS_KMS_SECOND_KEY: kms.encrypt(`  ${SECOND}\n`),
      SECOND_KEY: 'not-used-the-kms-variable-wins',
      PLAIN_KEY: 'sk-plain-environment-value',
    });
    expect(gw.gateway.plugins.some((p) => p.id === 'secrets-aws-kms')).toBe(true);
    // general_settings.master_key held a ciphertext: the plaintext is the master key.
    const first = await chat(gw, 'first', MASTER);
    expect(first.status).toBe(200);
    expect(first.upstreamAuth).toBe(`Bearer ${PROVIDER}`);
    expect((await chat(gw, 'second', MASTER)).upstreamAuth, 'LITELLM_SECRET_AWS_KMS_ prefix, plaintext trimmed').toBe(`Bearer ${SECOND}`);
    expect((await chat(gw, 'plain', MASTER)).upstreamAuth, 'a plain value stays as it is').toBe('Bearer sk-plain-environment-value');
    expect((await chat(gw, 'first', kms.encrypt(MASTER))).status, 'the ciphertext itself is not the master key').toBe(401);
    const decrypts = kms.calls.filter((c) => c.operation === 'Decrypt');
    expect(decrypts.length).toBeGreaterThanOrEqual(3);
    expect(decrypts.every((c) => c.accessKeyId === CREDS.accessKeyId)).toBe(true);
    expect(decrypts.every((c) => typeof c.body.CiphertextBlob === 'string')).toBe(true);
  });

  it('a value marked aws_kms/ that KMS refuses is unreadable (never used as the ciphertext); nothing leaks', async () => {
    const bad = kms.encrypt(PROVIDER);
    const tampered = Buffer.from(bad, 'base64');
    tampered[tampered.length - 1] ^= 1;
    const gw = await start(config({ master_key: 'sk-plain-master-0001' }), {
      TEAM_KEY: `aws_kms/${tampered.toString('base64')}`,
      SECOND_KEY: `aws_kms/${kms.encrypt(SECOND)}`,
      PLAIN_KEY: 'plain',
    });
    expect(gw.logs.some((l) => l.includes('os.environ/TEAM_KEY could not be read') && l.includes('InvalidCiphertextException'))).toBe(true);
    const res = await chat(gw, 'first', 'sk-plain-master-0001');
    expect(res.upstreamAuth ?? '', 'no ciphertext sent upstream').not.toContain('aws_kms/');
    const texts = [...gw.logs, res.text, await (await fetch(`${gw.url}/health`, { headers: { authorization: 'Bearer sk-plain-master-0001' } })).text()];
    expect((await chat(gw, 'second', 'sk-plain-master-0001')).upstreamAuth).toBe(`Bearer ${SECOND}`);
    for (const value of [SECOND, PROVIDER, CREDS.secretAccessKey]) expect(texts.filter((t) => t.includes(value))).toEqual([]);
  });

  it('hosted_keys: only those names are decrypted', async () => {
    const ct = kms.encrypt(PROVIDER);
    const gw = await start(config({ master_key: 'sk-plain-master-0002', key_management_settings: { hosted_keys: ['SECOND_KEY'] } }), {
      TEAM_KEY: ct,
      SECOND_KEY: kms.encrypt(SECOND),
      PLAIN_KEY: 'plain',
    });
    expect((await chat(gw, 'second', 'sk-plain-master-0002')).upstreamAuth).toBe(`Bearer ${SECOND}`);
    expect((await chat(gw, 'first', 'sk-plain-master-0002')).upstreamAuth, 'not hosted: the environment value as it is').toBe(`Bearer ${ct}`);
  });
});

describe.skipIf(!backends.postgres)(`secrets-aws-kms: variables read directly ${backends.skipReason.postgres ?? ''}`, () => {
  it('decrypts DATABASE_URL and an environment-only LITELLM_MASTER_KEY before the gateway uses them', async () => {
    const db = await createPostgresSchema(backends.postgres!);
    try {
      const cfg = { ...config(), general_settings: { key_management_system: 'aws_kms' } } as SluiceConfig;
      const gw = await start(cfg, { DATABASE_URL: kms.encrypt(db.url), LITELLM_MASTER_KEY: `aws_kms/${kms.encrypt(MASTER)}`, TEAM_KEY: 'sk-plain-team' });
      expect(gw.gateway.storage.dialect).toBe('postgres');
      const ok = await chat(gw, 'first', MASTER);
      expect(ok.status).toBe(200);
      // A key generated with the decrypted master key lands in the decrypted database.
      const res = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
      expect(gw.logs.join('\n')).not.toContain(MASTER);
    } finally {
      await Promise.all(gateways.splice(0).map((g) => g.close()));
      await db.drop();
    }
  });
});
