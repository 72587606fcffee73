/**
 * Models in the database, end to end on SQLite and Postgres: a deployment added with /model/new
 * serves at once with its own provider key (which the table holds only encrypted), shows in
 * /model/info beside the config models without a credential, changes with /model/update and
 * PATCH, and stops serving when deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { DATABASE_BACKENDS } from '../../../test/support/database-backends.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { ModelRows } from '../src/model-rows.js';
import { SaltEncryption } from '../src/salt-encryption.js';

const MASTER = 'sk-1234';
const SALT = 'salt-key-for-tests-0001';
const PROVIDER_KEY = 'sk-provider-secret-in-db-42';

async function send(g: TestGateway, method: string, path: string, body?: unknown, key = MASTER) {
  const res = await fetch(g.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are read as a client reads them
  return { status: res.status, text, json: (text ? JSON.parse(text) : undefined) as any };
}

const chat = (g: TestGateway, model: string, key = MASTER) => send(g, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, key);

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(backend.skip)(`model-store on ${backend.name}`, () => {
    let upstream: MockOpenAI;
    let dbUpstream: MockOpenAI;
    let g: TestGateway;
    let db: Awaited<ReturnType<(typeof backend)['open']>>;

    beforeAll(async () => {
      upstream = await startMockOpenAI();
      dbUpstream = await startMockOpenAI();
      db = await backend.open();
      g = await startGateway(
        {
          model_list: [{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_base: upstream.url, api_key: 'sk-config-key' } }],
          general_settings: { master_key: MASTER, store_model_in_db: true },
        } as never,
        { env: { ...db.env, LITELLM_SALT_KEY: SALT } },
      );
    });
    afterAll(async () => {
      await g?.close();
      await db?.drop();
      await upstream?.close();
      await dbUpstream?.close();
    });

    it('serves a model added with /model/new at once, with its own provider key', async () => {
      expect((await chat(g, 'db-model')).status).toBe(400); // not there yet
      const added = await send(g, 'POST', '/model/new', {
        model_name: 'db-model',
        litellm_params: { model: 'openai/gpt-4o-mini', api_base: dbUpstream.url, api_key: PROVIDER_KEY },
        model_info: { id: 'db-1' },
      });
      expect(added.status).toBe(200);
      expect(added.json.model_id).toBe('db-1');
      expect(added.json.model_name).toBe('db-model');
      expect(added.text).not.toContain(PROVIDER_KEY);
      const answer = await chat(g, 'db-model');
      expect(answer.status).toBe(200);
      expect(answer.json.choices[0].message).toBeDefined();
      const seen = dbUpstream.requests.at(-1)!;
      expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expect((seen.body as { model: string }).model).toBe('gpt-4o-mini');
    });

    it('stores the provider key only encrypted with the salt key, as LiteLLM does', async () => {
      const row = (await (db.knex as Knex)('sluice_proxy_models').where({ model_id: 'db-1' }).first()) as { litellm_params: string; model_name: string };
      expect(row.litellm_params).not.toContain(PROVIDER_KEY);
      expect(row.litellm_params).not.toContain('gpt-4o-mini');
      const stored = JSON.parse(row.litellm_params) as Record<string, string>;
      const enc = new SaltEncryption(SALT);
      expect(enc.decrypt(stored.api_key!)).toBe(PROVIDER_KEY);
      expect(enc.decrypt(stored.model!)).toBe('openai/gpt-4o-mini');
      expect(new SaltEncryption('another-key').decrypt(stored.api_key!)).toBeUndefined();
      expect(g.logs.join('\n')).not.toContain(PROVIDER_KEY);
    });

    it('/model/info lists config and stored models without credentials; ?litellm_model_id= picks one', async () => {
      const info = await send(g, 'GET', '/model/info');
      expect(info.status).toBe(200);
      expect(info.text).not.toContain(PROVIDER_KEY);
      expect(info.text).not.toContain('sk-config-key');
      const byName = Object.fromEntries((info.json.data as { model_name: string }[]).map((m) => [m.model_name, m]));
      expect(byName['db-model']).toMatchObject({ litellm_params: { model: 'openai/gpt-4o-mini', api_base: dbUpstream.url }, model_info: { id: 'db-1', db_model: true } });
      expect(byName['gpt-4']).toMatchObject({ litellm_params: { model: 'openai/gpt-4' }, model_info: { db_model: false } });
      const one = await send(g, 'GET', '/model/info?litellm_model_id=db-1');
      expect(one.json.data).toEqual([byName['db-model']]);
      expect((await send(g, 'GET', '/v1/model/info')).json).toEqual(info.json);
      const groups = await send(g, 'GET', '/model_group/info');
      expect((groups.json.data as { model_group: string }[]).map((m) => m.model_group).sort()).toEqual(['db-model', 'gpt-4']);
      expect(groups.json.data[0]).toHaveProperty('providers');
      expect((await send(g, 'GET', '/model/info?litellm_model_id=nope')).status).toBe(400);
    });

    it('/model/update and PATCH change a stored model; config models are refused', async () => {
      const other = await startMockOpenAI();
      try {
        const updated = await send(g, 'POST', '/model/update', { model_info: { id: 'db-1' }, litellm_params: { api_base: other.url } });
        expect(updated.status).toBe(200);
        expect((await chat(g, 'db-model')).status).toBe(200);
        expect(other.requests).toHaveLength(1);
        expect(other.requests[0]!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`); // the key is kept
        const patched = await send(g, 'PATCH', '/model/db-1/update', { model_name: 'db-model-renamed', litellm_params: { api_base: dbUpstream.url } });
        expect(patched.status).toBe(200);
        expect(patched.json.model_name).toBe('db-model-renamed');
        expect((await chat(g, 'db-model')).status).toBe(400);
        expect((await chat(g, 'db-model-renamed')).status).toBe(200);
        const configId = ((await send(g, 'GET', '/model/info')).json.data as { model_name: string; model_info: { id: string } }[]).find((m) => m.model_name === 'gpt-4')!.model_info.id;
        const refused = await send(g, 'POST', '/model/update', { model_info: { id: configId }, litellm_params: { api_base: other.url } });
        expect(refused.status).toBe(400);
        expect(refused.json.error.message).toContain("Can't edit model. Model in config.");
        expect((await send(g, 'PATCH', `/model/${configId}/update`, { litellm_params: {} })).json.error.message).toBe('Cannot edit config-based model. Store model in DB via /model/new first.');
        expect((await send(g, 'PATCH', '/model/nope/update', {})).status).toBe(404);
      } finally {
        await other.close();
      }
    });

    it('refuses a deployment it cannot serve with a 400 before storing it', async () => {
      const bad = await send(g, 'POST', '/model/new', { model_name: 'x', litellm_params: { model: 'no-such-provider/m' }, model_info: { id: 'bad-1' } });
      expect(bad.status).toBe(400);
      expect(bad.json.error.message).toContain('no-such-provider');
      expect((await send(g, 'GET', '/model/info?litellm_model_id=bad-1')).status).toBe(400);
      expect((await send(g, 'POST', '/model/new', { litellm_params: { model: 'openai/x' } })).status).toBe(400);
      expect((await send(g, 'POST', '/model/new', 'nope')).status).toBe(400);
      const dup = await send(g, 'POST', '/model/new', { model_name: 'y', litellm_params: { model: 'openai/y', api_base: dbUpstream.url }, model_info: { id: 'db-1' } });
      expect(dup.status).toBe(400);
    });

    it('/model/delete stops the model serving', async () => {
      const deleted = await send(g, 'POST', '/model/delete', { id: 'db-1' });
      expect(deleted.status).toBe(200);
      expect(deleted.json).toEqual({ message: 'Model: db-1 deleted successfully' });
      expect((await chat(g, 'db-model-renamed')).status).toBe(400);
      const again = await send(g, 'POST', '/model/delete', { id: 'db-1' });
      expect(again.status).toBe(400);
      expect(again.json.error.message).toBe('Model with id=db-1 not found in db');
      expect((await chat(g, 'gpt-4')).status).toBe(200); // config models untouched
    });

    it('a restart serves the stored models again', async () => {
      const kept = await send(g, 'POST', '/model/new', { model_name: 'kept', litellm_params: { model: 'openai/kept', api_base: dbUpstream.url, api_key: PROVIDER_KEY }, model_info: { id: 'kept-1' } });
      expect(kept.status, kept.text).toBe(200);
      const second = await startGateway(
        { model_list: [], general_settings: { master_key: MASTER, store_model_in_db: true } } as never,
        { env: { ...db.env, LITELLM_SALT_KEY: SALT } },
      );
      try {
        const c = await chat(second, 'kept');
        expect(c.status, c.text + second.logs.filter((l) => l.includes('model')).join('\n')).toBe(200);
        expect(dbUpstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      } finally {
        await second.close();
      }
    });
  });
}

describe('without store_model_in_db', () => {
  let g: TestGateway;
  let upstream: MockOpenAI;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    g = await startGateway({
      model_list: [{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_base: upstream.url, api_key: 'sk-config-key' }, model_info: { id: 'cfg-1' } }],
      general_settings: { master_key: MASTER },
    } as never);
  });
  afterAll(async () => {
    await g?.close();
    await upstream?.close();
  });

  it('answers LiteLLM’s 500 on writes and still lists the config models', async () => {
    const r = await send(g, 'POST', '/model/new', { model_name: 'm', litellm_params: { model: 'openai/m' } });
    expect(r.status).toBe(500);
    expect(r.json.error.message).toBe("Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature.");
    const info = await send(g, 'GET', '/model/info');
    expect(info.json.data).toEqual([{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_base: upstream.url }, model_info: { id: 'cfg-1', db_model: false } }]);
    expect((await send(g, 'PATCH', '/model/cfg-1/update', {})).json.error.message).toBe('Models updates only supported for DB-stored models'.replace('Models', 'Model'));
  });
});

// LiteLLM encrypts stored credentials with LITELLM_SALT_KEY, else the master key; with neither it
// still starts and fails only when a model is written.
describe('store_model_in_db without LITELLM_SALT_KEY or a master key', () => {
  const backend = DATABASE_BACKENDS.find((b) => b.name === 'SQLite')!;
  let g: TestGateway;
  let upstream: MockOpenAI;
  let db: Awaited<ReturnType<(typeof backend)['open']>>;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    db = await backend.open();
    g = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_base: upstream.url, api_key: 'sk-config-key' } }],
        general_settings: { store_model_in_db: true },
      } as never,
      { env: db.env },
    );
  });
  afterAll(async () => {
    await g?.close();
    await db?.drop();
    await upstream?.close();
  });

  it('starts with a warning and refuses to encrypt a model with a clear error', async () => {
    expect(g.logs.some((l) => l.includes('neither LITELLM_SALT_KEY nor general_settings.master_key is set'))).toBe(true);
    // Without a master key there is no admin to call /model/new: the write path is checked on its own.
    const rows = new ModelRows(db.knex as never, new SaltEncryption(''));
    let thrown: unknown;
    try {
      rows.encryptParams({ model: 'openai/m', api_key: PROVIDER_KEY });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ status: 500, message: expect.stringMatching(/^Cannot encrypt the model's credentials: neither LITELLM_SALT_KEY nor general_settings.master_key is set/) });
  });
});
