/**
 * The authorization matrix: every role × every management route × an object of the caller's own
 * tenant / of another tenant → allowed (200) or refused (403). Table-driven: each route builds a
 * fresh target in tenant A ("own") or B ("other") through the master key, then the role's key
 * calls it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { client, tenancyConfig } from './tenancy-client.js';

type Tenant = 'own' | 'other';
type StaffRole = Exclude<Role, 'customer'>;
const ROLES: StaffRole[] = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin', 'internal_user', 'internal_user_viewer'];

/** The user behind each role's key (proxy_admin is the master key). */
const USER_OF: Record<StaffRole, string | undefined> = {
  proxy_admin: undefined,
  proxy_admin_viewer: 'm-viewer',
  org_admin: 'm-orgadmin',
  team_admin: 'm-teamadmin',
  internal_user: 'm-internal',
  internal_user_viewer: 'm-ivviewer',
};

/** Who may act on an own-tenant / other-tenant object, by family of route. */
const ONLY_ADMIN = { own: ['proxy_admin'], other: ['proxy_admin'] };
const VIEWERS = { own: ['proxy_admin', 'proxy_admin_viewer'], other: ['proxy_admin', 'proxy_admin_viewer'] };
const FAMILIES = {
  ONLY_ADMIN,
  VIEWERS,
  KEY_WRITE: { own: ['proxy_admin', 'org_admin', 'team_admin', 'internal_user'], other: ['proxy_admin'] },
  KEY_READ: { own: ROLES, other: ['proxy_admin', 'proxy_admin_viewer'] },
  ORG_WRITE: { own: ['proxy_admin', 'org_admin'], other: ['proxy_admin'] },
  TEAM_WRITE: { own: ['proxy_admin', 'org_admin', 'team_admin'], other: ['proxy_admin'] },
  MEMBER_READ: { own: ROLES, other: ['proxy_admin', 'proxy_admin_viewer'] },
  ORG_READ: { own: ['proxy_admin', 'proxy_admin_viewer', 'org_admin'], other: ['proxy_admin', 'proxy_admin_viewer'] },
  USER_READ: { own: ROLES, other: ['proxy_admin', 'proxy_admin_viewer'] },
  LIST_ALL: { own: ROLES, other: ROLES },
  LIST_ADMINS: { own: ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin'], other: ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin'] },
  TEAM_LOGGING_READ: { own: ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin'], other: ['proxy_admin', 'proxy_admin_viewer'] },
  LIST_ORGS: { own: ['proxy_admin', 'proxy_admin_viewer', 'org_admin'], other: ['proxy_admin', 'proxy_admin_viewer', 'org_admin'] },
} as const;

interface Call {
  method: string;
  path: string;
  body?: unknown;
}
type Api = ReturnType<typeof client>;
interface Case {
  route: string;
  family: keyof typeof FAMILIES;
  build(api: Api, tenant: Tenant, role: StaffRole, n: number): Promise<Call>;
}

const team = (t: Tenant) => (t === 'own' ? 't-a' : 't-b');
const org = (t: Tenant) => (t === 'own' ? 'o-a' : 'o-b');
/** A key the role owns or administers (own) or one of tenant B (other). */
const keyOf = async (api: Api, t: Tenant, role: StaffRole) =>
  (await api.ok('POST', '/key/generate', t === 'own' ? { user_id: USER_OF[role] ?? 'u-a', team_id: 't-a' } : { user_id: 'u-b', team_id: 't-b' })).key as string;
/** A user the role may see (itself for plain users, a member of team A otherwise) or user B. */
const userOf = (t: Tenant, role: StaffRole) => (t === 'other' ? 'u-b' : role === 'internal_user' || role === 'internal_user_viewer' ? USER_OF[role]! : 'u-a');
const freshTeam = async (api: Api, t: Tenant, n: number) => (await api.ok('POST', '/team/new', { team_id: `tt-${t}-${n}`, organization_id: org(t) })).team_id as string;
const freshUser = async (api: Api, t: Tenant, n: number) =>
  (await api.ok('POST', '/user/new', { user_id: `uu-${t}-${n}`, organizations: [org(t)], auto_create_key: false })).user_id as string;
const freshProject = async (api: Api, t: Tenant, n: number) => (await api.ok('POST', '/project/new', { project_id: `pp-${t}-${n}`, team_id: team(t) })).project_id as string;

const CASES: Case[] = [
  { route: '/key/generate', family: 'KEY_WRITE', build: async (_a, t) => ({ method: 'POST', path: '/key/generate', body: { team_id: team(t) } }) },
  // Key aliases are unique across keys (LiteLLM), so each case names its own.
  { route: '/key/update', family: 'KEY_WRITE', build: async (a, t, r, n) => ({ method: 'POST', path: '/key/update', body: { key: await keyOf(a, t, r), key_alias: `x-${n}` } }) },
  { route: '/key/delete', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/delete', body: { keys: [await keyOf(a, t, r)] } }) },
  { route: '/key/block', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/block', body: { key: await keyOf(a, t, r) } }) },
  { route: '/key/unblock', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/unblock', body: { key: await keyOf(a, t, r) } }) },
  { route: '/key/regenerate', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/regenerate', body: { key: await keyOf(a, t, r) } }) },
  { route: '/key/info', family: 'KEY_READ', build: async (a, t, r) => ({ method: 'GET', path: `/key/info?key=${await keyOf(a, t, r)}` }) },
  { route: '/key/list', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/key/list' }) },
  { route: '/key/aliases', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/key/aliases' }) },
  { route: '/user/new', family: 'ORG_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/user/new', body: { user_id: `new-${t}-${n}`, organizations: [org(t)], auto_create_key: false } }) },
  { route: '/user/update', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/user/update', body: { user_id: await freshUser(a, t, n), max_budget: 1 } }) },
  { route: '/user/delete', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/user/delete', body: { user_ids: [await freshUser(a, t, n)] } }) },
  { route: '/user/info', family: 'USER_READ', build: async (_a, t, r) => ({ method: 'GET', path: `/user/info?user_id=${userOf(t, r)}` }) },
  { route: '/user/list', family: 'LIST_ADMINS', build: async () => ({ method: 'GET', path: '/user/list' }) },
  { route: '/user/unblock', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/user/unblock', body: { user_ids: [`cust-${t}`] } }) },
  { route: '/team/new', family: 'ORG_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/team/new', body: { team_id: `nt-${t}-${n}`, organization_id: org(t) } }) },
  { route: '/team/update', family: 'TEAM_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/team/update', body: { team_id: team(t), team_alias: `renamed-${n}` } }) },
  { route: '/team/delete', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/team/delete', body: { team_ids: [await freshTeam(a, t, n)] } }) },
  { route: '/team/info', family: 'MEMBER_READ', build: async (_a, t) => ({ method: 'GET', path: `/team/info?team_id=${team(t)}` }) },
  { route: '/team/list', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/team/list' }) },
  // Every role lists teams: a non-admin gets the teams of its own user (LiteLLM list_team_v2).
  { route: '/v2/team/list', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/v2/team/list' }) },
  { route: '/team/member_add', family: 'TEAM_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/team/member_add', body: { team_id: team(t), member: { user_id: `ma-${t}-${n}`, role: 'user' } } }) },
  {
    route: '/team/member_delete',
    family: 'TEAM_WRITE',
    build: async (a, t, _r, n) => {
      await a.ok('POST', '/team/member_add', { team_id: team(t), member: { user_id: `md-${t}-${n}`, role: 'user' } });
      return { method: 'POST', path: '/team/member_delete', body: { team_id: team(t), user_id: `md-${t}-${n}` } };
    },
  },
  {
    route: '/team/member_update',
    family: 'TEAM_WRITE',
    build: async (a, t, _r, n) => {
      await a.ok('POST', '/team/member_add', { team_id: team(t), member: { user_id: `mu-${t}-${n}`, role: 'user' } });
      return { method: 'POST', path: '/team/member_update', body: { team_id: team(t), user_id: `mu-${t}-${n}`, max_budget_in_team: 1 } };
    },
  },
  // A team's model list is its organization's call (field-policy.ts): team admins may not widen it.
  { route: '/team/model/add', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/team/model/add', body: { team_id: await freshTeam(a, t, n), models: ['gpt-4o'] } }) },
  { route: '/team/model/delete', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/team/model/delete', body: { team_id: await freshTeam(a, t, n), models: ['gpt-4o'] } }) },
  { route: '/team/block', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/team/block', body: { team_id: await freshTeam(a, t, n) } }) },
  { route: '/team/unblock', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/team/unblock', body: { team_id: await freshTeam(a, t, n) } }) },
  { route: '/organization/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/organization/new', body: { organization_id: `no-${t}-${n}` } }) },
  { route: '/organization/update', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'PATCH', path: '/organization/update', body: { organization_id: org(t), metadata: { touched: true } } }) },
  {
    route: '/organization/delete',
    family: 'ONLY_ADMIN',
    build: async (a, t, _r, n) => {
      await a.ok('POST', '/organization/new', { organization_id: `do-${t}-${n}` });
      return { method: 'DELETE', path: '/organization/delete', body: { organization_ids: [`do-${t}-${n}`] } };
    },
  },
  { route: '/organization/info', family: 'ORG_READ', build: async (_a, t) => ({ method: 'GET', path: `/organization/info?organization_id=${org(t)}` }) },
  { route: '/organization/list', family: 'LIST_ORGS', build: async () => ({ method: 'GET', path: '/organization/list' }) },
  { route: '/organization/member_add', family: 'ORG_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/organization/member_add', body: { organization_id: org(t), member: { user_id: `om-${t}-${n}`, role: 'internal_user' } } }) },
  { route: '/project/new', family: 'TEAM_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/project/new', body: { project_id: `np-${t}-${n}`, team_id: team(t) } }) },
  { route: '/project/update', family: 'TEAM_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/project/update', body: { project_id: await freshProject(a, t, n), description: 'x' } }) },
  { route: '/project/delete', family: 'TEAM_WRITE', build: async (a, t, _r, n) => ({ method: 'DELETE', path: '/project/delete', body: { project_ids: [await freshProject(a, t, n)] } }) },
  { route: '/project/info', family: 'MEMBER_READ', build: async (a, t, _r, n) => ({ method: 'GET', path: `/project/info?project_id=${await freshProject(a, t, n)}` }) },
  { route: '/project/list', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/project/list' }) },
  { route: '/customer/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/customer/new', body: { user_id: `nc-${t}-${n}` } }) },
  { route: '/customer/update', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/customer/update', body: { user_id: `cust-${t}`, alias: 'x' } }) },
  {
    route: '/customer/delete',
    family: 'ONLY_ADMIN',
    build: async (a, t, _r, n) => {
      await a.ok('POST', '/customer/new', { user_id: `dc-${t}-${n}` });
      return { method: 'POST', path: '/customer/delete', body: { user_ids: [`dc-${t}-${n}`] } };
    },
  },
  { route: '/customer/block', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/customer/block', body: { user_ids: [`cust-${t}`] } }) },
  { route: '/customer/unblock', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/customer/unblock', body: { user_ids: [`cust-${t}`] } }) },
  { route: '/customer/info', family: 'VIEWERS', build: async (_a, t) => ({ method: 'GET', path: `/customer/info?end_user_id=cust-${t}` }) },
  { route: '/customer/list', family: 'VIEWERS', build: async () => ({ method: 'GET', path: '/customer/list' }) },
  // LiteLLM's /end_user/ names of the customer routes.
  { route: '/end_user/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/end_user/new', body: { user_id: `ne-${t}-${n}` } }) },
  { route: '/end_user/update', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/end_user/update', body: { user_id: `cust-${t}`, alias: 'y' } }) },
  {
    route: '/end_user/delete',
    family: 'ONLY_ADMIN',
    build: async (a, t, _r, n) => {
      await a.ok('POST', '/end_user/new', { user_id: `de-${t}-${n}` });
      return { method: 'POST', path: '/end_user/delete', body: { user_ids: [`de-${t}-${n}`] } };
    },
  },
  { route: '/end_user/block', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/end_user/block', body: { user_ids: [`cust-${t}`] } }) },
  { route: '/end_user/unblock', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/end_user/unblock', body: { user_ids: [`cust-${t}`] } }) },
  { route: '/end_user/info', family: 'VIEWERS', build: async (_a, t) => ({ method: 'GET', path: `/end_user/info?end_user_id=cust-${t}` }) },
  { route: '/end_user/list', family: 'VIEWERS', build: async () => ({ method: 'GET', path: '/end_user/list' }) },
  { route: '/spend/keys', family: 'VIEWERS', build: async () => ({ method: 'GET', path: '/spend/keys' }) },
  // Every role reads /spend/users: a non-admin gets its own user only.
  { route: '/spend/users', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/spend/users' }) },
  // /global/spend/reset is master-key only (LiteLLM: 401 to every other key): litellm-fields.test.ts.
  { route: '/tag/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/tag/new', body: { name: `tag-${t}-${n}` } }) },
  { route: '/tag/info', family: 'VIEWERS', build: async () => ({ method: 'POST', path: '/tag/info', body: { names: ['matrix-tag'] } }) },
  { route: '/tag/list', family: 'VIEWERS', build: async () => ({ method: 'GET', path: '/tag/list' }) },
  { route: '/budget/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/budget/new', body: { budget_id: `b-${t}-${n}`, max_budget: 1 } }) },
  { route: '/budget/info', family: 'VIEWERS', build: async () => ({ method: 'POST', path: '/budget/info', body: { budgets: ['matrix-budget'] } }) },
  // Team logging (team-callback-routes.ts): the team's admins, its organization's, proxy admins (LiteLLM's _verify_team_access); viewers read.
  { route: '/team/:team_id/callback', family: 'TEAM_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: `/team/${team(t)}/callback`, body: { callback_name: `cb-${n}`, callback_vars: {} } }) },
  { route: 'GET /team/:team_id/callback', family: 'TEAM_LOGGING_READ', build: async (_a, t) => ({ method: 'GET', path: `/team/${team(t)}/callback` }) },
  {
    route: '/team/:team_id/callback/:callback_name',
    family: 'TEAM_WRITE',
    build: async (a, t, _r, n) => {
      await a.ok('POST', `/team/${team(t)}/callback`, { callback_name: `del-${n}`, callback_vars: {} });
      return { method: 'DELETE', path: `/team/${team(t)}/callback/del-${n}` };
    },
  },
  { route: '/team/:team_id/disable_logging', family: 'TEAM_WRITE', build: async (_a, t) => ({ method: 'POST', path: `/team/${team(t)}/disable_logging` }) },
  // A key checks its own logging settings; the active callbacks are the admins' to read.
  { route: '/key/health', family: 'LIST_ALL', build: async () => ({ method: 'POST', path: '/key/health', body: {} }) },
  { route: '/callbacks/list', family: 'VIEWERS', build: async () => ({ method: 'GET', path: '/callbacks/list' }) },
];

/** Tenants A and B, a user per role (in tenant A) and each role's key. */
async function seedMatrix(api: Api, keys: Record<StaffRole, string>): Promise<void> {
  for (const o of ['o-a', 'o-b']) await api.ok('POST', '/organization/new', { organization_id: o });
  await api.ok('POST', '/team/new', { team_id: 't-a', organization_id: 'o-a', members_with_roles: [{ user_id: 'u-a', role: 'user' }] });
  await api.ok('POST', '/team/new', { team_id: 't-b', organization_id: 'o-b', members_with_roles: [{ user_id: 'u-b', role: 'user' }] });
  await api.ok('POST', '/organization/member_add', { organization_id: 'o-a', member: [{ user_id: 'u-a', role: 'internal_user' }] });
  await api.ok('POST', '/organization/member_add', { organization_id: 'o-b', member: [{ user_id: 'u-b', role: 'internal_user' }] });
  await api.ok('POST', '/user/new', { user_id: 'm-viewer', user_role: 'proxy_admin_viewer', auto_create_key: false });
  await api.ok('POST', '/user/new', { user_id: 'm-orgadmin', auto_create_key: false });
  await api.ok('POST', '/organization/member_add', { organization_id: 'o-a', member: { user_id: 'm-orgadmin', role: 'org_admin' } });
  await api.ok('POST', '/user/new', { user_id: 'm-teamadmin', auto_create_key: false });
  await api.ok('POST', '/team/member_add', { team_id: 't-a', member: { user_id: 'm-teamadmin', role: 'admin' } });
  await api.ok('POST', '/user/new', { user_id: 'm-internal', teams: ['t-a'], auto_create_key: false });
  await api.ok('POST', '/user/new', { user_id: 'm-ivviewer', user_role: 'internal_user_viewer', teams: ['t-a'], auto_create_key: false });
  for (const t of ['own', 'other']) await api.ok('POST', '/customer/new', { user_id: `cust-${t}` });
  await api.ok('POST', '/tag/new', { name: 'matrix-tag' });
  await api.ok('POST', '/budget/new', { budget_id: 'matrix-budget' });
  // For the field-level cases: a proxy_admin user and another tenant's project to bind keys to.
  await api.ok('POST', '/user/new', { user_id: 'm-boss', user_role: 'proxy_admin', auto_create_key: false });
  await api.ok('POST', '/project/new', { project_id: 'p-matrix-b', team_id: 't-b' });
  keys.proxy_admin = MASTER_KEY;
  for (const role of ROLES.slice(1)) keys[role] = await api.keyFor({ user_id: USER_OF[role] });
}

/** Ids of fresh targets are unique across cases. */
let seq = 0;

describe('authorization matrix (role × management route × own / other tenant)', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  const keys = {} as Record<StaffRole, string>;

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig(), { env: { DATABASE_URL: `sqlite:${tempDir()}/matrix.db` } });
    await seedMatrix(api, keys);
  });
  afterAll(() => gw?.close());

  it('each role key authenticates with the role its user and memberships give', async () => {
    for (const role of ROLES.slice(1)) {
      const info = await api.ok('GET', `/user/info?user_id=${USER_OF[role]}`, undefined, keys[role]);
      expect(info.user_id, role).toBe(USER_OF[role]);
    }
  });

  it('covers every route the plugin declares', async () => {
    const { default: manifest } = await import('../plugin.json', { with: { type: 'json' } });
    const declared = new Set(manifest.provides.routes.map((r: string) => r.split(' ')[1]).filter((p: string) => !p.includes(':')));
    expect(new Set([...CASES.map((c) => c.route).filter((r) => !r.includes(':')), '/global/spend/reset'])).toEqual(declared);
  });

  for (const c of CASES) {
    it(`${c.route}`, async () => {
      const wrong: string[] = [];
      for (const role of ROLES) {
        for (const tenant of ['own', 'other'] as const) {
          const call = await c.build(api, tenant, role, seq++);
          const r = await api.send(call.method, call.path, call.body, keys[role]);
          const allowed = (FAMILIES[c.family][tenant] as readonly string[]).includes(role);
          // LiteLLM refuses an org admin naming another organization on /user/new with 401 (not a member).
          const refusal = c.route === '/user/new' && role === 'org_admin' && tenant === 'other' ? '401' : '403';
          const ok = allowed ? r.status === 200 : r.status === Number(refusal) && r.json?.error?.code === refusal;
          if (!ok) wrong.push(`${role} ${tenant}: expected ${allowed ? 200 : refusal}, got ${r.status} ${r.text.slice(0, 200)}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});

/**
 * Field level (issue 12, items 1–6): who may set each key and team field, and who may lift a
 * control a proxy admin set (field-policy.ts). Every control × every role, on a key of the role's
 * own tenant: making it looser is the proxy admin's alone, making it stricter is any key writer's.
 */
type Body = Record<string, unknown>;
interface Control {
  field: string;
  /** What the proxy admin sets when it creates the key (then `after`, e.g. blocking it). */
  set: Body;
  after?: (api: Api, key: string) => Promise<void>;
  looser: Body[];
  stricter?: Body;
}
const LATER = '2099-01-01T00:00:00Z';
const KEY_CONTROLS: Control[] = [
  { field: 'models', set: { models: ['a', 'b'] }, looser: [{ models: [] }, { models: ['a', 'c'] }], stricter: { models: ['a'] } },
  { field: 'max_budget', set: { max_budget: 1 }, looser: [{ max_budget: 2 }, { max_budget: null }], stricter: { max_budget: 0.5 } },
  { field: 'rpm_limit', set: { rpm_limit: 10 }, looser: [{ rpm_limit: 11 }, { rpm_limit: null }], stricter: { rpm_limit: 5 } },
  { field: 'tpm_limit', set: { tpm_limit: 10 }, looser: [{ tpm_limit: 11 }], stricter: { tpm_limit: 5 } },
  { field: 'max_parallel_requests', set: { max_parallel_requests: 2 }, looser: [{ max_parallel_requests: 3 }], stricter: { max_parallel_requests: 1 } },
  { field: 'model_max_budget', set: { model_max_budget: { a: { budget_limit: 1, time_period: '1d' } } }, looser: [{ model_max_budget: {} }, { model_max_budget: { a: { budget_limit: 2, time_period: '1d' } } }], stricter: { model_max_budget: { a: { budget_limit: 0.5, time_period: '1d' } } } },
  { field: 'model_rpm_limit', set: { model_rpm_limit: { a: 10 } }, looser: [{ model_rpm_limit: { a: 11 } }, { model_rpm_limit: {} }], stricter: { model_rpm_limit: { a: 5, b: 1 } } },
  { field: 'model_tpm_limit', set: { model_tpm_limit: { a: 10 } }, looser: [{ model_tpm_limit: { a: 11 } }], stricter: { model_tpm_limit: { a: 5 } } },
  { field: 'budget_duration', set: { max_budget: 1, budget_duration: '30d' }, looser: [{ budget_duration: '1h' }, { budget_duration: null }] },
  { field: 'budget_id', set: { budget_id: 'matrix-budget' }, looser: [{ budget_id: null }] },
  { field: 'spend', set: { max_budget: 1, spend: 0.5 }, looser: [{ spend: 0 }], stricter: { spend: 0.6 } },
  { field: 'temp_budget_increase', set: { max_budget: 1 }, looser: [{ temp_budget_increase: 5, temp_budget_expiry: LATER }] },
  { field: 'duration', set: { duration: '1d' }, looser: [{ duration: '30d' }, { duration: null }], stricter: { duration: '1h' } },
  { field: 'blocked', set: {}, after: async (api, key) => void (await api.ok('POST', '/key/block', { key })), looser: [{ blocked: false }] },
  { field: 'guardrails', set: { guardrails: ['g1'] }, looser: [{ guardrails: [] }], stricter: { guardrails: ['g1', 'g2'] } },
  { field: 'enforced_params', set: { enforced_params: ['user'] }, looser: [{ enforced_params: [] }], stricter: { enforced_params: ['user', 'metadata.x'] } },
  { field: 'tags', set: { tags: ['t1'] }, looser: [{ tags: [] }], stricter: { tags: ['t1', 't2'] } },
  {
    field: 'permissions',
    set: { permissions: { hide_secrets: true } },
    looser: [{ permissions: {} }, { permissions: { hide_secrets: true, banned_keywords: false } }, { permissions: { hide_secrets: true, allow_request_banned_keywords_off: true } }],
    stricter: { permissions: { hide_secrets: true, banned_keywords: true } },
  },
  // Items 1, 2 and 4: what a key is bound to decides its role and whose limits and spend it carries.
  { field: 'user_id (a proxy_admin user)', set: {}, looser: [{ user_id: 'm-boss' }] },
  { field: 'team_id', set: {}, looser: [{ team_id: null }, { team_id: 't-b' }] },
  { field: 'organization_id (other tenant)', set: {}, looser: [{ organization_id: 'o-b' }] },
  { field: 'project_id (other tenant)', set: {}, looser: [{ project_id: 'p-matrix-b' }] },
];

const KEY_WRITERS: readonly StaffRole[] = ['proxy_admin', 'org_admin', 'team_admin', 'internal_user'];
const TEAM_FIELDS: Array<{ body: (n: number) => Body; setBy: readonly StaffRole[] }> = [
  { body: (n) => ({ team_alias: `alias-${n}` }), setBy: ['proxy_admin', 'org_admin', 'team_admin'] },
  ...[
    (n: number) => ({ max_budget: n }),
    (n: number) => ({ soft_budget: n }),
    () => ({ models: ['a'] }),
    (n: number) => ({ tpm_limit: n }),
    (n: number) => ({ rpm_limit: n }),
    (n: number) => ({ max_parallel_requests: n }),
    () => ({ budget_duration: '1d' }),
    () => ({ model_rpm_limit: { a: 1 } }),
    () => ({ model_tpm_limit: { a: 1 } }),
    () => ({ guardrails: ['g1'] }),
    () => ({ tags: ['t1'] }),
    () => ({ metadata: { note: 'x' } }),
    () => ({ blocked: true }),
  ].map((body) => ({ body, setBy: ['proxy_admin', 'org_admin'] as const })),
];

describe('field-level authorization (issue 12: every control × every role)', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  const keys = {} as Record<StaffRole, string>;

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig(), { env: { DATABASE_URL: `sqlite:${tempDir()}/fields.db` } });
    await seedMatrix(api, keys);
  });
  afterAll(() => gw?.close());

  /** A key of the role's own tenant (its user, team t-a) with `set` applied by the proxy admin. */
  const controlledKey = async (role: StaffRole, c: Control): Promise<string> => {
    const key = (await api.ok('POST', '/key/generate', { user_id: USER_OF[role] ?? 'u-a', team_id: 't-a', ...c.set })).key as string;
    await c.after?.(api, key);
    return key;
  };

  for (const c of KEY_CONTROLS) {
    it(`key ${c.field}: lifting a proxy admin's control is the proxy admin's; tightening it any key writer's`, async () => {
      const wrong: string[] = [];
      for (const role of ROLES) {
        for (const [change, allowed] of [...c.looser.map((b) => [b, role === 'proxy_admin'] as const), ...(c.stricter ? [[c.stricter, KEY_WRITERS.includes(role)] as const] : [])]) {
          const r = await api.post('/key/update', { key: await controlledKey(role, c), ...change }, keys[role]);
          const ok = allowed ? r.status === 200 : r.status === 403 && r.json?.error?.code === '403';
          if (!ok) wrong.push(`${role} ${JSON.stringify(change)}: expected ${allowed ? 200 : 403}, got ${r.status} ${r.text.slice(0, 200)}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('key generate: binding a proxy_admin user, another tenant, or a guardrail switch-off is the proxy admin\'s', async () => {
    const wrong: string[] = [];
    for (const role of ROLES) {
      for (const body of [{ team_id: 't-a', user_id: 'm-boss' }, { organization_id: 'o-b' }, { project_id: 'p-matrix-b' }, { permissions: { banned_keywords: false } }, { permissions: { allow_request_banned_keywords_off: true } }]) {
        const r = await api.post('/key/generate', body, keys[role]);
        const ok = role === 'proxy_admin' ? r.status === 200 : r.status === 403;
        if (!ok) wrong.push(`${role} ${JSON.stringify(body)}: got ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('key generate: a chosen key that exists is refused like the master key, for every role', async () => {
    const existing = await api.keyFor({ user_id: 'u-b' });
    const wrong: string[] = [];
    for (const role of ROLES) {
      const taken = await api.post('/key/generate', { key: existing }, keys[role]);
      const master = await api.post('/key/generate', { key: MASTER_KEY }, keys[role]);
      const expected = KEY_WRITERS.includes(role) ? 400 : 403;
      if (taken.status !== expected || taken.text !== master.text) wrong.push(`${role}: ${taken.status} ${taken.text} vs ${master.status} ${master.text}`);
    }
    expect(wrong).toEqual([]);
  });

  it('team fields: a team admin sets only the alias; budgets, models, limits, guardrails, metadata, blocking are org admins\'', async () => {
    const wrong: string[] = [];
    for (const [i, f] of TEAM_FIELDS.entries()) {
      for (const role of ROLES) {
        const n = seq++;
        const teamId = `tf-${i}-${n}`;
        await api.ok('POST', '/team/new', { team_id: teamId, organization_id: 'o-a', members_with_roles: [{ user_id: 'm-teamadmin', role: 'admin' }, { user_id: 'm-internal', role: 'user' }] });
        const r = await api.post('/team/update', { team_id: teamId, ...f.body(n + 1) }, keys[role]);
        const allowed = f.setBy.includes(role);
        const ok = allowed ? r.status === 200 : r.status === 403;
        if (!ok) wrong.push(`${role} ${JSON.stringify(f.body(n + 1))}: expected ${allowed ? 200 : 403}, got ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("team controls a proxy admin set: an org admin may tighten them, not lift them (nor unblock the team)", async () => {
    const n = seq++;
    const teamId = `tc-${n}`;
    await api.ok('POST', '/team/new', { team_id: teamId, organization_id: 'o-a', max_budget: 10, models: ['a'], guardrails: ['g1'], metadata: { permissions: { hide_secrets: true } } });
    for (const body of [{ max_budget: 11 }, { max_budget: null }, { models: [] }, { guardrails: [] }, { metadata: {} }]) {
      const r = await api.post('/team/update', { team_id: teamId, ...body }, keys.org_admin);
      expect(r.status, `${JSON.stringify(body)}: ${r.text}`).toBe(403);
    }
    expect((await api.post('/team/update', { team_id: teamId, max_budget: 5, guardrails: ['g1', 'g2'] }, keys.org_admin)).status).toBe(200);
    await api.ok('POST', '/team/block', { team_id: teamId });
    expect((await api.post('/team/unblock', { team_id: teamId }, keys.org_admin)).status).toBe(403);
    expect((await api.post('/team/unblock', { team_id: teamId })).status).toBe(200);
  });
});
