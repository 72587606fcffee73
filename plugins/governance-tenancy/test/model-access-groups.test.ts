/**
 * LiteLLM's special model names in key and team model lists: access groups
 * (`model_info.access_groups` of config and stored deployments), `all-team-models` and
 * `all-proxy-models`; `/v1/models` lists exactly what the key may call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { client } from './tenancy-client.js';

describe('access groups and special model names', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  const call = async (key: string, model: string) => (await api.chat(key, { model })).status;
  const listed = async (key: string) => ((await api.ok('GET', '/v1/models', undefined, key)).data as { id: string }[]).map((m) => m.id).sort();

  beforeAll(async () => {
    gw = await startGateway(
      {
        model_list: [
          { model_name: 'gpt-4', litellm_params: { model: 'fake/gpt-4' }, model_info: { access_groups: ['beta-models'] } },
          { model_name: 'gpt-3.5', litellm_params: { model: 'fake/gpt-3.5' } },
          { model_name: 'claude', litellm_params: { model: 'fake/claude' }, model_info: { access_groups: ['beta-models', 'anthropic'] } },
        ],
        general_settings: { master_key: MASTER_KEY, store_model_in_db: true },
      } as never,
      { env: { DATABASE_URL: `sqlite:${tempDir()}/groups.db` } },
    );
    await api.ok('POST', '/team/new', { team_id: 'grouped', models: ['beta-models'] });
    await api.ok('POST', '/team/new', { team_id: 'narrow', models: ['gpt-3.5'] });
    await api.ok('POST', '/team/new', { team_id: 'everything', models: ['all-proxy-models'] });
  });
  afterAll(() => gw?.close());

  it("a key listing an access group calls that group's models, and only those", async () => {
    const key = await api.keyFor({ models: ['beta-models'] });
    expect(await call(key, 'gpt-4')).toBe(200);
    expect(await call(key, 'claude')).toBe(200);
    const refused = await api.chat(key, { model: 'gpt-3.5' });
    expect(refused.status).toBe(401);
    expect(refused.json.error.type).toBe('key_model_access_denied');
    expect(await listed(key)).toEqual(['claude', 'gpt-4']);
    const groups = await api.ok('GET', '/v1/models?only_model_access_groups=True', undefined, key);
    expect(groups.data.map((m: { id: string }) => m.id)).toEqual(['beta-models']);
    const all = await api.ok('GET', '/models?only_model_access_groups=True');
    expect(all.data.map((m: { id: string }) => m.id).sort()).toEqual(['anthropic', 'beta-models']);
  });

  it("a team's access group applies to its keys", async () => {
    const key = await api.keyFor({ team_id: 'grouped' });
    expect(await call(key, 'gpt-4')).toBe(200);
    const refused = await api.chat(key, { model: 'gpt-3.5' });
    expect(refused.status).toBe(401);
    expect(refused.json.error.type).toBe('team_model_access_denied');
    expect(await listed(key)).toEqual(['claude', 'gpt-4']);
  });

  it('all-team-models: the key may call whatever its team may', async () => {
    const key = await api.keyFor({ team_id: 'narrow', models: ['all-team-models'] });
    expect(await call(key, 'gpt-3.5')).toBe(200);
    expect(await call(key, 'gpt-4')).toBe(401);
    expect(await listed(key)).toEqual(['gpt-3.5']);
  });

  it('all-proxy-models: every model, on a key or on its team', async () => {
    const key = await api.keyFor({ models: ['all-proxy-models'] });
    for (const m of ['gpt-4', 'gpt-3.5', 'claude']) expect(await call(key, m)).toBe(200);
    expect(await listed(key)).toEqual(['claude', 'gpt-3.5', 'gpt-4']);
    const teamKey = await api.keyFor({ team_id: 'everything', models: ['gpt-4'] });
    expect(await call(teamKey, 'gpt-4')).toBe(200);
    expect(await call(teamKey, 'claude')).toBe(401); // the key's own list still applies
  });

  it('a model stored with an access group joins it at once', async () => {
    const key = await api.keyFor({ models: ['anthropic'] });
    expect(await listed(key)).toEqual(['claude']);
    await api.ok('POST', '/model/new', { model_name: 'claude-db', litellm_params: { model: 'fake/claude-db' }, model_info: { id: 'claude-db-1', access_groups: ['anthropic'] } });
    expect(await call(key, 'claude-db')).toBe(200);
    expect(await listed(key)).toEqual(['claude', 'claude-db']);
    await api.ok('POST', '/model/delete', { id: 'claude-db-1' });
    expect(await listed(key)).toEqual(['claude']);
  });
});
