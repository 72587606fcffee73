/**
 * Which spend rows a caller may see: admins and admin viewers everything; a team admin its teams'
 * rows, an org admin its organizations' rows (each plus their own user's); an internal user its
 * own user's rows, or its key's when the key belongs to no user. Applied to the log and to both
 * rollup tables, which share the columns it filters on.
 */
import type { Knex } from 'knex';
import type { Principal, Role } from '@sluice/plugin-sdk';
import { SpendErrors } from './errors.js';

export const SPEND_READERS: Role[] = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin', 'internal_user', 'internal_user_viewer'];

export type Visibility =
  | { all: true }
  | { all: false; userId: string | undefined; apiKey: string | undefined; teams: readonly string[]; orgs: readonly string[] };

export function visibilityOf(p: Principal | undefined): Visibility {
  if (!p) throw SpendErrors.NO_IDENTITY();
  if (p.role === 'proxy_admin' || p.role === 'proxy_admin_viewer') return { all: true };
  const teams = p.role === 'team_admin' ? (p.adminOf?.teams ?? (p.teamId ? [p.teamId] : [])) : [];
  const orgs = p.role === 'org_admin' ? (p.adminOf?.organizations ?? (p.organizationId ? [p.organizationId] : [])) : [];
  const apiKey = p.userId === undefined ? p.keyHash : undefined;
  if (!p.userId && !apiKey && teams.length === 0 && orgs.length === 0) throw SpendErrors.NO_IDENTITY();
  return { all: false, userId: p.userId, apiKey, teams, orgs };
}

/** Adds the caller's row filter to a query on any of the spend tables. */
export function visible(q: Knex.QueryBuilder, v: Visibility): Knex.QueryBuilder {
  if (v.all) return q;
  return q.where((b) => {
    if (v.userId) b.orWhere('user_id', v.userId);
    if (v.apiKey) b.orWhere('api_key', v.apiKey);
    if (v.teams.length > 0) b.orWhereIn('team_id', [...v.teams]);
    if (v.orgs.length > 0) b.orWhereIn('organization_id', [...v.orgs]);
  });
}
