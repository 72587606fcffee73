/**
 * Two secret managers at once (Vault enabled by LiteLLM's key_management_system, AWS Secrets
 * Manager by `plugins:`): `secret://<manager>/NAME` asks one of them, `os.environ/NAME` asks both
 * in load order then the environment, and a generated key is stored in both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsCredentialRegistry } from '../../../test/support/fake-aws-json-service.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../../../test/support/fake-aws-secrets-manager.js';
import { startFakeVault, type FakeVault } from '../../../test/support/fake-vault.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const ROOT = 'hvs.root-token-two-managers';
const AWS = { accessKeyId: 'AKIAFAKETWOMANAGERS1', secretAccessKey: 'two-managers-secret-access-key' };
const saved = { ...process.env };
let vault: FakeVault;
let sm: FakeSecretsManager;
let upstream: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  const registry = new AwsCredentialRegistry();
  registry.add(AWS);
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' });
  delete process.env.AWS_SESSION_TOKEN;
  vault = await startFakeVault({ rootToken: ROOT });
  sm = await startFakeSecretsManager({ region: 'eu-west-1', credentials: registry });
  upstream = await startFakeUpstream((_req, res) =>
    sendJson(res, 200, { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
  );
  vault.put('TEAM_KEY', { key: 'sk-team-key-in-vault-001' });
  sm.put('TEAM_KEY', 'sk-team-key-in-aws-0002');
  sm.put('ONLY_IN_AWS', 'sk-only-in-aws-0003');
  const deployment = (name: string, ref: string) => ({ model_name: name, litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: ref } });
  const config = {
    model_list: [
      deployment('from-vault', 'secret://hashicorp_vault/TEAM_KEY'),
      deployment('from-aws', 'secret://aws_secret_manager/TEAM_KEY'),
      deployment('first-that-has-it', 'os.environ/ONLY_IN_AWS'),
    ],
    general_settings: {
      master_key: MASTER_KEY,
      key_management_system: 'hashicorp_vault',
      key_management_settings: { store_virtual_keys: true, access_mode: 'read_and_write', hosted_keys: ['TEAM_KEY', 'ONLY_IN_AWS'] },
    },
    plugins: [{ use: 'secrets-aws-secrets-manager', config: { aws_region_name: 'eu-west-1', endpoint_url: sm.url } }],
  } as SluiceConfig;
  gw = await startGateway(config, { env: { HCP_VAULT_ADDR: vault.url, HCP_VAULT_TOKEN: ROOT } });
});

afterAll(async () => {
  process.env = saved;
  await gw?.close();
  await Promise.all([vault.close(), sm.close(), upstream.close()]);
});

async function upstreamKeyFor(model: string): Promise<string | undefined> {
  const before = upstream.requests.length;
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  expect(res.status).toBe(200);
  return upstream.requests[before]?.headers.authorization as string | undefined;
}

describe('two secret managers', () => {
  it('secret://<manager>/NAME reads from that manager; os.environ/NAME from the first that has it', async () => {
    expect(await upstreamKeyFor('from-vault')).toBe('Bearer sk-team-key-in-vault-001');
    expect(await upstreamKeyFor('from-aws')).toBe('Bearer sk-team-key-in-aws-0002');
    expect(await upstreamKeyFor('first-that-has-it')).toBe('Bearer sk-only-in-aws-0003');
  });

  it('a generated key is stored in both managers, and deleted from both', async () => {
    const headers = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' };
    const gen = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers, body: JSON.stringify({ key_alias: 'both-managers' }) });
    expect(gen.status).toBe(200);
    const { key } = (await gen.json()) as { key: string };
    expect(vault.read('litellm/both-managers')).toMatchObject({ key });
    expect(sm.secrets.get('litellm/both-managers')?.value).toBe(key);
    expect((await fetch(`${gw.url}/key/delete`, { method: 'POST', headers, body: JSON.stringify({ keys: [key] }) })).status).toBe(200);
    expect(vault.read('litellm/both-managers')).toBeUndefined();
    expect(sm.secrets.get('litellm/both-managers')?.deletedDate).toBeDefined();
  });
});
