/**
 * The authorization matrix: every role × every management route × an object of the caller's own
 * tenant / of another tenant → allowed (200) or refused (403). Table-driven: each route builds a
 * fresh target in tenant A ("own") or B ("other") through the master key, then the role's key
 * calls it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../plugin-sdk/index.js';
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
  { route: '/key/update', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/update', body: { key: await keyOf(a, t, r), key_alias: 'x' } }) },
  { route: '/key/delete', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/delete', body: { keys: [await keyOf(a, t, r)] } }) },
  { route: '/key/block', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/block', body: { key: await keyOf(a, t, r) } }) },
  { route: '/key/unblock', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/unblock', body: { key: await keyOf(a, t, r) } }) },
  { route: '/key/regenerate', family: 'KEY_WRITE', build: async (a, t, r) => ({ method: 'POST', path: '/key/regenerate', body: { key: await keyOf(a, t, r) } }) },
  { route: '/key/info', family: 'KEY_READ', build: async (a, t, r) => ({ method: 'GET', path: `/key/info?key=${await keyOf(a, t, r)}` }) },
  { route: '/key/list', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/key/list' }) },
  { route: '/user/new', family: 'ORG_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/user/new', body: { user_id: `new-${t}-${n}`, organizations: [org(t)], auto_create_key: false } }) },
  { route: '/user/update', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/user/update', body: { user_id: await freshUser(a, t, n), max_budget: 1 } }) },
  { route: '/user/delete', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/user/delete', body: { user_ids: [await freshUser(a, t, n)] } }) },
  { route: '/user/info', family: 'USER_READ', build: async (_a, t, r) => ({ method: 'GET', path: `/user/info?user_id=${userOf(t, r)}` }) },
  { route: '/user/list', family: 'LIST_ADMINS', build: async () => ({ method: 'GET', path: '/user/list' }) },
  { route: '/user/unblock', family: 'ONLY_ADMIN', build: async (_a, t) => ({ method: 'POST', path: '/user/unblock', body: { user_ids: [`cust-${t}`] } }) },
  { route: '/team/new', family: 'ORG_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/team/new', body: { team_id: `nt-${t}-${n}`, organization_id: org(t) } }) },
  { route: '/team/update', family: 'TEAM_WRITE', build: async (_a, t) => ({ method: 'POST', path: '/team/update', body: { team_id: team(t), metadata: { touched: true } } }) },
  { route: '/team/delete', family: 'ORG_WRITE', build: async (a, t, _r, n) => ({ method: 'POST', path: '/team/delete', body: { team_ids: [await freshTeam(a, t, n)] } }) },
  { route: '/team/info', family: 'MEMBER_READ', build: async (_a, t) => ({ method: 'GET', path: `/team/info?team_id=${team(t)}` }) },
  { route: '/team/list', family: 'LIST_ALL', build: async () => ({ method: 'GET', path: '/team/list' }) },
  { route: '/team/member_add', family: 'TEAM_WRITE', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/team/member_add', body: { team_id: team(t), member: { user_id: `ma-${t}-${n}`, role: 'user' } } }) },
  {
    route: '/team/member_delete',
    family: 'TEAM_WRITE',
    build: async (a, t, _r, n) => {
      await a.ok('POST', '/team/member_add', { team_id: team(t), member: { user_id: `md-${t}-${n}`, role: 'user' } });
      return { method: 'POST', path: '/team/member_delete', body: { team_id: team(t), user_id: `md-${t}-${n}` } };
    },
  },
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
  { route: '/tag/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/tag/new', body: { name: `tag-${t}-${n}` } }) },
  { route: '/tag/info', family: 'VIEWERS', build: async () => ({ method: 'POST', path: '/tag/info', body: { names: ['matrix-tag'] } }) },
  { route: '/tag/list', family: 'VIEWERS', build: async () => ({ method: 'GET', path: '/tag/list' }) },
  { route: '/budget/new', family: 'ONLY_ADMIN', build: async (_a, t, _r, n) => ({ method: 'POST', path: '/budget/new', body: { budget_id: `b-${t}-${n}`, max_budget: 1 } }) },
  { route: '/budget/info', family: 'VIEWERS', build: async () => ({ method: 'POST', path: '/budget/info', body: { budgets: ['matrix-budget'] } }) },
];

/** Ids of fresh targets are unique across cases. */
let seq = 0;

describe('authorization matrix (role × management route × own / other tenant)', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  const keys = {} as Record<StaffRole, string>;

  beforeAll(async () => {
    gw = await startGateway(tenancyConfig(), { env: { DATABASE_URL: `sqlite:${tempDir()}/matrix.db` } });
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
    keys.proxy_admin = MASTER_KEY;
    for (const role of ROLES.slice(1)) keys[role] = await api.keyFor({ user_id: USER_OF[role] });
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
    expect(new Set(CASES.map((c) => c.route))).toEqual(declared);
  });

  for (const c of CASES) {
    it(`${c.route}`, async () => {
      const wrong: string[] = [];
      for (const role of ROLES) {
        for (const tenant of ['own', 'other'] as const) {
          const call = await c.build(api, tenant, role, seq++);
          const r = await api.send(call.method, call.path, call.body, keys[role]);
          const allowed = (FAMILIES[c.family][tenant] as readonly string[]).includes(role);
          const ok = allowed ? r.status === 200 : r.status === 403 && r.json?.error?.code === 403;
          if (!ok) wrong.push(`${role} ${tenant}: expected ${allowed ? 200 : 403}, got ${r.status} ${r.text.slice(0, 200)}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
