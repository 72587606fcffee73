/**
 * The tenancy API end to end on SQLite and on Postgres + Redis: every entity's routes with
 * LiteLLM's field names, bad input and unknown ids, the scopes a call carries, customers and
 * blocked teams at request time, spend on the info routes, and budget window resets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, LimitScope, Principal } from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, createPostgresSchema, uniqueTag } from '../../../test/support/backends.js';
import { startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';
import { client, eventually, tenancyConfig } from './tenancy-client.js';

interface Seen {
  scopes: LimitScope[];
  tags: string[];
  principal: Principal;
}
const store = globalThis as unknown as { __tenancySeen: Seen[]; __tenancyAudit: AuditEvent[] };
const seen: Seen[] = (store.__tenancySeen = []);
const audits: AuditEvent[] = (store.__tenancyAudit = []);

/** Sees each call after tenancy's preCall (stage AUTH) and before any budget plugin. */
const recorder = () =>
  writeTestPlugin({
    id: 'tenancy-recorder',
    hooks: { preCall: { stage: 'BUDGET' }, onAudit: { stage: 'OBSERVE' } },
    source: pluginSource(`return {
      preCall: async (ctx) => { globalThis.__tenancySeen.push(JSON.parse(JSON.stringify({ scopes: ctx.scopes, tags: ctx.tags, principal: ctx.principal }))); },
      onAudit: async (e) => { globalThis.__tenancyAudit.push(e); },
    };`),
  });

function tenancySuite(label: string, env: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>) {
  describe(label, () => {
    let gw: TestGateway;
    let cleanup: () => Promise<void> = async () => {};
    const api = client(() => gw);

    beforeAll(async () => {
      const e = await env();
      cleanup = e.cleanup;
      const dir = recorder();
      const config = tenancyConfig({
        plugins: [{ use: 'tenancy-recorder' }, { use: 'governance-tenancy', config: { budget_reset_interval_ms: 200, spend_flush_interval_ms: 100 } }],
      } as Partial<SluiceConfig>);
      gw = await startGateway(config, { env: e.env, extraPluginDirs: [dir] });
    });
    afterAll(async () => {
      await gw?.close();
      await cleanup();
    });

    it('users: new (with a key), info, update, list, delete', async () => {
      const created = await api.ok('POST', '/user/new', { user_id: 'u-new', user_email: 'u@example.com', user_role: 'internal_user', max_budget: 5, rpm_limit: 7, metadata: { dept: 'x' } });
      expect(created).toMatchObject({ user_id: 'u-new', user_email: 'u@example.com', user_role: 'internal_user', max_budget: 5, rpm_limit: 7, spend: 0, teams: [] });
      expect(created.key).toMatch(/^sk-/);
      expect((await api.chat(created.key)).status).toBe(200);
      const noKey = await api.ok('POST', '/user/new', { user_email: 'nokey@example.com', auto_create_key: false });
      expect(noKey.key).toBeNull();
      expect(noKey.user_id).toMatch(/^[0-9a-f-]{36}$/);
      const info = await api.ok('GET', '/user/info?user_id=u-new');
      expect(info).toMatchObject({ user_id: 'u-new', user_info: { user_email: 'u@example.com', max_budget: 5 }, teams: [] });
      expect(info.keys).toHaveLength(1);
      const updated = await api.ok('POST', '/user/update', { user_id: 'u-new', max_budget: 9, budget_duration: '30d' });
      expect(updated).toMatchObject({ max_budget: 9, budget_duration: '30d' });
      // LiteLLM's get_budget_reset_time: `30d` resets on the 1st of next month, 00:00 UTC.
      const today = new Date();
      expect(updated.budget_reset_at).toBe(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1)).toISOString());
      const list = await api.ok('GET', '/user/list?page_size=100');
      expect(list).toMatchObject({ page: 1, page_size: 100 });
      expect(list.users.map((u: { user_id: string }) => u.user_id)).toContain('u-new');
      expect(await api.ok('POST', '/user/delete', { user_ids: ['u-new'] })).toMatchObject({ deleted_users: ['u-new'], deleted_keys: 1 });
      expect((await api.get('/user/info?user_id=u-new')).status).toBe(404);
      expect((await api.chat(created.key)).status).toBe(401);
    });

    it('users: /user/list filters by sso_user_ids (exact) and user_email (partial, case-insensitive), as LiteLLM', async () => {
      await api.ok('POST', '/user/new', { user_id: 'ul-1', user_email: 'Ann.Lee@Example.com', sso_user_id: 'okta|001', auto_create_key: false });
      await api.ok('POST', '/user/new', { user_id: 'ul-2', user_email: 'bob_x@example.com', sso_user_id: 'okta|002', auto_create_key: false });
      const ids = (r: { users: Array<{ user_id: string }> }) => r.users.map((u) => u.user_id).sort();
      expect(ids(await api.ok('GET', '/user/list?sso_user_ids=okta%7C001'))).toEqual(['ul-1']);
      expect(ids(await api.ok('GET', '/user/list?sso_user_ids=okta%7C001,okta%7C002'))).toEqual(['ul-1', 'ul-2']);
      expect(ids(await api.ok('GET', '/user/list?sso_user_ids=okta%7C00'))).toEqual([]);
      expect(ids(await api.ok('GET', '/user/list?user_email=ann.lee%40example'))).toEqual(['ul-1']);
      // `_` and `%` are matched literally, not as LIKE wildcards.
      expect(ids(await api.ok('GET', '/user/list?user_email=b_x'))).toEqual(['ul-2']);
      expect(ids(await api.ok('GET', '/user/list?user_email=o_x'))).toEqual([]);
      expect(ids(await api.ok('GET', '/user/list?user_email=%25'))).toEqual([]);
      await api.ok('POST', '/user/delete', { user_ids: ['ul-1', 'ul-2'] });
    });

    it('users: bad input is a 400 envelope, unknown ids a 404', async () => {
      for (const body of [{ user_role: 'god' }, { max_budget: 'lots' }, { nope: 1 }, { teams: ['no-such-team'] }]) {
        const r = await api.post('/user/new', body);
        expect([400, 404], JSON.stringify(body)).toContain(r.status);
        expect(r.json.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
      }
      expect((await api.post('/user/new', { user_role: 'god' })).json.error.type).toBe('invalid_request_error');
      // LiteLLM's /user/update upserts: a proxy admin naming an unknown user creates it.
      expect((await api.post('/user/update', { user_id: 'ghost', max_budget: 1 })).json).toMatchObject({ user_id: 'ghost', max_budget: 1 });
      expect((await api.post('/user/update', { user_email: 'ghost@nowhere', max_budget: 1 })).status).toBe(404);
      expect((await api.post('/user/delete', { user_ids: ['no-such-user'] })).status).toBe(404);
      expect((await api.post('/user/delete', {})).status).toBe(400);
    });

    it('teams: new with members, info, update, member_add/delete, list, delete', async () => {
      const t = await api.ok('POST', '/team/new', {
        team_id: 't-1', team_alias: 'Team One', models: ['a'], max_budget: 10, tpm_limit: 1000, rpm_limit: 60, max_parallel_requests: 3,
        model_rpm_limit: { a: 5 }, model_tpm_limit: { a: 500 }, metadata: { guardrails: ['g-meta'], permissions: { hide_secrets: false } }, guardrails: ['g1'], tags: ['prod'],
        members_with_roles: [{ user_id: 't1-admin', role: 'admin' }, { user_email: 'member@example.com', role: 'user' }],
      });
      expect(t).toMatchObject({ team_id: 't-1', team_alias: 'Team One', models: ['a'], max_budget: 10, blocked: false, spend: 0, model_rpm_limit: { a: 5 } });
      expect(t.members_with_roles).toEqual(expect.arrayContaining([{ user_id: 't1-admin', user_email: null, role: 'admin' }, expect.objectContaining({ user_email: 'member@example.com', role: 'user' })]));
      const info = await api.ok('GET', '/team/info?team_id=t-1');
      expect(info).toMatchObject({ team_id: 't-1', team_info: { team_alias: 'Team One' }, keys: [] });
      const upd = await api.ok('POST', '/team/update', { team_id: 't-1', team_alias: 'Renamed', max_budget: 20 });
      expect(upd).toMatchObject({ team_id: 't-1', data: { team_alias: 'Renamed', max_budget: 20 } });
      const added = await api.ok('POST', '/team/member_add', { team_id: 't-1', member: { user_id: 'late', role: 'user' } });
      expect(added.updated_users).toEqual([{ user_id: 'late', user_email: null, role: 'user' }]);
      expect(added.members_with_roles.map((m: { user_id: string }) => m.user_id)).toContain('late');
      expect((await api.ok('GET', '/user/info?user_id=late')).user_info.teams).toEqual(['t-1']);
      const removed = await api.ok('POST', '/team/member_delete', { team_id: 't-1', user_id: 'late' });
      expect(removed.members_with_roles.map((m: { user_id: string }) => m.user_id)).not.toContain('late');
      expect((await api.ok('GET', '/team/list')).map((x: { team_id: string }) => x.team_id)).toContain('t-1');
      await api.ok('POST', '/team/new', { team_id: 't-gone' });
      expect(await api.ok('POST', '/team/delete', { team_ids: ['t-gone'] })).toMatchObject({ deleted_teams: ['t-gone'] });
      expect((await api.get('/team/info?team_id=t-gone')).status).toBe(404);
    });

    it('teams: /v2/team/list pages, filters and sorts; a non-admin lists its own teams', async () => {
      for (const [id, alias] of [['v2-c', 'gamma Squad'], ['v2-a', 'alpha squad'], ['v2-b', 'Beta Crew']]) await api.ok('POST', '/team/new', { team_id: id, team_alias: alias });
      const page1 = await api.ok('GET', '/v2/team/list?page=1&page_size=2&team_alias=SQUAD&sort_by=team_alias&sort_order=asc');
      expect(page1).toMatchObject({ total: 2, page: 1, page_size: 2, total_pages: 1 });
      expect(page1.teams.map((t: { team_id: string }) => t.team_id)).toEqual(['v2-a', 'v2-c']);
      const desc = await api.ok('GET', '/v2/team/list?page=2&page_size=1&team_alias=squad&sort_by=team_id&sort_order=desc');
      expect(desc).toMatchObject({ total: 2, page: 2, total_pages: 2 });
      expect(desc.teams.map((t: { team_id: string }) => t.team_id)).toEqual(['v2-a']);
      expect((await api.ok('GET', '/v2/team/list?team_id=v2-b')).teams).toEqual([expect.objectContaining({ team_id: 'v2-b', team_alias: 'Beta Crew', members_with_roles: expect.any(Array) })]);
      // Newest first by default.
      const all = await api.ok('GET', '/v2/team/list?page_size=100');
      expect(all.teams.length).toBe(all.total);
      expect(all.teams.findIndex((t: { team_id: string }) => t.team_id === 'v2-b')).toBeLessThan(all.teams.findIndex((t: { team_id: string }) => t.team_id === 'v2-c'));
      await api.ok('POST', '/team/member_add', { team_id: 'v2-b', member: { user_id: 'v2-member', role: 'user' } });
      const member = await api.keyFor({ user_id: 'v2-member' });
      const own = await api.ok('GET', '/v2/team/list', undefined, member);
      expect(own.teams.map((t: { team_id: string }) => t.team_id)).toEqual(['v2-b']);
      expect((await api.send('GET', '/v2/team/list?user_id=t1-admin', undefined, member)).status).toBe(403);
      expect((await api.get('/v2/team/list?user_id=nobody')).status).toBe(404);
      expect((await api.get('/v2/team/list?page_size=101')).status).toBe(400);
    });

    it('teams: bad input 400, unknown 404, duplicate 400', async () => {
      expect((await api.post('/team/new', { models: 'a' })).status).toBe(400);
      expect((await api.post('/team/new', { members_with_roles: [{ user_id: 'x', role: 'owner' }] })).status).toBe(400);
      expect((await api.post('/team/new', { organization_id: 'no-org' })).status).toBe(404);
      await api.ok('POST', '/team/new', { team_id: 'dup' });
      expect((await api.post('/team/new', { team_id: 'dup' })).status).toBe(400);
      for (const [path, body] of [
        ['/team/update', { team_id: 'ghost', team_alias: 'x' }],
        ['/team/member_add', { team_id: 'ghost', member: { user_id: 'x', role: 'user' } }],
        ['/team/member_delete', { team_id: 'ghost', user_id: 'x' }],
        ['/team/block', { team_id: 'ghost' }],
        ['/team/delete', { team_ids: ['ghost'] }],
      ] as const) {
        const r = await api.post(path, body);
        expect(r.status, path).toBe(404);
        expect(r.json.error.type).toBe('not_found_error');
      }
    });

    it('a blocked team: its keys are refused with LiteLLM message until unblocked', async () => {
      await api.ok('POST', '/team/new', { team_id: 't-block' });
      const key = await api.keyFor({ team_id: 't-block' });
      expect((await api.chat(key)).status).toBe(200);
      expect((await api.ok('POST', '/team/block', { team_id: 't-block' })).blocked).toBe(true);
      const refused = await api.chat(key);
      expect(refused.status).toBe(401);
      expect(refused.json.error.message).toBe("Authentication Error, Team=t-block is blocked. Update via `/team/unblock` if you're an admin.");
      await api.ok('POST', '/team/unblock', { team_id: 't-block' });
      expect((await api.chat(key)).status).toBe(200);
    });

    it('organizations: new, update, info, member_add, list, delete', async () => {
      const o = await api.ok('POST', '/organization/new', { organization_id: 'o-1', organization_alias: 'Org', models: ['a'], max_budget: 100, rpm_limit: 50 });
      expect(o).toMatchObject({ organization_id: 'o-1', organization_alias: 'Org', spend: 0, litellm_budget_table: { max_budget: 100, rpm_limit: 50 }, members: [], teams: [] });
      const patched = await api.ok('PATCH', '/organization/update', { organization_id: 'o-1', organization_alias: 'Org 2' });
      expect(patched.organization_alias).toBe('Org 2');
      const added = await api.ok('POST', '/organization/member_add', { organization_id: 'o-1', member: [{ user_id: 'o1-admin', role: 'org_admin' }, { user_email: 'x@o1.com', role: 'internal_user' }] });
      expect(added.updated_users).toHaveLength(2);
      await api.ok('POST', '/team/new', { team_id: 't-in-o1', organization_id: 'o-1' });
      const info = await api.ok('GET', '/organization/info?organization_id=o-1');
      expect(info.members).toEqual(expect.arrayContaining([expect.objectContaining({ user_id: 'o1-admin', user_role: 'org_admin' })]));
      expect(info.teams.map((t: { team_id: string }) => t.team_id)).toEqual(['t-in-o1']);
      expect((await api.ok('GET', '/organization/list')).map((x: { organization_id: string }) => x.organization_id)).toContain('o-1');
      const busy = await api.send('DELETE', '/organization/delete', { organization_ids: ['o-1'] });
      expect(busy.status).toBe(400);
      expect(busy.json.error.message).toMatch(/team\(s\) belong to it/);
      await api.ok('POST', '/organization/new', { organization_id: 'o-empty' });
      expect((await api.ok('DELETE', '/organization/delete', { organization_ids: ['o-empty'] }))[0].organization_id).toBe('o-empty');
      expect((await api.get('/organization/info?organization_id=o-empty')).status).toBe(404);
      expect((await api.post('/organization/new', { max_budget: -1 })).status).toBe(400);
      expect((await api.post('/organization/member_add', { organization_id: 'o-1', member: { user_id: 'x', role: 'boss' } })).status).toBe(400);
    });

    it('projects: new under a team (fitting its limits), info, update, list, delete', async () => {
      await api.ok('POST', '/team/new', { team_id: 't-proj', models: ['a'], max_budget: 10 });
      const outside = await api.post('/project/new', { team_id: 't-proj', models: ['b'] });
      expect(outside.status).toBe(400);
      expect(outside.json.error.message).toContain("Model 'b' not in team's allowed models");
      expect((await api.post('/project/new', { team_id: 't-proj', max_budget: 11 })).status).toBe(400);
      expect((await api.post('/project/new', { project_alias: 'orphan' })).status).toBe(400);
      expect((await api.post('/project/new', { team_id: 'ghost' })).status).toBe(404);
      const p = await api.ok('POST', '/project/new', { project_id: 'p-1', project_alias: 'Flights', description: 'search', team_id: 't-proj', models: ['a'], max_budget: 5, model_rpm_limit: { a: 2 }, metadata: { use_case_id: 'SNOW-1' } });
      expect(p).toMatchObject({ project_id: 'p-1', project_alias: 'Flights', team_id: 't-proj', models: ['a'], spend: 0, litellm_budget_table: { max_budget: 5 } });
      expect((await api.ok('POST', '/project/update', { project_id: 'p-1', description: 'v2' })).description).toBe('v2');
      expect((await api.ok('GET', '/project/info?project_id=p-1')).project_alias).toBe('Flights');
      expect((await api.ok('GET', '/project/list')).map((x: { project_id: string }) => x.project_id)).toContain('p-1');
      const key = await api.keyFor({ project_id: 'p-1', team_id: 't-proj' });
      const busy = await api.send('DELETE', '/project/delete', { project_ids: ['p-1'] });
      expect(busy.status).toBe(400);
      expect(busy.json.error.message).toContain('1 key(s) are associated with it');
      await api.ok('POST', '/key/delete', { keys: [key] });
      expect((await api.ok('DELETE', '/project/delete', { project_ids: ['p-1'] }))[0].project_id).toBe('p-1');
      expect((await api.get('/project/info?project_id=p-1')).status).toBe(404);
    });

    it('customers: new, info, update, list, block/unblock (and /user/unblock), delete', async () => {
      const c = await api.ok('POST', '/customer/new', { user_id: 'c-1', alias: 'Acme', max_budget: 3, default_model: 'a', allowed_model_region: 'eu' });
      expect(c).toMatchObject({ user_id: 'c-1', alias: 'Acme', blocked: false, spend: 0, default_model: 'a', litellm_budget_table: { max_budget: 3 } });
      expect((await api.post('/customer/new', { user_id: 'c-1' })).json.error.message).toContain('Customer already exists, passed user_id=c-1');
      expect((await api.post('/customer/new', { user_id: 'c-x', default_model: 'nope' })).status).toBe(400);
      expect((await api.ok('POST', '/customer/update', { user_id: 'c-1', alias: 'Acme Inc' })).alias).toBe('Acme Inc');
      expect((await api.ok('GET', '/customer/info?end_user_id=c-1')).alias).toBe('Acme Inc');
      expect((await api.ok('GET', '/customer/list')).map((x: { user_id: string }) => x.user_id)).toContain('c-1');
      const key = await api.keyFor({});
      expect((await api.chat(key, { user: 'c-1' })).status).toBe(200);
      const blocked = await api.ok('POST', '/customer/block', { user_ids: ['c-1'] });
      expect(blocked.blocked_users[0]).toMatchObject({ user_id: 'c-1', blocked: true });
      const refused = await api.chat(key, { user: 'c-1' });
      expect(refused.status).toBe(400);
      expect(refused.json.error.message).toBe('User blocked from making LLM API Calls. User=c-1');
      expect((await api.chat(key)).status).toBe(200);
      expect((await api.ok('POST', '/user/unblock', { user_ids: ['c-1'] })).unblocked_users[0].blocked).toBe(false);
      expect((await api.chat(key, { user: 'c-1' })).status).toBe(200);
      // Blocking an unknown customer creates it blocked.
      await api.ok('POST', '/customer/block', { user_ids: ['c-new'] });
      expect((await api.chat(key, { user: 'c-new' })).status).toBe(400);
      await api.ok('POST', '/customer/unblock', { user_ids: ['c-new'] });
      expect((await api.chat(key, { user: 'c-new' })).status).toBe(200);
      expect(await api.ok('POST', '/customer/delete', { user_ids: ['c-new'] })).toEqual({ deleted_customers: 1, message: "Successfully deleted customers with ids: ['c-new']" });
      expect((await api.get('/customer/info?end_user_id=ghost')).status).toBe(404);
      expect((await api.post('/customer/block', { user_ids: [] })).status).toBe(400);
    });

    it('a customer named by a request is created on first use', async () => {
      const key = await api.keyFor({});
      const name = `first-use-${uniqueTag()}`;
      expect((await api.get(`/customer/info?end_user_id=${name}`)).status).toBe(404);
      expect((await api.chat(key, { user: name })).status).toBe(200);
      expect(await eventually(async () => (await api.get(`/customer/info?end_user_id=${name}`)).status === 200)).toBe(true);
    });

    it('tags and budgets: new, info, list; referenced by budget_id', async () => {
      const b = await api.ok('POST', '/budget/new', { budget_id: 'free-tier', max_budget: 2, rpm_limit: 4, budget_duration: '1d', model_max_budget: { a: { budget_limit: 1, time_period: '1d' } } });
      expect(b).toMatchObject({ budget_id: 'free-tier', max_budget: 2, rpm_limit: 4, budget_duration: '1d' });
      expect(await api.ok('POST', '/budget/info', { budgets: ['free-tier'] })).toEqual([expect.objectContaining({ budget_id: 'free-tier' })]);
      expect((await api.post('/budget/info', { budgets: ['ghost'] })).status).toBe(404);
      expect((await api.post('/budget/new', { budget_duration: 'soon' })).status).toBe(400);
      const t = await api.ok('POST', '/tag/new', { name: 'batch', description: 'batch jobs', budget_id: 'free-tier', tpm_limit: 900 });
      expect(t).toMatchObject({ message: 'Tag batch created successfully', tag: { name: 'batch', tpm_limit: 900, litellm_budget_table: { budget_id: 'free-tier', max_budget: 2 } } });
      expect((await api.ok('POST', '/tag/info', { names: ['batch'] })).batch.description).toBe('batch jobs');
      expect((await api.ok('GET', '/tag/list')).map((x: { name: string }) => x.name)).toContain('batch');
      expect((await api.post('/tag/info', { names: ['ghost'] })).status).toBe(404);
      expect((await api.post('/tag/new', { name: 'batch' })).status).toBe(400);
      expect((await api.post('/tag/new', { name: 'x', budget_id: 'ghost' })).status).toBe(404);
      const c = await api.ok('POST', '/customer/new', { user_id: 'c-free', budget_id: 'free-tier' });
      expect(c.litellm_budget_table).toMatchObject({ budget_id: 'free-tier', max_budget: 2, rpm_limit: 4 });
    });

    it('keys: per-model limits, temporary increases and budget_id are stored and returned; team rules hold', async () => {
      await api.ok('POST', '/team/new', { team_id: 't-keys', models: ['a'] });
      const g = await api.ok('POST', '/key/generate', {
        team_id: 't-keys', models: ['a'], model_max_budget: { a: { budget_limit: 0.0005, time_period: '1d' } }, model_rpm_limit: { a: 2 }, model_tpm_limit: { a: 200 }, budget_id: 'free-tier',
      });
      const expiry = new Date(Date.now() + 86_400_000).toISOString();
      await api.ok('POST', '/key/update', { key: g.key, temp_budget_increase: 5, temp_budget_expiry: expiry });
      const info = (await api.ok('GET', `/key/info?key=${g.key}`)).info;
      expect(info).toMatchObject({ model_max_budget: { a: { budget_limit: 0.0005, time_period: '1d' } }, model_rpm_limit: { a: 2 }, model_tpm_limit: { a: 200 }, budget_id: 'free-tier', temp_budget_increase: 5, temp_budget_expiry: expiry });
      const unknownTeam = await api.post('/key/generate', { team_id: 'ghost-team' });
      expect(unknownTeam.status).toBe(400);
      expect(unknownTeam.json.error.message).toContain('Team not found in db - Team=ghost-team');
      const outside = await api.post('/key/generate', { team_id: 't-keys', models: ['b'] });
      expect(outside.status).toBe(400);
      expect(outside.json.error.message).toContain("Model 'b' not in team's allowed models");
      expect((await api.post('/key/update', { key: g.key, temp_budget_increase: 5 })).status).toBe(400);
      expect((await api.post('/key/generate', { temp_budget_increase: 5 })).status).toBe(400);
      expect((await api.post('/key/generate', { model_max_budget: { a: 1 } })).status).toBe(400);
      // A key without models in a team with models is limited to the team's.
      const teamOnly = await api.keyFor({ team_id: 't-keys' });
      expect((await api.chat(teamOnly)).status).toBe(200);
      expect((await api.chat(teamOnly, { model: 'b' })).status).toBe(401);
    });

    it('the principal carries role, admin rights, models, team metadata and every scope', async () => {
      await api.ok('POST', '/organization/new', { organization_id: 'o-scope', organization_alias: 'Scoped Org', max_budget: 10_000, budget_duration: '30d' });
      await api.ok('POST', '/team/new', {
        team_id: 't-scope', team_alias: 'Scoped', organization_id: 'o-scope', models: ['a'], rpm_limit: 60, tpm_limit: 6000, max_parallel_requests: 4, max_budget: 5_000, soft_budget: 4_000,
        model_rpm_limit: { a: 30 }, metadata: { guardrails: ['meta-g'], permissions: { hide_secrets: false } }, guardrails: ['team-g'], tags: ['team-tag'],
      });
      await api.ok('POST', '/user/new', { user_id: 'u-scope', user_email: 'scope@example.com', max_budget: 2_000, rpm_limit: 10, auto_create_key: false });
      await api.ok('POST', '/team/member_add', { team_id: 't-scope', member: { user_id: 'u-scope', role: 'admin' } });
      await api.ok('POST', '/project/new', { project_id: 'p-scope', team_id: 't-scope', max_budget: 3_000, rpm_limit: 5 });
      await api.ok('POST', '/tag/new', { name: 'scoped-tag', max_budget: 900 });
      const key = await api.keyFor({ user_id: 'u-scope', team_id: 't-scope', project_id: 'p-scope', key_alias: 'scoped', max_budget: 1_000, rpm_limit: 3, tags: ['from-key'], model_rpm_limit: { a: 1 } });
      seen.length = 0;
      const r = await api.chat(key, { user: 'cust-scope', metadata: { tags: ['scoped-tag'] } });
      expect(r.status, r.text).toBe(200);
      const call = seen.at(-1)!;
      expect(call.principal).toMatchObject({
        role: 'team_admin', userId: 'u-scope', teamId: 't-scope', organizationId: 'o-scope', projectId: 'p-scope', models: ['a'],
        adminOf: { teams: ['t-scope'], organizations: [] },
        metadata: { team_alias: 'Scoped', team_guardrails: ['team-g', 'meta-g'], team_permissions: { hide_secrets: false }, team_metadata: { guardrails: ['meta-g'] } },
      });
      const byKind = Object.fromEntries(call.scopes.map((s) => [s.kind, s]));
      expect(Object.keys(byKind).sort()).toEqual(['customer', 'key', 'organization', 'project', 'tag', 'team', 'user']);
      expect(byKind.key).toMatchObject({ id: call.principal.keyHash, alias: 'scoped', maxBudget: 1_000, rpmLimit: 3, modelRpmLimit: { a: 1 }, alertEmails: ['scope@example.com'] });
      expect(byKind.user).toMatchObject({ id: 'u-scope', maxBudget: 2_000, rpmLimit: 10 });
      expect(byKind.team).toMatchObject({ id: 't-scope', alias: 'Scoped', rpmLimit: 60, tpmLimit: 6000, maxParallelRequests: 4, maxBudget: 5_000, softBudget: 4_000, modelRpmLimit: { a: 30 } });
      expect(byKind.organization).toMatchObject({ id: 'o-scope', maxBudget: 10_000, budgetDuration: '30d', budgetAnchor: expect.any(Number) });
      expect(byKind.project).toMatchObject({ id: 'p-scope', maxBudget: 3_000, rpmLimit: 5 });
      expect(byKind.customer).toMatchObject({ id: 'cust-scope' });
      expect(byKind.tag).toMatchObject({ id: 'scoped-tag', maxBudget: 900 });
      // LiteLLM adds the key's and the team's tags to the call's.
      expect(call.tags).toEqual(expect.arrayContaining(['scoped-tag', 'from-key', 'team-tag']));
    });

    it('spend accumulates on /key/info, /team/info, /user/info, /customer/info and /tag/info', async () => {
      await api.ok('POST', '/team/new', { team_id: 't-spend' });
      await api.ok('POST', '/user/new', { user_id: 'u-spend', auto_create_key: false });
      await api.ok('POST', '/team/member_add', { team_id: 't-spend', member: { user_id: 'u-spend', role: 'user' } });
      await api.ok('POST', '/tag/new', { name: 'spend-tag' });
      const key = await api.keyFor({ user_id: 'u-spend', team_id: 't-spend' });
      let total = 0;
      for (let i = 0; i < 3; i++) {
        const r = await api.chat(key, { user: 'c-spend', metadata: { tags: ['spend-tag'] } });
        expect(r.status).toBe(200);
        total += Number(r.headers.get('x-litellm-response-cost'));
      }
      expect(total).toBeGreaterThan(0);
      const close = (v: number) => Math.abs(v - total) < 1e-9;
      expect(await eventually(async () => close((await api.ok('GET', `/key/info?key=${key}`)).info.spend))).toBe(true);
      expect(close((await api.ok('GET', '/team/info?team_id=t-spend')).team_info.spend)).toBe(true);
      expect(close((await api.ok('GET', '/user/info?user_id=u-spend')).user_info.spend)).toBe(true);
      expect(close((await api.ok('GET', '/customer/info?end_user_id=c-spend')).spend)).toBe(true);
      expect(close((await api.ok('POST', '/tag/info', { names: ['spend-tag'] }))['spend-tag'].spend)).toBe(true);
    });

    it('stored spend goes back to 0 when the budget window passes', async () => {
      const g = await api.ok('POST', '/key/generate', { budget_duration: '1s' });
      expect(g.budget_reset_at).not.toBeNull();
      expect((await api.chat(g.key)).status).toBe(200);
      const spendOf = async () => (await api.ok('GET', `/key/info?key=${g.key}`)).info;
      expect(await eventually(async () => (await spendOf()).spend > 0)).toBe(true);
      // Generous under CI load: the reset job and the batched spend write both run on timers.
      expect(await eventually(async () => (await spendOf()).spend === 0, 10_000)).toBe(true);
      expect(Date.parse((await spendOf()).budget_reset_at)).toBeGreaterThan(Date.parse(g.budget_reset_at));
    });

    it('every management operation is audited with actor, action and object', async () => {
      audits.length = 0;
      await api.ok('POST', '/organization/new', { organization_id: 'o-audit' });
      await api.ok('POST', '/team/new', { team_id: 't-audit', organization_id: 'o-audit' });
      await api.ok('POST', '/team/update', { team_id: 't-audit', max_budget: 3 });
      await api.ok('POST', '/customer/block', { user_ids: ['c-audit'] });
      await expect.poll(() => audits.length).toBeGreaterThanOrEqual(4);
      expect(audits.map((a) => a.action)).toEqual(['organization.new', 'team.new', 'team.update', 'customer.block']);
      expect(audits[2]).toMatchObject({ actor: { id: 'master_key', role: 'proxy_admin' }, objectType: 'team', objectId: 't-audit', before: { max_budget: null }, after: { max_budget: 3 }, ip: expect.any(String) });
    });
  });
}

tenancySuite('tenancy API on SQLite', async () => ({ env: { DATABASE_URL: `sqlite:${tempDir()}/sluice.db` }, cleanup: async () => {} }));

describe.skipIf(!backends.postgres || !backends.redis)(`tenancy API on Postgres + Redis (${backends.skipReason.postgres ?? backends.skipReason.redis ?? 'available'})`, () => {
  tenancySuite('suite', async () => {
    const schema = await createPostgresSchema(backends.postgres!);
    // Redis holds only pub/sub and the reset lock here (released after each round): nothing to clean.
    return { env: { DATABASE_URL: schema.url, REDIS_URL: backends.redis! }, cleanup: () => schema.drop() };
  });
});
