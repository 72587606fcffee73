/**
 * Master key rotation as LiteLLM's UI runs it: `POST /key/regenerate {"key": <master key>,
 * "new_master_key": "sk-…"}` by the proxy admin re-encrypts the stored models' credentials with
 * the new key (governance-tenancy forwards to model-store's `/model/master_key/rotate`). The
 * operator then restarts with the new key: the stored models still decrypt and serve, the old
 * master key is refused. Across instances: one rotating tells the others the new key, so a
 * still-running instance keeps reading the re-encrypted rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { backends, createPostgresSchema } from '../../../test/support/backends.js';
import { startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { SaltEncryption } from '../src/salt-encryption.js';

const OLD_MASTER = 'sk-old-master-1111';
const NEW_MASTER = 'sk-new-master-2222';
const PROVIDER_KEY = 'sk-provider-secret-rotated-77';

async function send(g: TestGateway, method: string, path: string, body?: unknown, key = OLD_MASTER) {
  const res = await fetch(g.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read as a client reads it
  return { status: res.status, text, json: (text ? JSON.parse(text) : undefined) as any };
}

const chat = (g: TestGateway, model: string, key: string) => send(g, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, key);

const config = (masterKey: string) => ({ model_list: [], general_settings: { master_key: masterKey, store_model_in_db: true } }) as never;

async function storedParams(g: TestGateway, id: string): Promise<Record<string, string>> {
  const row = (await (g.gateway.storage.knex as Knex)('sluice_proxy_models').where({ model_id: id }).first()) as { litellm_params: string };
  return JSON.parse(row.litellm_params) as Record<string, string>;
}

describe('master key rotation on SQLite, then a restart with the new key', () => {
  let upstream: MockOpenAI;
  let g: TestGateway | undefined;
  const dataDir = tempDir();

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    g = await startGateway({ ...(config(OLD_MASTER) as object), storage: { data_dir: dataDir } } as never);
  });
  afterAll(async () => {
    await g?.close();
    await upstream?.close();
  });

  it('re-encrypts the stored credentials, answers as LiteLLM, and the restarted gateway serves them', async () => {
    const added = await send(g!, 'POST', '/model/new', {
      model_name: 'db-model',
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: PROVIDER_KEY },
      model_info: { id: 'db-1' },
    });
    expect(added.status, added.text).toBe(200);
    expect((await chat(g!, 'db-model', OLD_MASTER)).status).toBe(200);
    const before = await storedParams(g!, 'db-1');
    expect(new SaltEncryption(OLD_MASTER).decrypt(before.api_key!)).toBe(PROVIDER_KEY);

    const rotated = await send(g!, 'POST', '/key/regenerate', { key: OLD_MASTER, new_master_key: NEW_MASTER });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.json).toMatchObject({ key: NEW_MASTER, token: NEW_MASTER, key_name: NEW_MASTER, expires: null });

    // Stored under the new key only, every value.
    const after = await storedParams(g!, 'db-1');
    expect(new SaltEncryption(NEW_MASTER).decrypt(after.api_key!)).toBe(PROVIDER_KEY);
    expect(new SaltEncryption(OLD_MASTER).decrypt(after.api_key!)).toBeUndefined();
    expect(new SaltEncryption(NEW_MASTER).decrypt(after.api_base!)).toBe(upstream.url);
    // Until the restart this instance still serves (old key in the env, new key in its ring).
    expect((await chat(g!, 'db-model', OLD_MASTER)).status).toBe(200);
    // A model added before the restart is encrypted with the new key.
    expect((await send(g!, 'POST', '/model/new', { model_name: 'db-model-2', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: PROVIDER_KEY }, model_info: { id: 'db-2' } })).status).toBe(200);
    expect(new SaltEncryption(NEW_MASTER).decrypt((await storedParams(g!, 'db-2')).api_key!)).toBe(PROVIDER_KEY);

    await g!.close();
    g = await startGateway({ ...(config(NEW_MASTER) as object), storage: { data_dir: dataDir } } as never);
    for (const model of ['db-model', 'db-model-2']) {
      const answer = await chat(g, model, NEW_MASTER);
      expect(answer.status, answer.text).toBe(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    }
    expect((await chat(g, 'db-model', OLD_MASTER)).status).toBe(401);
  });

  it('refuses a caller that is not a proxy admin, and a body that does not name the master key', async () => {
    const user = await send(g!, 'POST', '/key/generate', { user_id: 'u1' }, NEW_MASTER);
    expect(user.status).toBe(200);
    expect((await send(g!, 'POST', '/key/regenerate', { key: NEW_MASTER, new_master_key: 'sk-third-3333' }, user.json.key)).status).toBe(403);
    expect((await send(g!, 'POST', '/model/master_key/rotate', { current_master_key: 'sk-guess', new_master_key: 'sk-third-3333' }, NEW_MASTER)).status).toBe(400);
    expect((await send(g!, 'POST', '/model/master_key/rotate', { current_master_key: NEW_MASTER, new_master_key: 'sk-third-3333' }, user.json.key)).status).toBe(403);
    // Nothing changed: the stored model still decrypts with the current key.
    expect(new SaltEncryption(NEW_MASTER).decrypt((await storedParams(g!, 'db-1')).api_key!)).toBe(PROVIDER_KEY);
  });
});

describe('master key rotation with LITELLM_SALT_KEY set', () => {
  let upstream: MockOpenAI;
  let g: TestGateway | undefined;
  const SALT = 'a-salt-key-that-stays-0001';

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    g = await startGateway(config(OLD_MASTER), { env: { LITELLM_SALT_KEY: SALT } });
  });
  afterAll(async () => {
    await g?.close();
    await upstream?.close();
  });

  it('re-encrypts nothing: the salt key, not the master key, encrypts the stored values', async () => {
    await send(g!, 'POST', '/model/new', { model_name: 'salted', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: PROVIDER_KEY }, model_info: { id: 's-1' } });
    const before = await storedParams(g!, 's-1');
    const rotated = await send(g!, 'POST', '/key/regenerate', { key: OLD_MASTER, new_master_key: NEW_MASTER });
    expect(rotated.status, rotated.text).toBe(200);
    expect(await storedParams(g!, 's-1')).toEqual(before);
    expect(new SaltEncryption(SALT).decrypt(before.api_key!)).toBe(PROVIDER_KEY);
  });
});

describe.skipIf(!backends.postgres || !backends.redis)(`master key rotation across instances (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'Postgres + Redis'})`, () => {
  let upstream: MockOpenAI;
  let a: TestGateway;
  let b: TestGateway;
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    schema = await createPostgresSchema(backends.postgres!);
    const env = { DATABASE_URL: schema.url, REDIS_URL: backends.redis! };
    a = await startGateway(config(OLD_MASTER), { env });
    b = await startGateway(config(OLD_MASTER), { env });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
    await upstream?.close();
  });

  it('an instance that did not rotate reads the re-encrypted rows and writes with the new key', async () => {
    expect((await send(a, 'POST', '/model/new', { model_name: 'm1', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: PROVIDER_KEY }, model_info: { id: 'x-1' } })).status).toBe(200);
    expect((await send(a, 'POST', '/key/regenerate', { key: OLD_MASTER, new_master_key: NEW_MASTER })).status).toBe(200);
    // B writes a model after the rotation: under the new key, and B serves both stored models.
    const deadline = Date.now() + 5_000;
    let written = false;
    while (!written && Date.now() < deadline) {
      await send(b, 'POST', '/model/delete', { id: 'x-2' });
      expect((await send(b, 'POST', '/model/new', { model_name: 'm2', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream.url, api_key: PROVIDER_KEY }, model_info: { id: 'x-2' } })).status).toBe(200);
      written = new SaltEncryption(NEW_MASTER).decrypt((await storedParams(b, 'x-2')).api_key!) === PROVIDER_KEY;
      if (!written) await new Promise((r) => setTimeout(r, 50));
    }
    expect(written).toBe(true);
    for (const model of ['m1', 'm2']) {
      const answer = await chat(b, model, OLD_MASTER);
      expect(answer.status, answer.text).toBe(200);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    }
  });
});
