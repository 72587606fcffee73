/**
 * Scheduled key rotation end to end: LITELLM_KEY_ROTATION_ENABLED turns the job on; a key whose
 * rotation time has come is regenerated once, with its bookkeeping (`last_rotation_at`,
 * `rotation_count`, the next `key_rotation_at`), an audit record naming key-rotation, the new key
 * written to the secret manager and the old key kept for LITELLM_KEY_ROTATION_GRACE_PERIOD.
 * Across two gateways sharing Postgres and Redis each due key is rotated exactly once.
 *
 * "Its rotation time has come" is set by moving `key_rotation_at` into the past in the database:
 * the tests do not wait out a real interval.
 */
import type { Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, createPostgresSchema, deleteRedisKeys } from '../../../test/support/backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { LOCK_KEY } from '../src/rotation-job.js';

interface Shared {
  audits: AuditEvent[];
  secrets: Map<string, string>;
}
const shared: Shared = ((globalThis as unknown as { __keyRotationTest: Shared }).__keyRotationTest = { audits: [], secrets: new Map() });

const recorder = writeTestPlugin({
  id: 'audit-recorder',
  hooks: { onAudit: { stage: 'OBSERVE' } },
  source: pluginSource('return { onAudit: async (e) => { globalThis.__keyRotationTest.audits.push(e); } };'),
});
const secretStore = writeTestPlugin({
  id: 'secrets-test-store',
  manifestExtra: { provides: { secretResolver: true } },
  source: pluginSource(`
    const s = globalThis.__keyRotationTest.secrets;
    return { secretResolvers: [{ name: 'test_store', get: async (n) => s.get(n), write: async (n, v) => { s.set(n, v); }, remove: async (n) => { s.delete(n); } }] };`),
});

const config = (): SluiceConfig =>
  ({
    model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
    general_settings: { master_key: MASTER_KEY, key_management_settings: { store_virtual_keys: true } },
    plugins: [{ use: 'audit-recorder' }, { use: 'secrets-test-store' }],
  }) as SluiceConfig;

const ROTATION_ENV = { LITELLM_KEY_ROTATION_ENABLED: 'true', LITELLM_KEY_ROTATION_CHECK_INTERVAL_SECONDS: '1', LITELLM_KEY_ROTATION_GRACE_PERIOD: '3s' };

async function send(g: TestGateway, method: string, path: string, body?: unknown, key = MASTER_KEY) {
  const res = await fetch(g.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read as a client reads it
  return { status: res.status, text, json: (text ? JSON.parse(text) : undefined) as any };
}
const chat = (g: TestGateway, key: string) => send(g, 'POST', '/v1/chat/completions', { model: 'a', messages: [{ role: 'user', content: 'hi' }] }, key);

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** The key's rotation time has come: key_rotation_at moved an hour into the past. */
async function makeDue(g: TestGateway, aliases: string[]): Promise<void> {
  await (g.gateway.storage.knex as Knex)('sluice_virtual_keys').whereIn('key_alias', aliases).update({ key_rotation_at: Date.now() - 3_600_000 });
}

async function keyByAlias(g: TestGateway, alias: string) {
  const list = await send(g, 'GET', `/key/list?key_alias=${alias}&return_full_object=true`);
  return list.json.keys[0] as Record<string, unknown> & { token: string; rotation_count: number };
}

const rotationsOf = (token?: string) =>
  shared.audits.filter((e) => e.action === 'key.regenerate' && e.actor.id === 'plugin:key-rotation' && (token === undefined || (e.before as { token?: string }).token === token));

beforeEach(() => {
  shared.audits.length = 0;
});

describe('scheduled rotation on one gateway', () => {
  let g: TestGateway;

  beforeAll(async () => {
    g = await startGateway(config(), { env: ROTATION_ENV, extraPluginDirs: [recorder, secretStore] });
  });
  afterAll(() => g?.close());

  it('rotates a due key once: new key in the secret manager, bookkeeping, audit, old key through the grace period', async () => {
    const created = await send(g, 'POST', '/key/generate', { key_alias: 'svc-a', auto_rotate: true, rotation_interval: '30d' });
    expect(created.status, created.text).toBe(200);
    const oldKey = created.json.key as string;
    expect(shared.secrets.get('litellm/svc-a')).toBe(oldKey);
    const notDue = await send(g, 'POST', '/key/generate', { key_alias: 'svc-b', auto_rotate: true, rotation_interval: '30d' });
    expect((await chat(g, oldKey)).status).toBe(200);

    const before = Date.now();
    await makeDue(g, ['svc-a']);
    expect(await until(async () => (await keyByAlias(g, 'svc-a')).rotation_count === 1)).toBe(true);
    const rotated = await keyByAlias(g, 'svc-a');
    expect(rotated.token).not.toBe(created.json.token);
    expect(Date.parse(rotated.last_rotation_at as string)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Math.abs(Date.parse(rotated.key_rotation_at as string) - (Date.parse(rotated.last_rotation_at as string) + 30 * 86_400_000))).toBeLessThan(5_000);
    expect(rotated.updated_by).toBe('plugin:key-rotation');

    const newKey = shared.secrets.get('litellm/svc-a')!;
    expect(newKey).toMatch(/^sk-/);
    expect(newKey).not.toBe(oldKey);
    expect((await chat(g, newKey)).status).toBe(200);
    // The old key works through LITELLM_KEY_ROTATION_GRACE_PERIOD (3s), then is refused.
    expect((await chat(g, oldKey)).status).toBe(200);
    expect(await until(async () => (await chat(g, oldKey)).status === 401, 8_000)).toBe(true);

    expect(rotationsOf(created.json.token)).toHaveLength(1);
    expect(rotationsOf(created.json.token)[0]!.actor).toEqual({ id: 'plugin:key-rotation', role: 'proxy_admin' });
    // The key that was not due was left alone; the rotated one is not rotated again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await keyByAlias(g, 'svc-b')).token).toBe(notDue.json.token);
    expect((await keyByAlias(g, 'svc-a')).rotation_count).toBe(1);
  });

  it('does not rotate while another holder has the distributed lock', async () => {
    const created = await send(g, 'POST', '/key/generate', { key_alias: 'svc-locked', auto_rotate: true, rotation_interval: '30d' });
    const lock = await g.gateway.counters.acquireLock(LOCK_KEY, 30_000);
    expect(lock).not.toBeNull();
    await makeDue(g, ['svc-locked']);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await keyByAlias(g, 'svc-locked')).token).toBe(created.json.token);
    await g.gateway.counters.releaseLock(LOCK_KEY, lock!);
    expect(await until(async () => (await keyByAlias(g, 'svc-locked')).rotation_count === 1)).toBe(true);
  });
});

describe('LITELLM_KEY_ROTATION_ENABLED=false', () => {
  let g: TestGateway;

  beforeAll(async () => {
    g = await startGateway(config(), { env: { ...ROTATION_ENV, LITELLM_KEY_ROTATION_ENABLED: 'false' }, extraPluginDirs: [recorder, secretStore] });
  });
  afterAll(() => g?.close());

  it('leaves due keys alone', async () => {
    const created = await send(g, 'POST', '/key/generate', { key_alias: 'svc-off', auto_rotate: true, rotation_interval: '30d' });
    await makeDue(g, ['svc-off']);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await keyByAlias(g, 'svc-off')).token).toBe(created.json.token);
    expect(g.logs.some((l) => l.includes('scheduled key rotation is off'))).toBe(true);
  });
});

describe.skipIf(!backends.postgres || !backends.redis)(`two gateways on one Postgres and Redis (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'available'})`, () => {
  let a: TestGateway;
  let b: TestGateway;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const KEYS = 12;
  const aliases = Array.from({ length: KEYS }, (_, i) => `fleet-${i}`);

  beforeAll(async () => {
    schema = await createPostgresSchema(backends.postgres!);
    // The lock lives in Redis under a fixed name: start from none.
    await deleteRedisKeys(backends.redis!, 'key-rotation');
    const env = { ...ROTATION_ENV, DATABASE_URL: schema.url, REDIS_URL: backends.redis! };
    a = await startGateway(config(), { env, extraPluginDirs: [recorder, secretStore] });
    b = await startGateway(config(), { env, extraPluginDirs: [recorder, secretStore] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('each due key is rotated exactly once across both instances, and the old key stops on both after the grace period', async () => {
    const created = new Map<string, { key: string; token: string }>();
    for (const alias of aliases) {
      const r = await send(a, 'POST', '/key/generate', { key_alias: alias, auto_rotate: true, rotation_interval: '30d' });
      expect(r.status, r.text).toBe(200);
      created.set(alias, r.json);
    }
    const watched = created.get('fleet-0')!;
    expect((await chat(b, watched.key)).status).toBe(200); // cached on B

    await makeDue(a, aliases);
    expect(await until(async () => (await Promise.all(aliases.map((al) => keyByAlias(a, al)))).every((k) => k.rotation_count === 1), 15_000)).toBe(true);
    // Two more rounds on each instance: nothing is rotated again.
    await new Promise((r) => setTimeout(r, 2_500));
    const keys = await Promise.all(aliases.map((al) => keyByAlias(b, al)));
    expect(keys.map((k) => k.rotation_count)).toEqual(aliases.map(() => 1));
    expect(rotationsOf()).toHaveLength(KEYS);
    for (const alias of aliases) expect(rotationsOf(created.get(alias)!.token)).toHaveLength(1);
    const total = await send(a, 'GET', '/key/list?size=100');
    expect(total.json.keys.filter((t: string) => keys.some((k) => k.token === t))).toHaveLength(KEYS);
    expect(total.json.total_count).toBe(KEYS);

    // The watched key: its new value (from the secret manager) works on B; the old one until the grace period ends.
    const newKey = shared.secrets.get('litellm/fleet-0')!;
    expect(newKey).not.toBe(watched.key);
    expect((await chat(b, newKey)).status).toBe(200);
    expect(await until(async () => (await chat(b, watched.key)).status === 401 && (await chat(a, watched.key)).status === 401, 8_000)).toBe(true);
  });

  it('regenerations of one key racing on both instances leave one key, never two', async () => {
    for (let round = 0; round < 5; round++) {
      const g = await send(a, 'POST', '/key/generate', { user_id: `racer-${round}` });
      const answers = await Promise.all([a, b, a, b].map((gw) => send(gw, 'POST', '/key/regenerate', { key: g.json.key })));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      expect((await send(a, 'GET', `/key/list?user_id=racer-${round}`)).json.total_count).toBe(1);
    }
  });
});
