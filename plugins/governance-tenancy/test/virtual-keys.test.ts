/** Virtual keys end to end: the /key/* API, authenticating with issued keys, and cross-instance invalidation. */
import { join } from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import type { AuditEvent } from '@sluice/plugin-sdk';
import { client as tenancyClient } from './tenancy-client.js';

const audits = ((globalThis as unknown as { __vkAudit: AuditEvent[] }).__vkAudit = [] as AuditEvent[]);

const config = (): SluiceConfig =>
  ({
    model_list: [
      { model_name: 'a', litellm_params: { model: 'fake/a' } },
      { model_name: 'b', litellm_params: { model: 'fake/b' } },
    ],
    general_settings: { master_key: MASTER_KEY },
  }) as SluiceConfig;

/** The tenancy tests' client, with a chat on a chosen model and a checked /key/generate. */
function client(gw: () => TestGateway) {
  const api = tenancyClient(gw);
  return {
    ...api,
    chat: (key: string, model = 'a') => api.send('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, key),
    generate: async (body: object = {}) => (await api.ok('POST', '/key/generate', body)) as { key: string; token: string } & Record<string, unknown>,
  };
}

describe('virtual keys on SQLite', () => {
  let gw: TestGateway;
  let dbFile: string;
  const api = client(() => gw);

  beforeAll(async () => {
    dbFile = join(tempDir(), 'sluice.db');
    const recorder = writeTestPlugin({
      id: 'audit-recorder',
      hooks: { onAudit: { stage: 'OBSERVE' } },
      source: pluginSource('return { onAudit: async (e) => { globalThis.__vkAudit.push(e); } };'),
    });
    gw = await startGateway({ ...config(), plugins: [{ use: 'audit-recorder' }] } as SluiceConfig, {
      env: { DATABASE_URL: `sqlite:${dbFile}` },
      extraPluginDirs: [recorder],
    });
  });
  afterAll(() => gw?.close());

  it('generate with permissions: the spec example', async () => {
    const r = await api.post('/key/generate', { permissions: { hide_secrets: false } });
    expect(r.status).toBe(200);
    expect(r.text).toContain('"permissions":{"hide_secrets":false}');
    expect(r.json.key).toMatch(/^sk-[A-Za-z0-9_-]{22,}$/);
    expect(r.json.token).toMatch(/^[0-9a-f]{64}$/);
    expect(r.json.key_name).toBe(`sk-...${r.json.key.slice(-4)}`);
    expect(r.json.expires).toBeNull();
  });

  it('update with permissions: the spec example echoes the key as sent', async () => {
    const { key } = await api.generate();
    const r = await api.post('/key/update', { key, permissions: { hide_secrets: false } });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toContain('"permissions":{"hide_secrets":false}');
    expect(r.json.key).toBe(key);
    // by hash too
    const byHash = await api.post('/key/update', { key: r.json.token, key_alias: 'renamed' });
    expect(byHash.json.key_alias).toBe('renamed');
    expect(byHash.json.permissions).toEqual({ hide_secrets: false });
  });

  it('echoes every field given to /key/generate', async () => {
    // A team key must name an existing team (LiteLLM refuses unknown teams).
    expect((await api.post('/team/new', { team_id: 'team-1' })).status).toBe(200);
    const fields = {
      model_max_budget: { a: { budget_limit: 0.0005, time_period: '1d' } }, model_rpm_limit: { a: 3 }, model_tpm_limit: { a: 300 },
      key_alias: 'alias-1', models: ['a'], max_budget: 10, soft_budget: 5, budget_duration: '30d', rpm_limit: 10, tpm_limit: 1000,
      max_parallel_requests: 2, metadata: { team: 'x' }, permissions: { hide_secrets: true }, enforced_params: ['user'],
      guardrails: ['g1'], tags: ['t1'], team_id: 'team-1', user_id: 'user-1', organization_id: 'org-1', project_id: 'proj-1', duration: '30d',
    };
    const r = await api.generate(fields);
    expect(r).toMatchObject(fields);
    expect(Date.parse(r.expires as string) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('a generated key calls a model; stored only as a hash', async () => {
    const { key, token } = await api.generate({ key_alias: 'caller' });
    const ok = await api.chat(key);
    expect(ok.status, ok.text).toBe(200);
    const db = knexFactory({ client: 'better-sqlite3', connection: { filename: dbFile }, useNullAsDefault: true });
    try {
      const rows = await db('sluice_virtual_keys').select();
      expect(rows.some((row) => row.token_hash === token)).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(key);
      expect(JSON.stringify(rows)).not.toContain(key.slice(3));
    } finally {
      await db.destroy();
    }
  });

  it('a key limited to model a cannot call model b', async () => {
    const { key } = await api.generate({ models: ['a'] });
    expect((await api.chat(key, 'a')).status).toBe(200);
    const r = await api.chat(key, 'b');
    expect(r.status, r.text).toBe(401);
  });

  it('unknown sk- keys get 401', async () => {
    const r = await api.chat('sk-not-a-real-key-0000000000');
    expect(r.status).toBe(401);
  });

  it('expires after its duration', async () => {
    const { key } = await api.generate({ duration: '1s' });
    expect((await api.chat(key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await api.chat(key);
    expect(r.status).toBe(401);
    expect(r.json.error.type).toBe('expired_key');
    expect(r.json.error.message).toMatch(/^Authentication Error - Expired Key\. Key Expiry time /);
  });

  it('block and unblock take effect at once', async () => {
    const { key } = await api.generate();
    expect((await api.chat(key)).status).toBe(200);
    const blocked = await api.post('/key/block', { key });
    expect(blocked.status).toBe(200);
    expect(blocked.json.blocked).toBe(true);
    const refused = await api.chat(key);
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toBe("Authentication Error, Key is blocked. Update via `/key/unblock` if you're admin.");
    expect((await api.post('/key/unblock', { key })).json.blocked).toBe(false);
    expect((await api.chat(key)).status).toBe(200);
  });

  it('delete', async () => {
    const { key, token } = await api.generate();
    expect((await api.chat(key)).status).toBe(200);
    const r = await api.post('/key/delete', { keys: [key] });
    expect(r.json).toEqual({ deleted_keys: [key] });
    expect((await api.chat(key)).status).toBe(401);
    expect((await api.get(`/key/info?key=${token}`)).status).toBe(404);
    expect((await api.post('/key/delete', { keys: [key] })).status).toBe(404);
  });

  it('regenerate without grace: the old key stops at once, settings carry over', async () => {
    const { key, token } = await api.generate({ key_alias: 'regen', models: ['a'] });
    expect((await api.chat(key)).status).toBe(200);
    const r = await api.post('/key/regenerate', { key });
    expect(r.status, r.text).toBe(200);
    expect(r.json.key).toMatch(/^sk-/);
    expect(r.json.key).not.toBe(key);
    expect(r.json.token).not.toBe(token);
    expect(r.json).toMatchObject({ key_alias: 'regen', models: ['a'] });
    expect((await api.chat(key)).status).toBe(401);
    expect((await api.chat(r.json.key)).status).toBe(200);
  });

  it('regenerate with a grace period: the old key keeps working', async () => {
    const { key } = await api.generate();
    const r = await api.post(`/key/${key}/regenerate`, { grace_period: '24h' });
    expect(r.status, r.text).toBe(200);
    expect((await api.chat(key)).status).toBe(200);
    expect((await api.chat(r.json.key)).status).toBe(200);
    // Blocking the new key blocks the old one too: both are one key.
    await api.post('/key/block', { key: r.json.key });
    expect((await api.chat(key)).status).toBe(401);
  });

  it('a virtual key calling /key/generate gets 403', async () => {
    const { key } = await api.generate();
    const r = await api.post('/key/generate', {}, key);
    expect(r.status).toBe(403);
    expect(r.json.error).toBeDefined();
  });

  it('info and list shapes', async () => {
    const { key, token } = await api.generate({ user_id: 'lister', key_alias: 'l1' });
    await api.generate({ user_id: 'lister' });
    await api.generate({ user_id: 'lister' });
    const info = await api.get(`/key/info?key=${key}`);
    expect(info.status).toBe(200);
    // LiteLLM echoes the key as it was asked for; the record itself carries only the hash.
    expect(info.json.key).toBe(key);
    expect(info.json.info).toMatchObject({ token, key_alias: 'l1', user_id: 'lister', blocked: false, spend: 0 });
    expect(JSON.stringify(info.json.info)).not.toContain(key);
    // A key may read its own info.
    expect((await api.get('/key/info', key)).json.key).toBe(token);

    const list = await api.get('/key/list?user_id=lister&size=2&page=1');
    expect(list.json).toEqual({ keys: expect.any(Array), total_count: 3, current_page: 1, total_pages: 2 });
    expect(list.json.keys).toHaveLength(2);
    expect(list.json.keys[0]).toMatch(/^[0-9a-f]{64}$/);
    const page2 = await api.get('/key/list?user_id=lister&size=2&page=2');
    expect(page2.json.keys).toHaveLength(1);
  });

  it('refuses bad input with 400 envelopes', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ models: 'a' }, /Invalid 'models'/],
      [{ duration: '5 minutes' }, /Invalid 'duration'/],
      [{ max_budget: -1 }, /Invalid 'max_budget'/],
      [{ key: 'not-sk' }, /Invalid 'key'/],
      [{ no_such_field: 1 }, /does not support 'no_such_field'/],
      [[1, 2], /must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const r = await api.post('/key/generate', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message).toMatch(message);
      expect(r.json.error.type).toBe('invalid_request_error');
    }
    expect((await api.post('/key/update', { permissions: {} })).status).toBe(400);
    expect((await api.post('/key/update', { key: 'sk-missing-key-123456' })).status).toBe(404);
  });

  it('a caller-chosen key works and cannot be issued twice', async () => {
    const chosen = 'sk-my-chosen-key-123456';
    const r = await api.generate({ key: chosen });
    expect(r.key).toBe(chosen);
    expect((await api.chat(chosen)).status).toBe(200);
    expect((await api.post('/key/generate', { key: chosen })).status).toBe(400);
  });

  it('records every change in the audit trail, never with the plain key', async () => {
    audits.length = 0;
    const { key, token } = await api.generate({ key_alias: 'audited' });
    await api.post('/key/update', { key, tags: ['x'] });
    await api.post('/key/block', { key });
    await api.post('/key/unblock', { key });
    const regen = await api.post('/key/regenerate', { key });
    await api.post('/key/delete', { keys: [regen.json.key] });
    await expect.poll(() => audits.length).toBe(6);
    expect(audits.map((e) => e.action)).toEqual(['key.generate', 'key.update', 'key.block', 'key.unblock', 'key.regenerate', 'key.delete']);
    expect(audits[0]).toMatchObject({ objectType: 'virtual_key', objectId: token, actor: { id: 'master_key', role: 'proxy_admin' } });
    expect(audits[1]).toMatchObject({ before: { tags: [] }, after: { tags: ['x'] } });
    const text = JSON.stringify(audits);
    expect(text).not.toContain(key);
    expect(text).not.toContain(regen.json.key);
  });

  it('principal carries the key settings other plugins read', async () => {
    // policy-enforced-params reads principal.metadata.enforced_params.
    const { key } = await api.generate({ enforced_params: ['user'] });
    const r = await api.chat(key);
    expect(r.status, r.text).toBe(401);
    expect(r.json.error.message).toContain('param=user');
  });
});

describe.skipIf(!backends.postgres)(`virtual keys on Postgres (${backends.skipReason.postgres ?? backends.postgres})`, () => {
  let gw: TestGateway;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const api = client(() => gw);

  beforeAll(async () => {
    schema = await createPostgresSchema(backends.postgres!);
    gw = await startGateway(config(), { env: { DATABASE_URL: schema.url } });
  });
  afterAll(async () => {
    await gw?.close();
    await schema?.drop();
  });

  it('migrates, issues, authenticates, updates, regenerates, lists and deletes', async () => {
    const g = await api.generate({ permissions: { hide_secrets: false }, models: ['a'], rpm_limit: 5, max_budget: 1.5, duration: '1h' });
    expect(g.permissions).toEqual({ hide_secrets: false });
    expect((await api.chat(g.key)).status).toBe(200);
    expect((await api.chat(g.key, 'b')).status).toBe(401);
    const info = await api.get(`/key/info?key=${g.token}`);
    expect(info.json.info).toMatchObject({ rpm_limit: 5, max_budget: 1.5, blocked: false, spend: 0 });
    expect(typeof info.json.info.created_at).toBe('string');
    await api.post('/key/block', { key: g.key });
    expect((await api.chat(g.key)).status).toBe(401);
    await api.post('/key/unblock', { key: g.key });
    const regen = await api.post('/key/regenerate', { key: g.key, grace_period: '1h' });
    expect((await api.chat(g.key)).status).toBe(200);
    expect((await api.chat(regen.json.key)).status).toBe(200);
    expect((await api.get('/key/list')).json.total_count).toBe(1);
    expect((await api.post('/key/delete', { keys: [regen.json.key] })).status).toBe(200);
    expect((await api.chat(g.key)).status).toBe(401);
    expect((await api.chat(regen.json.key)).status).toBe(401);
  });
});

describe.skipIf(!backends.redis)(`virtual keys across instances (${backends.skipReason.redis ?? backends.redis})`, () => {
  let a: TestGateway;
  let b: TestGateway;
  const apiA = client(() => a);
  const apiB = client(() => b);

  beforeAll(async () => {
    const env = { DATABASE_URL: `sqlite:${join(tempDir(), 'shared.db')}`, REDIS_URL: backends.redis! };
    a = await startGateway(config(), { env });
    b = await startGateway(config(), { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a key blocked on gateway A is refused on gateway B within 1 s', async () => {
    const { key } = await apiA.generate();
    expect((await apiB.chat(key)).status).toBe(200); // now cached on B
    expect((await apiB.chat(key)).status).toBe(200);
    await apiA.post('/key/block', { key });
    const start = Date.now();
    let status = 200;
    while (Date.now() - start < 1000) {
      status = (await apiB.chat(key)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(401);
  });
});
