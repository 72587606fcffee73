/**
 * LiteLLM's team-level secret manager settings in AWS Secrets Manager: a team whose
 * `secret_manager_settings` name AWS auth fields (here a role to assume with an external id) has
 * its virtual keys written and deleted with a client built from them, as LiteLLM's
 * `_prepare_request` applies `optional_params` over the instance's settings; other keys use the
 * configured credentials. Through a real gateway, the SigV4-verifying fake Secrets Manager and
 * fake STS (both proven against the SDK in fake-aws.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsCredentialRegistry } from '../../../test/support/fake-aws-json-service.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../../../test/support/fake-aws-secrets-manager.js';
import { startFakeSts, type FakeSts } from '../../../test/support/fake-aws-sts.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const REGION = 'eu-west-1';
const BASE = { accessKeyId: 'AKIAFAKETEAMBASE0001', secretAccessKey: 'team-base-secret-access-key-1' };
const TEAM_ROLE = 'arn:aws:iam::123456789012:role/team-ml-secrets';

const saved = { ...process.env };
const registry = new AwsCredentialRegistry();
registry.add(BASE);
let sm: FakeSecretsManager;
let sts: FakeSts;
const open: TestGateway[] = [];

beforeAll(async () => {
  sm = await startFakeSecretsManager({ region: REGION, credentials: registry });
  sts = await startFakeSts({ region: REGION, credentials: registry, roles: [{ arn: TEAM_ROLE, externalId: 'team-ml-ext' }] });
  // The default chain reads the process environment: long-term keys only, no IMDS.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: BASE.accessKeyId, AWS_SECRET_ACCESS_KEY: BASE.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([sm.close(), sts.close()]);
});

async function start() {
  const config = {
    model_list: [{ model_name: 'm', litellm_params: { model: 'fake/m' } }],
    general_settings: {
      master_key: MASTER_KEY,
      key_management_system: 'aws_secret_manager',
      key_management_settings: { aws_region_name: REGION, store_virtual_keys: true, access_mode: 'read_and_write' },
    },
  } as SluiceConfig;
  const gw = await startGateway(config, { env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url } });
  open.push(gw);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  return { gw, post };
}

const signerOf = (operation: string, secretId: string) =>
  sm.calls.filter((c) => c.operation === operation && (c.body.Name === secretId || c.body.SecretId === secretId)).at(-1)?.accessKeyId;

describe('secrets-aws-secrets-manager: team-level secret manager settings', () => {
  it("a team's aws_role_name + aws_external_id: its keys are stored and deleted as that role; other keys with the configured credentials", async () => {
    const { post } = await start();
    const settings = { aws_role_name: TEAM_ROLE, aws_external_id: 'team-ml-ext', aws_session_name: 'team-ml', aws_sts_endpoint: sts.url };
    expect((await post('/team/new', { team_id: 'team-ml', secret_manager_settings: settings })).status).toBe(200);

    const teamKey = await post('/key/generate', { team_id: 'team-ml', key_alias: 'ml-key' });
    expect(teamKey.status).toBe(200);
    expect(sm.secrets.get('litellm/ml-key')?.value).toBe(teamKey.json.key);
    const assumed = sts.calls.filter((c) => c.action === 'AssumeRole' && c.issued).at(-1)!;
    expect(assumed.params).toMatchObject({ RoleArn: TEAM_ROLE, ExternalId: 'team-ml-ext', RoleSessionName: 'team-ml' });
    expect(assumed.signedBy).toBe(BASE.accessKeyId);
    expect(signerOf('CreateSecret', 'litellm/ml-key')).toBe(assumed.issued!.accessKeyId);

    const loneKey = await post('/key/generate', { key_alias: 'lone-key' });
    expect(loneKey.status).toBe(200);
    expect(signerOf('CreateSecret', 'litellm/lone-key')).toBe(BASE.accessKeyId);

    expect((await post('/key/delete', { keys: [teamKey.json.key, loneKey.json.key] })).status).toBe(200);
    expect(signerOf('DeleteSecret', 'litellm/ml-key')).toBe(assumed.issued!.accessKeyId);
    expect(signerOf('DeleteSecret', 'litellm/lone-key')).toBe(BASE.accessKeyId);
    expect(sm.secrets.get('litellm/ml-key')?.deletedDate).toBeDefined();
  });

  it("a team's role that refuses (wrong external id): /key/generate fails and leaves no key", async () => {
    const { gw, post } = await start();
    const settings = { aws_role_name: TEAM_ROLE, aws_external_id: 'not-the-id', aws_sts_endpoint: sts.url };
    expect((await post('/team/new', { team_id: 'team-bad-role', secret_manager_settings: settings })).status).toBe(200);
    const gen = await post('/key/generate', { team_id: 'team-bad-role', key_alias: 'refused-key' });
    expect(gen.status).toBeGreaterThanOrEqual(500);
    expect(gen.json.error.message).toContain('AWS Secrets Manager');
    expect(sm.secrets.has('litellm/refused-key')).toBe(false);
    const list = await fetch(`${gw.url}/key/list?key_alias=refused-key`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(((await list.json()) as { keys: unknown[] }).keys).toEqual([]);
  });
});
