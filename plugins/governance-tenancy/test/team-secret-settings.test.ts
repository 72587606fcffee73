/**
 * LiteLLM's team-level secret manager settings: `/team/new` / `/team/update` take
 * `secret_manager_settings` (kept in the team's metadata, checked), and a key of the team is
 * written to and deleted from the secret managers with them (`SecretWriteMeta.settings`, passed on
 * unchanged by the kernel's fan-out). secrets-vault's own test shows Vault honouring them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { client, tenancyConfig } from './tenancy-client.js';

interface Call {
  op: 'write' | 'remove';
  name: string;
  settings: unknown;
}
const calls: Call[] = ((globalThis as unknown as { __teamSecretCalls: Call[] }).__teamSecretCalls = []);

/** A manager that stores secrets and records where each write and delete was asked to go. */
const recordingManager = writeTestPlugin({
  id: 'secrets-team-recorder',
  manifestExtra: { provides: { secretResolver: true } },
  source: pluginSource(`
    const calls = globalThis.__teamSecretCalls;
    return { secretResolvers: [{
      name: 'team_recorder',
      get: async () => undefined,
      write: async (name, value, meta) => { calls.push({ op: 'write', name, settings: meta && meta.settings }); },
      remove: async (name, meta) => { calls.push({ op: 'remove', name, settings: meta && meta.settings }); },
    }] };`),
});

const VAULT_TEAM = { namespace: 'teams/team-a', mount: 'kv-team', path_prefix: 'keys', data: 'password' };

describe('team-level secret manager settings', () => {
  let gw: TestGateway;
  const api = client(() => gw);

  beforeAll(async () => {
    const config = tenancyConfig({
      general_settings: { master_key: MASTER_KEY, key_management_settings: { store_virtual_keys: true } },
      plugins: [{ use: 'secrets-team-recorder' }],
    } as Partial<SluiceConfig>);
    gw = await startGateway(config, { extraPluginDirs: [recordingManager] });
  });
  afterAll(() => gw?.close());
  beforeEach(() => void calls.splice(0));

  it('/team/new keeps secret_manager_settings in the metadata; the team\'s keys are written, rotated and deleted with them', async () => {
    const team = await api.ok('POST', '/team/new', { team_id: 'sms-a', metadata: { owner: 'ml' }, secret_manager_settings: VAULT_TEAM });
    expect(team.metadata).toEqual({ owner: 'ml', secret_manager_settings: VAULT_TEAM });
    expect((await api.ok('GET', '/team/info?team_id=sms-a')).team_info.metadata.secret_manager_settings).toEqual(VAULT_TEAM);

    const key = await api.ok('POST', '/key/generate', { team_id: 'sms-a', key_alias: 'sms-a-key' });
    expect(calls).toEqual([{ op: 'write', name: 'litellm/sms-a-key', settings: VAULT_TEAM }]);

    calls.splice(0);
    const rotated = await api.ok('POST', '/key/regenerate', { key: key.key, key_alias: 'sms-a-key-2' });
    expect(calls).toEqual([
      { op: 'write', name: 'litellm/sms-a-key-2', settings: VAULT_TEAM },
      { op: 'remove', name: 'litellm/sms-a-key', settings: VAULT_TEAM },
    ]);

    calls.splice(0);
    await api.ok('POST', '/key/delete', { keys: [rotated.key] });
    expect(calls).toEqual([{ op: 'remove', name: 'litellm/sms-a-key-2', settings: VAULT_TEAM }]);
  });

  it('a key without a team, or of a team without settings, goes to the managers\' defaults', async () => {
    await api.ok('POST', '/team/new', { team_id: 'sms-plain' });
    const teamKey = await api.ok('POST', '/key/generate', { team_id: 'sms-plain', key_alias: 'plain-team-key' });
    const loneKey = await api.ok('POST', '/key/generate', { key_alias: 'no-team-key' });
    await api.ok('POST', '/key/delete', { keys: [teamKey.key, loneKey.key] });
    expect(calls).toEqual([
      { op: 'write', name: 'litellm/plain-team-key', settings: undefined },
      { op: 'write', name: 'litellm/no-team-key', settings: undefined },
      { op: 'remove', name: 'litellm/plain-team-key', settings: undefined },
      { op: 'remove', name: 'litellm/no-team-key', settings: undefined },
    ]);
  });

  it('/team/update sets them over the team\'s metadata (keeping the rest); `{}` clears them', async () => {
    await api.ok('POST', '/team/new', { team_id: 'sms-later', metadata: { owner: 'search' } });
    const updated = await api.ok('POST', '/team/update', { team_id: 'sms-later', secret_manager_settings: { mount: 'kv-search' } });
    expect(updated.data.metadata).toEqual({ owner: 'search', secret_manager_settings: { mount: 'kv-search' } });
    await api.ok('POST', '/key/generate', { team_id: 'sms-later', key_alias: 'later-1' });
    await api.ok('POST', '/team/update', { team_id: 'sms-later', secret_manager_settings: {} });
    await api.ok('POST', '/key/generate', { team_id: 'sms-later', key_alias: 'later-2' });
    expect(calls).toEqual([
      { op: 'write', name: 'litellm/later-1', settings: { mount: 'kv-search' } },
      { op: 'write', name: 'litellm/later-2', settings: undefined },
    ]);
  });

  it('settings sent inside metadata (as LiteLLM stores them) are used and checked the same way', async () => {
    await api.ok('POST', '/team/new', { team_id: 'sms-meta', metadata: { secret_manager_settings: { namespace: 'teams/meta' } } });
    await api.ok('POST', '/key/generate', { team_id: 'sms-meta', key_alias: 'meta-key' });
    expect(calls).toEqual([{ op: 'write', name: 'litellm/meta-key', settings: { namespace: 'teams/meta' } }]);
    const bad = await api.post('/team/new', { team_id: 'sms-meta-bad', metadata: { secret_manager_settings: 'teams/meta' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('metadata.secret_manager_settings');
  });

  it('bad settings are refused at /team/new and /team/update, and nothing changes', async () => {
    const cases: Array<[unknown, string]> = [
      ['teams/team-a', 'Input should be a valid dictionary'],
      [['namespace', 'x'], 'Input should be a valid dictionary'],
      [{ namespace: 5 }, '`namespace` must be a string'],
      [{ mount: { name: 'kv' } }, '`mount` must be a string'],
      [{ path_prefix: '../other-team' }, 'Invalid path_prefix'],
      [{ namespace: 'teams/a/../b' }, 'Invalid namespace'],
      [{ data: '' }, '`data` must name the field'],
      [{ aws_region_name: 1 }, '`aws_region_name` must be a string'],
      [{ mount: 'kv\nteam' }, 'control characters'],
    ];
    for (const [settings, reason] of cases) {
      const r = await api.post('/team/new', { team_id: 'sms-bad', secret_manager_settings: settings });
      expect(r.status, JSON.stringify(settings)).toBe(400);
      expect(r.json.error).toMatchObject({ type: 'invalid_request_error', param: 'secret_manager_settings', code: '400' });
      expect(r.json.error.message).toContain(reason);
    }
    expect((await api.get('/team/info?team_id=sms-bad')).status).toBe(404);

    await api.ok('POST', '/team/new', { team_id: 'sms-keep', secret_manager_settings: { mount: 'kv-keep' } });
    const r = await api.post('/team/update', { team_id: 'sms-keep', secret_manager_settings: { path_prefix: 'a/../../b' } });
    expect(r.status).toBe(400);
    expect((await api.ok('GET', '/team/info?team_id=sms-keep')).team_info.metadata.secret_manager_settings).toEqual({ mount: 'kv-keep' });
  });
});

describe('who may set where keys are stored, and lift an IP list', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  let orgAdmin: string;

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig({ general_settings: { master_key: MASTER_KEY } } as Partial<SluiceConfig>));
    await api.ok('POST', '/organization/new', { organization_id: 'o-sms' });
    await api.ok('POST', '/user/new', { user_id: 'sms-orgadmin', auto_create_key: false });
    await api.ok('POST', '/organization/member_add', { organization_id: 'o-sms', member: { user_id: 'sms-orgadmin', role: 'org_admin' } });
    orgAdmin = await api.keyFor({ user_id: 'sms-orgadmin' });
  });
  afterAll(() => gw?.close());

  it('only a proxy admin sets secret_manager_settings (an org admin could make the gateway assume a role of its choosing)', async () => {
    const refused = await api.post('/team/new', { team_id: 'sms-org-1', organization_id: 'o-sms', secret_manager_settings: { aws_role_name: 'arn:aws:iam::1:role/mine' } }, orgAdmin);
    expect(refused.status, refused.text).toBe(403);
    expect((refused.json as { error: { message: string } }).error.message).toContain('Only a proxy_admin can set secret_manager_settings');
    await api.ok('POST', '/team/new', { team_id: 'sms-org-2', organization_id: 'o-sms' }, orgAdmin);
    const viaMetadata = await api.post('/team/update', { team_id: 'sms-org-2', metadata: { secret_manager_settings: { namespace: 'elsewhere' } } }, orgAdmin);
    expect(viaMetadata.status, viaMetadata.text).toBe(403);
    // The org admin still edits the rest of the metadata; a proxy admin sets the settings.
    await api.ok('POST', '/team/update', { team_id: 'sms-org-2', metadata: { owner: 'ml' } }, orgAdmin);
    await api.ok('POST', '/team/update', { team_id: 'sms-org-2', secret_manager_settings: { namespace: 'teams/ml' } });
    const kept = await api.post('/team/update', { team_id: 'sms-org-2', metadata: { owner: 'ml2', secret_manager_settings: { namespace: 'teams/ml' } } }, orgAdmin);
    expect(kept.status, kept.text).toBe(200);
  });

  it('a key owner cannot drop or widen the allowed_ips an admin put on its key', async () => {
    await api.ok('POST', '/user/new', { user_id: 'ips-user', user_role: 'internal_user', auto_create_key: false });
    const key = await api.keyFor({ user_id: 'ips-user', metadata: { allowed_ips: ['127.0.0.1', '10.0.0.0/8'] } });
    for (const metadata of [{}, { allowed_ips: [] }, { allowed_ips: ['127.0.0.1', '10.0.0.0/8', '0.0.0.0/0'] }]) {
      const r = await api.post('/key/update', { key, metadata }, key);
      expect(r.status, `${JSON.stringify(metadata)}: ${r.text}`).toBe(403);
      expect((r.json as { error: { message: string } }).error.message).toContain('metadata is limited by a proxy_admin');
    }
    // Narrowing is anyone's.
    await api.ok('POST', '/key/update', { key, metadata: { allowed_ips: ['127.0.0.1'] } }, key);
  });
});
