/**
 * Key rotation in the tenancy plugin: `auto_rotate` / `rotation_interval` schedule `key_rotation_at`
 * (shown by /key/info and /key/list), the `rotation_due` list filter the rotation job reads, the
 * grace period of a regeneration (request, then LITELLM_KEY_ROTATION_GRACE_PERIOD), virtual keys
 * stored in a secret manager (`key_management_settings.store_virtual_keys`) with failures that
 * leave nothing half done, and the master key branch of /key/regenerate.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { client, eventually, tenancyConfig } from './tenancy-client.js';

interface TestSecretStore {
  values: Map<string, string>;
  writes: Array<{ name: string; description?: string }>;
  failWrites: boolean;
  failRemoves: boolean;
}
const store: TestSecretStore = ((globalThis as unknown as { __rotationSecrets: TestSecretStore }).__rotationSecrets = {
  values: new Map(),
  writes: [],
  failWrites: false,
  failRemoves: false,
});

/** A secret manager that stores secrets (what an AWS/Vault plugin with store_virtual_keys provides), in memory. */
const secretStorePlugin = writeTestPlugin({
  id: 'secrets-test-store',
  manifestExtra: { provides: { secretResolver: true } },
  source: pluginSource(`
    const s = globalThis.__rotationSecrets;
    return { secretResolvers: [{
      name: 'test_store',
      get: async (name) => s.values.get(name),
      write: async (name, value, meta) => { if (s.failWrites) throw new Error('the vault is sealed'); s.values.set(name, value); s.writes.push({ name, description: meta && meta.description }); },
      remove: async (name) => { if (s.failRemoves) throw new Error('the vault is sealed'); s.values.delete(name); },
    }] };`),
});

const HOUR = 3_600_000;
const isoNear = (iso: unknown, expected: number, slackMs = 60_000) => typeof iso === 'string' && Math.abs(Date.parse(iso) - expected) < slackMs;

describe('key rotation fields, grace periods and stored keys', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  const generate = async (body: object = {}) => (await api.ok('POST', '/key/generate', body)) as { key: string; token: string } & Record<string, unknown>;
  const chat = (key: string) => api.send('POST', '/v1/chat/completions', { model: 'a', messages: [{ role: 'user', content: 'hi' }] }, key);

  beforeAll(async () => {
    const config = tenancyConfig({
      general_settings: {
        master_key: MASTER_KEY,
        key_management_settings: { store_virtual_keys: true, prefix_for_stored_virtual_keys: 'team-a', description: 'a sluice key' },
      },
      plugins: [{ use: 'secrets-test-store' }],
    } as Partial<SluiceConfig>);
    gw = await startGateway(config, { extraPluginDirs: [secretStorePlugin] });
  });
  afterAll(() => gw?.close());
  beforeEach(() => {
    store.failWrites = false;
    store.failRemoves = false;
  });

  it('auto_rotate with rotation_interval schedules key_rotation_at, shown by /key/info and /key/list', async () => {
    const before = Date.now();
    const g = await generate({ key_alias: 'rotating-1', auto_rotate: true, rotation_interval: '30d' });
    expect(g).toMatchObject({ auto_rotate: true, rotation_interval: '30d', rotation_count: 0, last_rotation_at: null });
    expect(isoNear(g.key_rotation_at, before + 30 * 24 * HOUR)).toBe(true);
    const info = (await api.ok('GET', `/key/info?key=${g.key}`)).info;
    expect(info).toMatchObject({ auto_rotate: true, rotation_interval: '30d', rotation_count: 0, last_rotation_at: null, key_rotation_at: g.key_rotation_at });
    const list = await api.ok('GET', '/key/list?key_alias=rotating-1&return_full_object=true');
    expect(list.keys[0]).toMatchObject({ auto_rotate: true, key_rotation_at: g.key_rotation_at, rotation_count: 0 });
  });

  it('/key/update reschedules: auto_rotate off clears key_rotation_at, a new interval counts from now', async () => {
    const g = await generate({ key_alias: 'rotating-2', auto_rotate: true, rotation_interval: '30d' });
    const off = await api.ok('POST', '/key/update', { key: g.key, auto_rotate: false });
    expect(off).toMatchObject({ auto_rotate: false, key_rotation_at: null });
    const before = Date.now();
    const on = await api.ok('POST', '/key/update', { key: g.key, auto_rotate: true, rotation_interval: '1d' });
    expect(on.rotation_interval).toBe('1d');
    expect(isoNear(on.key_rotation_at, before + 24 * HOUR)).toBe(true);
    const bad = await api.post('/key/update', { key: g.key, rotation_interval: 'weekly' });
    expect(bad.status).toBe(400);
  });

  it('rotation_due lists the keys whose rotation time has come, for proxy admins only', async () => {
    const soon = await generate({ key_alias: 'due-soon', auto_rotate: true, rotation_interval: '1s' });
    const later = await generate({ key_alias: 'due-later', auto_rotate: true, rotation_interval: '30d' });
    const plain = await generate({ key_alias: 'not-rotating', rotation_interval: '1s' });
    const dueTokens = async () => ((await api.ok('GET', '/key/list?rotation_due=true&size=100')).keys as string[]);
    expect(await eventually(async () => (await dueTokens()).includes(soon.token), 5_000)).toBe(true);
    const due = await dueTokens();
    expect(due).not.toContain(later.token);
    expect(due).not.toContain(plain.token);
    const user = await generate({ user_id: 'someone' });
    expect((await api.get('/key/list?rotation_due=true', user.key)).status).toBe(403);
  });

  it('regenerate with a grace_period: the old key works until it ends, then is refused', async () => {
    const g = await generate({ key_alias: 'graced' });
    expect((await chat(g.key)).status).toBe(200);
    const r = await api.ok('POST', `/key/${g.key}/regenerate`, { grace_period: '2s' });
    expect(r.grace_period_ends).toBeDefined();
    expect((await chat(g.key)).status).toBe(200);
    expect((await chat(r.key)).status).toBe(200);
    expect(await eventually(async () => (await chat(g.key)).status === 401, 6_000)).toBe(true);
    expect((await chat(r.key)).status).toBe(200);
    // The next regeneration purges grace hashes whose time has passed (LiteLLM's cleanup).
    const grace = () => (gw.gateway.storage.knex as Knex)('sluice_virtual_key_grace').where('revoke_at', '<=', Date.now()).count({ n: '*' });
    expect(Number((await grace())[0]!.n)).toBeGreaterThan(0);
    await api.ok('POST', '/key/regenerate', { key: r.key });
    expect(Number((await grace())[0]!.n)).toBe(0);
  });

  it('two regenerations of one key at once: one wins, the other finds no key (never two keys)', async () => {
    const g = await generate({ user_id: 'racer' });
    const answers = await Promise.all([1, 2, 3].map(() => api.post('/key/regenerate', { key: g.key })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404]);
    expect((await api.ok('GET', '/key/list?user_id=racer')).total_count).toBe(1);
  });

  it('generated, regenerated and deleted keys are written to and removed from the secret manager', async () => {
    const g = await generate({ key_alias: 'stored' });
    expect(store.values.get('team-a/stored')).toBe(g.key);
    expect(store.writes.at(-1)).toEqual({ name: 'team-a/stored', description: 'a sluice key' });
    const anonymous = await generate();
    expect(store.values.get(`team-a/virtual-key-${anonymous.token}`)).toBe(anonymous.key);

    const r = await api.ok('POST', '/key/regenerate', { key: g.key });
    expect(store.values.get('team-a/stored')).toBe(r.key);
    // Without an alias the name follows the hash: the old name goes, the new one comes.
    const r2 = await api.ok('POST', '/key/regenerate', { key: anonymous.key });
    expect(store.values.has(`team-a/virtual-key-${anonymous.token}`)).toBe(false);
    expect(store.values.get(`team-a/virtual-key-${r2.token}`)).toBe(r2.key);

    await api.ok('POST', '/key/delete', { keys: [r.key, r2.key] });
    expect(store.values.has('team-a/stored')).toBe(false);
    expect(store.values.has(`team-a/virtual-key-${r2.token}`)).toBe(false);
  });

  it('a secret manager refusing the write fails /key/generate and leaves no key', async () => {
    store.failWrites = true;
    const chosen = 'sk-never-created-1234';
    const r = await api.post('/key/generate', { key: chosen, key_alias: 'refused' });
    expect(r.status).toBe(502);
    expect(r.json.error.message).toContain('Could not store the key in the secret manager');
    expect(r.json.error.message).toContain('the vault is sealed');
    expect(r.json.error.message).toContain('the key was not created');
    expect(r.json.error.code).toBe('502');
    store.failWrites = false;
    expect((await api.get(`/key/info?key=${chosen}`)).status).toBe(404);
    expect((await chat(chosen)).status).toBe(401);
    expect((await api.ok('GET', '/key/list?key_alias=refused')).keys).toEqual([]);
  });

  it('a refused write fails /key/regenerate: the old key still works, the new one never did', async () => {
    const g = await generate({ key_alias: 'regen-refused' });
    store.failWrites = true;
    const r = await api.post('/key/regenerate', { key: g.key, new_key: 'sk-regenerated-never-1234' });
    expect(r.status).toBe(502);
    expect(r.json.error.message).toContain('the key was not regenerated and the old key still works');
    store.failWrites = false;
    expect((await chat(g.key)).status).toBe(200);
    expect((await chat('sk-regenerated-never-1234')).status).toBe(401);
    expect(store.values.get('team-a/regen-refused')).toBe(g.key);
  });

  it('a refused removal fails /key/delete: the key stays', async () => {
    const g = await generate({ key_alias: 'delete-refused' });
    store.failRemoves = true;
    const r = await api.post('/key/delete', { keys: [g.key] });
    expect(r.status).toBe(502);
    expect(r.json.error.message).toContain('the keys were not deleted');
    store.failRemoves = false;
    expect((await chat(g.key)).status).toBe(200);
    expect(store.values.get('team-a/delete-refused')).toBe(g.key);
  });

  it('with stored keys, auto_rotate needs a key_alias (LiteLLM)', async () => {
    const r = await api.post('/key/generate', { auto_rotate: true, rotation_interval: '30d' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe('key_alias is required when auto_rotate=True and store_virtual_keys is enabled. This ensures stable secret naming during rotation.');
  });

  it('the master key: new_master_key is required; new_master_key on another key is refused', async () => {
    const r = await api.post('/key/regenerate', { key: MASTER_KEY });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toBe('New master key is required.');
    const g = await generate();
    const wrong = await api.post('/key/regenerate', { key: g.key, new_master_key: 'sk-new-master-5678' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.param).toBe('new_master_key');
    // A non-admin naming the master key is refused before anything happens.
    const user = await generate({ user_id: 'not-admin' });
    expect((await api.post('/key/regenerate', { key: MASTER_KEY, new_master_key: 'sk-new-master-5678' }, user.key)).status).toBe(403);
  });
});

describe('LITELLM_KEY_ROTATION_GRACE_PERIOD', () => {
  let gw: TestGateway;
  const api = client(() => gw);

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig(), { env: { LITELLM_KEY_ROTATION_GRACE_PERIOD: '1h' } });
  });
  afterAll(() => gw?.close());

  it('is the grace period of a regeneration that names none', async () => {
    const g = (await api.ok('POST', '/key/generate', {})) as { key: string };
    const before = Date.now();
    const r = await api.ok('POST', '/key/regenerate', { key: g.key });
    expect(isoNear(r.grace_period_ends, before + HOUR)).toBe(true);
    const chat = (key: string) => api.send('POST', '/v1/chat/completions', { model: 'a', messages: [{ role: 'user', content: 'hi' }] }, key);
    expect((await chat(g.key)).status).toBe(200);
    expect((await chat(r.key)).status).toBe(200);
  });
});
