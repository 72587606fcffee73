/**
 * Team-managed models (LiteLLM's team_model_add): a team admin adds a deployment with the team's
 * own provider key; keys of that team call it by its public name, nobody else can. Who may add,
 * update and delete which models, for every role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';

const MASTER = 'sk-1234';
const TEAM_KEY = 'sk-team-a-own-openai-key';

let g: TestGateway;
async function send(method: string, path: string, body?: unknown, key = MASTER) {
  const res = await fetch(g.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read as a client reads it
  return { status: res.status, text, json: (text ? JSON.parse(text) : undefined) as any };
}
async function ok(method: string, path: string, body?: unknown, key = MASTER) {
  const r = await send(method, path, body, key);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
  return r.json;
}
const chat = (key: string, model: string) => send('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, key);

type Role = 'proxy_admin' | 'team_a_admin' | 'team_b_admin' | 'team_a_member' | 'proxy_admin_viewer' | 'internal_user_viewer';
const keys = {} as Record<Role, string>;
let seq = 0;
const teamModel = (team: string, apiBase: string, extra: Record<string, unknown> = {}) => ({
  model_name: `team-model-${++seq}`,
  litellm_params: { model: 'openai/ft:gpt-4o-mini:team', api_base: apiBase, api_key: TEAM_KEY, ...extra },
  model_info: { id: `tm-${seq}`, team_id: team },
});

describe('team-managed models', () => {
  let upstream: MockOpenAI;
  let teamUpstream: MockOpenAI;
  let noTeamKey: string;
  let narrowKey: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    teamUpstream = await startMockOpenAI();
    g = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4', litellm_params: { model: 'openai/gpt-4', api_base: upstream.url, api_key: 'sk-config' } }],
        general_settings: { master_key: MASTER, store_model_in_db: true },
      } as never,
      { env: { DATABASE_URL: `sqlite:${tempDir()}/team-models.db`, LITELLM_SALT_KEY: 'team-salt' } },
    );
    for (const t of ['t-a', 't-b']) await ok('POST', '/team/new', { team_id: t });
    const user = async (user_id: string, extra: Record<string, unknown> = {}) => ok('POST', '/user/new', { user_id, auto_create_key: false, ...extra });
    await user('a-admin');
    await ok('POST', '/team/member_add', { team_id: 't-a', member: { user_id: 'a-admin', role: 'admin' } });
    await user('b-admin');
    await ok('POST', '/team/member_add', { team_id: 't-b', member: { user_id: 'b-admin', role: 'admin' } });
    await user('a-member', { teams: ['t-a'] });
    await user('viewer', { user_role: 'proxy_admin_viewer' });
    await user('iv-viewer', { user_role: 'internal_user_viewer', teams: ['t-a'] });
    const key = async (body: Record<string, unknown>) => (await ok('POST', '/key/generate', body)).key as string;
    keys.proxy_admin = MASTER;
    keys.team_a_admin = await key({ user_id: 'a-admin', team_id: 't-a' });
    keys.team_b_admin = await key({ user_id: 'b-admin', team_id: 't-b' });
    keys.team_a_member = await key({ user_id: 'a-member', team_id: 't-a' });
    keys.proxy_admin_viewer = await key({ user_id: 'viewer' });
    keys.internal_user_viewer = await key({ user_id: 'iv-viewer', team_id: 't-a' });
    noTeamKey = await key({});
    narrowKey = await key({ team_id: 't-a', models: ['gpt-4'] });
  });
  afterAll(async () => {
    await g?.close();
    await upstream?.close();
    await teamUpstream?.close();
  });

  describe('who may add a model', () => {
    const cases: [Role, 'team' | 'none', number][] = [
      ['proxy_admin', 'team', 200],
      ['team_a_admin', 'team', 200],
      ['team_b_admin', 'team', 403],
      ['team_a_member', 'team', 403],
      ['proxy_admin_viewer', 'team', 403],
      ['internal_user_viewer', 'team', 403],
      ['proxy_admin', 'none', 200],
      ['team_a_admin', 'none', 403],
      ['team_a_member', 'none', 403],
      ['proxy_admin_viewer', 'none', 403],
      ['internal_user_viewer', 'none', 403],
    ];
    for (const [role, scope, status] of cases) {
      it(`${role}, ${scope === 'team' ? "for team t-a" : 'with no team'} → ${status}`, async () => {
        const body = teamModel('t-a', teamUpstream.url);
        if (scope === 'none') delete (body.model_info as Record<string, unknown>).team_id;
        const r = await send('POST', '/model/new', body, keys[role]);
        expect(r.status, r.text).toBe(status);
        if (status === 403) {
          expect(r.json.error.type).toBe('auth_error');
          if (role.endsWith('viewer')) expect(r.json.error.message).toBe('View-only users cannot manage models.');
          else if (scope === 'team') expect(r.json.error.message).toContain('Team ID=t-a does not match the API key');
          else expect(r.json.error.message).toContain('User does not have permission to make this model call.');
        }
      });
    }
  });

  describe('who may update and delete', () => {
    let teamModelId: string;
    let proxyModelId: string;
    beforeAll(async () => {
      teamModelId = (await ok('POST', '/model/new', teamModel('t-a', teamUpstream.url), keys.team_a_admin)).model_id;
      const plain = teamModel('t-a', teamUpstream.url);
      delete (plain.model_info as Record<string, unknown>).team_id;
      proxyModelId = (await ok('POST', '/model/new', plain)).model_id;
    });
    const roles: Role[] = ['team_b_admin', 'team_a_member', 'proxy_admin_viewer', 'internal_user_viewer'];
    for (const role of roles) {
      it(`${role} may not update or delete team t-a's model`, async () => {
        expect((await send('PATCH', `/model/${teamModelId}/update`, { litellm_params: { rpm: 5 } }, keys[role])).status).toBe(403);
        expect((await send('POST', '/model/update', { model_info: { id: teamModelId }, litellm_params: { rpm: 5 } }, keys[role])).status).toBe(403);
        expect((await send('POST', '/model/delete', { id: teamModelId }, keys[role])).status).toBe(403);
      });
    }
    it("team t-a's admin may update its team's model but not a proxy model, nor move its model to another team", async () => {
      expect((await send('PATCH', `/model/${teamModelId}/update`, { litellm_params: { rpm: 7 } }, keys.team_a_admin)).status).toBe(200);
      expect((await send('PATCH', `/model/${proxyModelId}/update`, { litellm_params: { rpm: 7 } }, keys.team_a_admin)).status).toBe(403);
      expect((await send('POST', '/model/delete', { id: proxyModelId }, keys.team_a_admin)).status).toBe(403);
      expect((await send('PATCH', `/model/${teamModelId}/update`, { model_info: { team_id: 't-b' } }, keys.team_a_admin)).status).toBe(403);
    });
    it("team t-a's admin and the proxy admin may delete", async () => {
      expect((await send('POST', '/model/delete', { id: teamModelId }, keys.team_a_admin)).status).toBe(200);
      expect((await send('POST', '/model/delete', { id: proxyModelId })).status).toBe(200);
    });
  });

  describe('calling a team model', () => {
    let publicName: string;
    let internalName: string;
    beforeAll(async () => {
      const body = teamModel('t-a', teamUpstream.url);
      publicName = body.model_name;
      const added = await ok('POST', '/model/new', body, keys.team_a_admin);
      internalName = added.model_name;
      expect(internalName).toMatch(/^model_name_t-a_[0-9a-f-]{36}$/);
      expect(added.model_info.team_public_model_name).toBe(publicName);
    });

    it("the team's keys call it by its public name, with the team's own provider key", async () => {
      const r = await chat(keys.team_a_member, publicName);
      expect(r.status, r.text).toBe(200);
      expect(teamUpstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEAM_KEY}`);
      expect((await chat(keys.team_a_admin, publicName)).status).toBe(200);
    });

    it('other teams and keys without a team cannot call it, by either name', async () => {
      expect((await chat(keys.team_b_admin, publicName)).status).toBe(400);
      const direct = await chat(keys.team_b_admin, internalName);
      expect(direct.status).toBe(401);
      expect(direct.json.error.message).toContain('not allowed to access model');
      expect((await chat(noTeamKey, publicName)).status).toBe(400);
      expect((await chat(noTeamKey, internalName)).status).toBe(401);
    });

    it("a key of the team whose own list leaves it out cannot call it", async () => {
      expect((await chat(narrowKey, publicName)).status).toBe(401);
      expect((await chat(narrowKey, 'gpt-4')).status).toBe(200);
    });

    it('/v1/models and /model/info show it to the team under its public name, to no one else', async () => {
      const mine = (await ok('GET', '/v1/models', undefined, keys.team_a_member)).data.map((m: { id: string }) => m.id);
      expect(mine).toContain(publicName);
      expect(mine).not.toContain(internalName);
      const theirs = (await ok('GET', '/v1/models', undefined, keys.team_b_admin)).data.map((m: { id: string }) => m.id);
      expect(theirs).not.toContain(publicName);
      expect(theirs).not.toContain(internalName);
      const info = await ok('GET', '/model/info', undefined, keys.team_a_member);
      const entry = info.data.find((m: { model_name: string }) => m.model_name === publicName);
      expect(entry.model_info).toMatchObject({ team_id: 't-a', team_public_model_name: publicName, db_model: true });
      expect(JSON.stringify(info)).not.toContain(TEAM_KEY);
      const other = await ok('GET', '/model/info', undefined, keys.team_b_admin);
      expect(other.data.map((m: { model_name: string }) => m.model_name)).not.toContain(publicName);
    });

    it("a team model never reads the gateway's environment", async () => {
      const r = await send('POST', '/model/new', teamModel('t-a', teamUpstream.url, { api_key: 'os.environ/LITELLM_SALT_KEY' }), keys.team_a_admin);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain('os.environ/');
    });
  });
});
