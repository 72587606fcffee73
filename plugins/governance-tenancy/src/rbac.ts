/**
 * Who may do what, in one place. A route's `access` list (ROUTE_ACCESS) says which roles may reach
 * it at all — the kernel refuses the rest with 403 before the handler runs; the handler then asks
 * `canRead` / `canManage` about the object it touches, described as a `Target` (the tenants it
 * belongs to), and refuses with `forbidden(...)`.
 *
 * - proxy_admin: everything. proxy_admin_viewer: reads everything, changes nothing.
 * - org_admin: manages the teams, users, keys and projects of the organizations it administers.
 * - team_admin: manages the members, keys and projects of the teams it administers.
 * - internal_user: manages its own keys; reads its own user, keys and teams.
 * - internal_user_viewer: reads its own user, keys and teams.
 */
import type { Principal, Role } from '@sluice/plugin-sdk';
import { TenancyErrors } from './errors.js';

export type ObjectKind = 'key' | 'user' | 'team' | 'organization' | 'project' | 'customer' | 'tag' | 'budget';

/** The tenants an object belongs to. */
export interface Target {
  /** The owning user (a key's `user_id`, a user's own id). */
  userId?: string | null;
  keyHash?: string | null;
  teams?: readonly (string | null | undefined)[];
  organizations?: readonly (string | null | undefined)[];
}

const ADMIN: Role[] = ['proxy_admin'];
const VIEWERS: Role[] = ['proxy_admin', 'proxy_admin_viewer'];
const STAFF: Role[] = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin', 'internal_user', 'internal_user_viewer'];
const KEY_WRITERS: Role[] = ['proxy_admin', 'org_admin', 'team_admin', 'internal_user'];
const TEAM_MANAGERS: Role[] = ['proxy_admin', 'org_admin', 'team_admin'];
const ORG_MANAGERS: Role[] = ['proxy_admin', 'org_admin'];

/** The roles that may reach each management route (the handler then checks ownership). */
export const ROUTE_ACCESS = {
  '/key/generate': KEY_WRITERS,
  '/key/update': KEY_WRITERS,
  '/key/delete': KEY_WRITERS,
  '/key/block': KEY_WRITERS,
  '/key/unblock': KEY_WRITERS,
  '/key/regenerate': KEY_WRITERS,
  '/key/info': STAFF,
  '/key/list': STAFF,
  '/key/aliases': STAFF,
  '/user/new': ORG_MANAGERS,
  '/user/update': ORG_MANAGERS,
  '/user/delete': ORG_MANAGERS,
  '/user/info': STAFF,
  '/user/list': [...VIEWERS, 'org_admin', 'team_admin'],
  '/user/unblock': ADMIN,
  '/team/new': ORG_MANAGERS,
  '/team/update': TEAM_MANAGERS,
  '/team/delete': ORG_MANAGERS,
  '/team/info': STAFF,
  '/team/list': STAFF,
  '/v2/team/list': STAFF,
  '/team/member_add': TEAM_MANAGERS,
  '/team/member_delete': TEAM_MANAGERS,
  '/team/member_update': TEAM_MANAGERS,
  '/team/model/add': TEAM_MANAGERS,
  '/team/model/delete': TEAM_MANAGERS,
  '/team/block': ORG_MANAGERS,
  '/team/unblock': ORG_MANAGERS,
  '/organization/new': ADMIN,
  '/organization/update': ADMIN,
  '/organization/delete': ADMIN,
  '/organization/info': [...VIEWERS, 'org_admin'],
  '/organization/list': [...VIEWERS, 'org_admin'],
  '/organization/member_add': ORG_MANAGERS,
  '/project/new': TEAM_MANAGERS,
  '/project/update': TEAM_MANAGERS,
  '/project/delete': TEAM_MANAGERS,
  '/project/info': STAFF,
  '/project/list': STAFF,
  '/customer/new': ADMIN,
  '/customer/update': ADMIN,
  '/customer/delete': ADMIN,
  '/customer/block': ADMIN,
  '/customer/unblock': ADMIN,
  '/customer/info': VIEWERS,
  '/customer/list': VIEWERS,
  // LiteLLM's names for the customer routes.
  '/end_user/new': ADMIN,
  '/end_user/update': ADMIN,
  '/end_user/delete': ADMIN,
  '/end_user/block': ADMIN,
  '/end_user/unblock': ADMIN,
  '/end_user/info': VIEWERS,
  '/end_user/list': VIEWERS,
  '/tag/new': ADMIN,
  '/tag/info': VIEWERS,
  '/tag/list': VIEWERS,
  '/spend/keys': VIEWERS,
  '/spend/users': STAFF,
  // Master key only (the handler checks); every role reaches it so all get LiteLLM's answer.
  '/global/spend/reset': STAFF,
  '/budget/new': ADMIN,
  '/budget/info': VIEWERS,
  // Team logging (team-callback-routes.ts): every caller reaches them, as in LiteLLM, so a team
  // admin gets as far as the team check; the handler admits proxy admins and the team's admins.
  '/team/{team_id}/callback': STAFF,
  '/team/{team_id}/disable_logging': STAFF,
  // A key checks its own logging settings (logging-health-routes.ts).
  '/key/health': STAFF,
  '/callbacks/list': VIEWERS,
} satisfies Record<string, Role[]>;

export type ManagementRoute = keyof typeof ROUTE_ACCESS;

export function accessOf(route: ManagementRoute): Role[] {
  return [...ROUTE_ACCESS[route]];
}

const adminTeams = (p: Principal) => p.adminOf?.teams ?? [];
const adminOrgs = (p: Principal) => p.adminOf?.organizations ?? [];
/** Teams the caller's user belongs to (any role), cached on the principal at auth. */
export const memberTeams = (p: Principal): readonly string[] => (p.metadata?.user_teams as string[] | undefined) ?? [];

const meets = (ids: readonly (string | null | undefined)[] | undefined, mine: readonly string[]) =>
  !!ids && mine.length > 0 && ids.some((id) => typeof id === 'string' && mine.includes(id));

export const isProxyAdmin = (p: Principal) => p.role === 'proxy_admin';
/** The gateway's master key (auth-master-key's principal), not a virtual key with the admin role. */
export const isMasterKey = (p: Principal) => p.authenticatedBy === 'auth-master-key';
export const readsEverything = (p: Principal) => p.role === 'proxy_admin' || p.role === 'proxy_admin_viewer';

function isSelf(p: Principal, t: Target): boolean {
  return (!!t.userId && t.userId === p.userId) || (!!t.keyHash && t.keyHash === p.keyHash);
}

export function canRead(p: Principal, kind: ObjectKind, t: Target): boolean {
  if (readsEverything(p)) return true;
  if (kind === 'customer' || kind === 'tag' || kind === 'budget') return false;
  if (meets(t.organizations, adminOrgs(p))) return true;
  if (meets(t.teams, adminTeams(p))) return true;
  if (isSelf(p, t)) return true;
  // Members see their teams and the projects of their teams, not their teammates' keys or users.
  return (kind === 'team' || kind === 'project') && meets(t.teams, memberTeams(p));
}

export function canManage(p: Principal, kind: ObjectKind, t: Target): boolean {
  if (isProxyAdmin(p)) return true;
  if (p.role === 'proxy_admin_viewer' || p.role === 'internal_user_viewer' || p.role === 'customer') return false;
  if (kind === 'customer' || kind === 'tag' || kind === 'budget') return false;
  if (meets(t.organizations, adminOrgs(p))) return true;
  if ((kind === 'key' || kind === 'team' || kind === 'project') && meets(t.teams, adminTeams(p))) return true;
  return kind === 'key' && isSelf(p, t);
}

/**
 * The role `p` acts in on an object: an org admin is one only for its organizations' objects, a
 * team admin only for its teams'; elsewhere (its own key) either is a plain internal user.
 */
export function actingRole(p: Principal, t: Target): Role {
  if (isProxyAdmin(p)) return p.role;
  if (meets(t.organizations, adminOrgs(p))) return 'org_admin';
  if (meets(t.teams, adminTeams(p))) return 'team_admin';
  return p.role === 'org_admin' || p.role === 'team_admin' ? 'internal_user' : p.role;
}

/** 403 in the OpenAI envelope, worded like LiteLLM's refusals ("... Your role is X"). */
export function forbidden(p: Principal, what: string) {
  return TenancyErrors.FORBIDDEN({ reason: `Only proxy admins or the admins of its team or organization can ${what}. Your role is ${p.role}` });
}

export function assertRead(p: Principal, kind: ObjectKind, t: Target, what: string): void {
  if (!canRead(p, kind, t)) throw forbidden(p, what);
}

export function assertManage(p: Principal, kind: ObjectKind, t: Target, what: string): void {
  if (!canManage(p, kind, t)) throw forbidden(p, what);
}
