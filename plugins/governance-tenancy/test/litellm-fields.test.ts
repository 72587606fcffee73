/**
 * Issue 14, item 3 (teams, organizations, customers) and item 5 (proxy budget): LiteLLM's request
 * fields accepted, stored and shown back; null where LiteLLM accepts it; the team routes LiteLLM's
 * clients call (/team/member_update, /team/model/add|delete, /end_user/*); budgets of a member
 * inside its team; `litellm_settings.max_budget` as LiteLLM's `litellm-proxy-budget` user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { client, eventually, tenancyConfig } from './tenancy-client.js';

describe('LiteLLM team, organization and customer fields', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  beforeAll(async () => {
    gw = await startGateway(tenancyConfig());
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('stores and shows back the NewTeamRequest fields it does not act on, with null accepted', async () => {
    const team = await api.ok('POST', '/team/new', {
      team_alias: 'fields',
      models: null,
      metadata: null,
      router_settings: { routing_strategy: 'simple-shuffle' },
      object_permission: { vector_stores: ['vs-1'] },
      team_member_budget: 5,
      policies: ['p-1'],
      rpm_limit_type: 'best_effort_throughput',
    });
    expect(team.router_settings).toEqual({ routing_strategy: 'simple-shuffle' });
    expect(team.object_permission).toEqual({ vector_stores: ['vs-1'] });
    expect(team.team_member_budget).toBe(5);
    expect(team.models).toEqual([]);
    // Every field of LiteLLM_TeamTable is there.
    for (const f of ['admins', 'members', 'members_with_roles', 'budget_limits', 'access_group_ids', 'model_id', 'model_spend', 'model_max_budget', 'allow_team_guardrail_config', 'litellm_model_table', 'object_permission_id', 'spend', 'budget_reset_at', 'created_at', 'updated_at']) {
      expect(team, f).toHaveProperty(f);
    }
    // An update naming other fields keeps them; one naming them changes them.
    const updated = (await api.ok('POST', '/team/update', { team_id: team.team_id, team_alias: 'renamed', policies: ['p-2'] })).data;
    expect(updated.router_settings).toEqual({ routing_strategy: 'simple-shuffle' });
    expect(updated.policies).toEqual(['p-2']);
    const info = await api.ok('GET', `/team/info?team_id=${team.team_id}`);
    expect(info.team_info.team_alias).toBe('renamed');
    expect(info.team_info.object_permission).toEqual({ vector_stores: ['vs-1'] });
    // A name LiteLLM does not have is still refused.
    expect((await api.post('/team/new', { team_alias: 'x', not_a_litellm_field: 1 })).status).toBe(400);
  });

  it('makes the creating user an admin of the team, as LiteLLM does', async () => {
    const team = await api.ok('POST', '/team/new', { members_with_roles: [{ role: 'user', user_id: 'creator-check' }] });
    expect(team.members_with_roles).toContainEqual(expect.objectContaining({ user_id: 'default_user_id', role: 'admin' }));
  });

  it('adds and removes team models with /team/model/add and /team/model/delete', async () => {
    const team = await api.ok('POST', '/team/new', { models: ['a'] });
    expect((await api.ok('POST', '/team/model/add', { team_id: team.team_id, models: ['b'] })).models).toEqual(['a', 'b']);
    expect((await api.ok('POST', '/team/model/delete', { team_id: team.team_id, models: ['a'] })).models).toEqual(['b']);
    expect((await api.post('/team/model/add', { team_id: 'no-such-team', models: ['b'] })).status).toBe(404);
  });

  it("enforces a member's budget inside its team (max_budget_in_team), with LiteLLM's message", async () => {
    const team = await api.ok('POST', '/team/new', { team_id: 'tm-budget', members_with_roles: [{ role: 'user', user_id: 'tm-user' }] });
    const update = await api.ok('POST', '/team/member_update', { team_id: team.team_id, user_id: 'tm-user', max_budget_in_team: 0.000001, tpm_limit: 1000 });
    expect(update).toMatchObject({ team_id: 'tm-budget', user_id: 'tm-user', max_budget_in_team: 0.000001, tpm_limit: 1000, rpm_limit: null });
    const key = await api.keyFor({ user_id: 'tm-user', team_id: team.team_id });
    expect((await api.chat(key)).status).toBe(200);
    const refused = await api.chat(key);
    expect(refused.status).toBe(400);
    expect(refused.json.error.type).toBe('budget_exceeded');
    expect(refused.json.error.message).toMatch(/^Budget has been exceeded! User=tm-user in Team=tm-budget Current cost: [\d.e-]+, Max budget: [\d.e-]+$/);
    // The member's spend shows on its membership.
    expect(await eventually(async () => (await api.ok('GET', '/team/info?team_id=tm-budget')).team_memberships.some((m: { user_id: string; spend: number }) => m.user_id === 'tm-user' && m.spend > 0))).toBe(true);
    // Another member of the team is not limited by it.
    await api.ok('POST', '/team/member_add', { team_id: team.team_id, member: { role: 'user', user_id: 'tm-other' } });
    expect((await api.chat(await api.keyFor({ user_id: 'tm-other', team_id: team.team_id }))).status).toBe(200);
    expect((await api.post('/team/member_update', { team_id: team.team_id, user_id: 'not-a-member', max_budget_in_team: 1 })).status).toBe(404);
  });

  it("applies the team's team_member_budget to each member without its own", async () => {
    await api.ok('POST', '/team/new', { team_id: 'tm-default', team_member_budget: 0.000001, members_with_roles: [{ role: 'user', user_id: 'tmd-user' }] });
    const key = await api.keyFor({ user_id: 'tmd-user', team_id: 'tm-default' });
    expect((await api.chat(key)).status).toBe(200);
    const refused = await api.chat(key);
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain('Budget has been exceeded! User=tmd-user in Team=tm-default');
    expect((await api.post('/team/new', { team_member_budget: 'lots' })).status).toBe(400);
  });

  it('serves the customer routes under /end_user/ too, with the NewCustomerRequest fields', async () => {
    const created = await api.ok('POST', '/end_user/new', { user_id: 'eu-1', allowed_model_region: null, default_model: null, object_permission: { agents: ['x'] }, blocked: null });
    expect(created).toMatchObject({ user_id: 'eu-1', blocked: false, object_permission: { agents: ['x'] }, allowed_model_region: null });
    await api.ok('POST', '/end_user/update', { user_id: 'eu-1', alias: 'Eu One' });
    const info = await api.ok('GET', '/end_user/info?end_user_id=eu-1');
    expect(info).toMatchObject({ alias: 'Eu One', object_permission: { agents: ['x'] } });
    expect((await api.ok('GET', '/end_user/list')).some((c: { user_id: string }) => c.user_id === 'eu-1')).toBe(true);
    await api.ok('POST', '/end_user/block', { user_ids: ['eu-1'] });
    expect((await api.chat(await api.keyFor({}), { user: 'eu-1' })).status).toBe(400);
    await api.ok('POST', '/end_user/delete', { user_ids: ['eu-1'] });
    expect((await api.get('/end_user/info?end_user_id=eu-1')).status).toBe(404);
  });

  it('stores and shows back the NewOrganizationRequest fields it does not act on', async () => {
    const org = await api.ok('POST', '/organization/new', { organization_alias: 'o', models: null, metadata: null, object_permission: { mcp_servers: ['s'] }, model_rpm_limit: { a: 5 } });
    expect(org).toMatchObject({ object_permission: { mcp_servers: ['s'] }, model_rpm_limit: { a: 5 }, models: [] });
    const info = await api.ok('GET', `/organization/info?organization_id=${org.organization_id}`);
    expect(info.object_permission).toEqual({ mcp_servers: ['s'] });
  });

  it('/spend/keys and /spend/users list records with their spend; /global/spend/reset zeroes keys and teams', async () => {
    await api.ok('POST', '/team/new', { team_id: 'reset-team' });
    await api.ok('POST', '/user/new', { user_id: 'spender', auto_create_key: false });
    const key = await api.keyFor({ user_id: 'spender', team_id: 'reset-team' });
    expect((await api.chat(key)).status).toBe(200);
    expect(await eventually(async () => (await api.ok('GET', '/spend/keys')).some((k: { spend: number; team_id: string }) => k.team_id === 'reset-team' && k.spend > 0))).toBe(true);
    const users = await api.ok('GET', '/spend/users?user_id=spender');
    expect(users).toHaveLength(1);
    expect(await eventually(async () => (await api.ok('GET', '/spend/users?user_id=spender'))[0].spend > 0)).toBe(true);
    expect(await api.ok('POST', '/global/spend/reset')).toEqual({ message: 'Spend for all API Keys and Teams reset successfully', status: 'success' });
    expect((await api.ok('GET', '/spend/keys')).every((k: { spend: number }) => k.spend === 0)).toBe(true);
    expect((await api.ok('GET', '/team/info?team_id=reset-team')).team_info.spend).toBe(0);
    const refused = await api.post('/global/spend/reset', {}, key);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('Tried to access route=/global/spend/reset, which is only for MASTER KEY');
  });
});

describe('proxy budget (litellm_settings.max_budget, budget_duration)', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  beforeAll(async () => {
    gw = await startGateway(tenancyConfig({ litellm_settings: { max_budget: 0.05, budget_duration: '30d' } } as never));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("keeps the proxy's budget on the user litellm-proxy-budget and refuses every caller past it, with LiteLLM's message", async () => {
    const budgetUser = await api.ok('GET', '/user/info?user_id=litellm-proxy-budget');
    expect(budgetUser.user_info).toMatchObject({ user_id: 'litellm-proxy-budget', max_budget: 0.05, budget_duration: '30d' });
    const key = await api.keyFor({});
    let refused;
    for (let i = 0; i < 50 && !refused; i++) {
      const r = await api.chat(i % 2 === 0 ? key : 'sk-test-master-1234');
      if (r.status !== 200) refused = r;
    }
    expect(refused?.status).toBe(400);
    expect(refused?.json.error.type).toBe('budget_exceeded');
    expect(refused?.json.error.message).toMatch(/^Budget has been exceeded! Current cost: [\d.e-]+, Max budget: 0\.05$/);
    expect(await eventually(async () => (await api.ok('GET', '/user/info?user_id=litellm-proxy-budget')).user_info.spend >= 0.05)).toBe(true);
  });
});
