/**
 * LiteLLM's team-level secret manager settings in Vault: a team created with
 * `secret_manager_settings: {namespace, mount, path_prefix, data}` has its virtual keys written to
 * and deleted from `/v1/<namespace>/<mount>/data/<path_prefix>/litellm/<alias>` as
 * `{"<data>": key}`; a team without them uses the configured defaults. Through a real gateway and
 * the fake Vault (test/support/fake-vault.ts, proven against Vault's HTTP API in fake-vault.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeVault, type FakeVault } from '../../../test/support/fake-vault.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import type { SluiceConfig } from '../../../schemas/generated/config.js';

const ROOT = 'hvs.root-token-team-settings-01';
const TEAM_A = { namespace: 'teams/team-a', mount: 'kv-team', path_prefix: 'keys', data: 'password' };

const vaults: FakeVault[] = [];
const gateways: TestGateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  await Promise.all(vaults.splice(0).map((v) => v.close()));
});

async function setup(env: Record<string, string> = {}, vaultOpts: Parameters<typeof startFakeVault>[0] = {}) {
  const v = await startFakeVault({ rootToken: ROOT, namespaces: ['teams/team-a', 'teams/team-b'], mounts: ['secret', 'kv-team'], ...vaultOpts });
  vaults.push(v);
  const config = {
    model_list: [{ model_name: 'm', litellm_params: { model: 'fake/m' } }],
    general_settings: {
      master_key: MASTER_KEY,
      key_management_system: 'hashicorp_vault',
      key_management_settings: { store_virtual_keys: true, access_mode: 'read_and_write', description: 'Sluice virtual key' },
    },
  } as SluiceConfig;
  const gw = await startGateway(config, { env: { HCP_VAULT_ADDR: v.url, HCP_VAULT_TOKEN: ROOT, ...env } });
  gateways.push(gw);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  return { v, gw, post };
}

describe('secrets-vault: team-level secret manager settings', () => {
  it("a team's keys land in its own namespace, mount, prefix and data field; generate, regenerate and delete", async () => {
    const { v, post } = await setup();
    expect((await post('/team/new', { team_id: 'team-a', secret_manager_settings: TEAM_A })).status).toBe(200);
    const gen = await post('/key/generate', { team_id: 'team-a', key_alias: 'a-key' });
    expect(gen.status).toBe(200);
    const at = { namespace: 'teams/team-a', mount: 'kv-team' };
    expect(v.read('keys/litellm/a-key', at)).toEqual({ password: gen.json.key, description: 'Sluice virtual key' });
    expect(v.requests.find((r) => r.method === 'POST' && r.path.includes('a-key'))).toMatchObject({ path: '/v1/teams/team-a/kv-team/data/keys/litellm/a-key', status: 200 });
    // Not in the configured place.
    expect(v.read('litellm/a-key')).toBeUndefined();

    const regen = await post('/key/regenerate', { key: gen.json.key, key_alias: 'a-key-2' });
    expect(regen.status).toBe(200);
    expect(v.read('keys/litellm/a-key-2', at)).toMatchObject({ password: regen.json.key });
    expect(v.read('keys/litellm/a-key', at)).toBeUndefined();

    expect((await post('/key/delete', { keys: [regen.json.key] })).status).toBe(200);
    expect(v.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/v1/teams/team-a/kv-team/metadata/keys/litellm/a-key-2', status: 204 });
    expect(v.read('keys/litellm/a-key-2', at)).toBeUndefined();
  });

  it('a team without settings, and a key without a team, use HCP_VAULT_* defaults', async () => {
    const { v, post } = await setup({ HCP_VAULT_SECRET_NAMESPACE: 'teams/team-b' });
    expect((await post('/team/new', { team_id: 'plain' })).status).toBe(200);
    const teamKey = await post('/key/generate', { team_id: 'plain', key_alias: 'plain-key' });
    const loneKey = await post('/key/generate', { key_alias: 'lone-key' });
    expect(v.read('litellm/plain-key', { namespace: 'teams/team-b' })).toEqual({ key: teamKey.json.key, description: 'Sluice virtual key' });
    expect(v.read('litellm/lone-key', { namespace: 'teams/team-b' })).toMatchObject({ key: loneKey.json.key });
    expect((await post('/key/delete', { keys: [teamKey.json.key] })).status).toBe(200);
    expect(v.read('litellm/plain-key', { namespace: 'teams/team-b' })).toBeUndefined();
  });

  it("only the fields a team sets are overridden: a team's mount keeps the configured namespace and prefix", async () => {
    const { v, post } = await setup({ HCP_VAULT_SECRET_NAMESPACE: 'teams/team-b', HCP_VAULT_PATH_PREFIX: 'sluice' });
    expect((await post('/team/new', { team_id: 'mount-only', secret_manager_settings: { mount: 'kv-team' } })).status).toBe(200);
    const gen = await post('/key/generate', { team_id: 'mount-only', key_alias: 'm-key' });
    expect(gen.status).toBe(200);
    expect(v.read('sluice/litellm/m-key', { namespace: 'teams/team-b', mount: 'kv-team' })).toMatchObject({ key: gen.json.key });
  });

  it("a team whose Vault place refuses the write: /key/generate fails, naming Vault, and leaves no key", async () => {
    const { post, gw } = await setup();
    expect((await post('/team/new', { team_id: 'nowhere', secret_manager_settings: { mount: 'no-such-mount' } })).status).toBe(200);
    const gen = await post('/key/generate', { team_id: 'nowhere', key_alias: 'lost-key' });
    expect(gen.status).toBeGreaterThanOrEqual(500);
    expect(gen.json.error.message).toContain('Hashicorp Vault');
    const list = await fetch(`${gw.url}/key/list?key_alias=lost-key`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(((await list.json()) as { keys: unknown[] }).keys).toEqual([]);
  });

  it('bad settings are refused at /team/new before any key is written', async () => {
    const { v, post } = await setup();
    const bad = await post('/team/new', { team_id: 'bad', secret_manager_settings: { namespace: 'teams/team-a', path_prefix: '../../secret/data' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ param: 'secret_manager_settings', code: '400' });
    expect(v.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
