/**
 * What a key is bound to decides its role (its user's) and whose limits and spend it carries (its
 * team's, organization's, project's). So a non-admin may bind a key only to tenants it manages:
 *
 * - user: itself, or a user it manages (a member of a team or organization it administers) whose
 *   rights are within its own — never a user with a higher role or admin rights elsewhere;
 * - organization: one it administers, or the organization of the key's team;
 * - project: a project of the key's team, or one it administers.
 *
 * The team itself is checked where keys are created (membership and models, key-routes.ts).
 */
import type { Principal } from '@sluice/plugin-sdk';
import type { KeyRecord } from './key-record.js';
import { canManage, forbidden, isProxyAdmin } from './rbac.js';
import type { Stores } from './tenancy-deps.js';

type Bindings = Pick<KeyRecord, 'user_id' | 'team_id' | 'organization_id' | 'project_id'>;

const BINDING_FIELDS = ['user_id', 'team_id', 'organization_id', 'project_id'] as const;

/** Whether the change touches what the key is bound to (then every binding is checked again). */
export const changesBindings = (before: Bindings | undefined, after: Bindings): boolean =>
  !before || BINDING_FIELDS.some((f) => (before[f] ?? null) !== (after[f] ?? null));

/** Roles a bound user may have when the caller is not a proxy admin. */
const PLAIN_ROLES = ['internal_user', 'internal_user_viewer'];

export async function assertBindings(stores: Stores, p: Principal, k: Bindings): Promise<void> {
  if (isProxyAdmin(p)) return;
  if (k.user_id && k.user_id !== p.userId) await assertUserBinding(stores, p, k.user_id);
  if (k.organization_id) await assertOrgBinding(stores, p, k.organization_id, k.team_id);
  if (k.project_id) await assertProjectBinding(stores, p, k.project_id, k.team_id);
}

async function assertUserBinding(stores: Stores, p: Principal, userId: string): Promise<void> {
  const refuse = () => forbidden(p, `create or move keys for user_id=${userId}`);
  const user = await stores.users.find(userId);
  // A key for a user that does not exist yet would take whatever role that user is later given.
  if (!user || !PLAIN_ROLES.includes(user.user_role)) throw refuse();
  const [teams, orgs] = await Promise.all([stores.members.teamsOf(userId), stores.members.orgsOf(userId)]);
  const adminTeams = p.adminOf?.teams ?? [];
  const adminOrgs = p.adminOf?.organizations ?? [];
  const orgOfTeam = async (teamId: string) => (await stores.teams.find(teamId))?.organization_id ?? null;
  const administered = async (teamId: string) => adminTeams.includes(teamId) || adminOrgs.includes((await orgOfTeam(teamId)) ?? '');
  // Its rights must be within the caller's: no team or organization it administers that the caller does not.
  for (const t of teams.filter((m) => m.role === 'admin')) if (!(await administered(t.team_id))) throw refuse();
  if (orgs.some((o) => o.user_role === 'org_admin' && !adminOrgs.includes(o.organization_id))) throw refuse();
  // And the caller must manage it: a member of a team or organization the caller administers.
  if (orgs.some((o) => adminOrgs.includes(o.organization_id))) return;
  for (const t of teams) if (await administered(t.team_id)) return;
  throw refuse();
}

async function assertOrgBinding(stores: Stores, p: Principal, orgId: string, teamId: string | null): Promise<void> {
  if (p.adminOf?.organizations.includes(orgId)) return;
  const team = teamId ? await stores.teams.find(teamId) : undefined;
  if (team && team.organization_id === orgId) return;
  throw forbidden(p, `move keys into organization_id=${orgId}`);
}

async function assertProjectBinding(stores: Stores, p: Principal, projectId: string, teamId: string | null): Promise<void> {
  const project = await stores.projects.find(projectId);
  if (project && project.team_id !== null && project.team_id === teamId) return;
  if (project && canManage(p, 'project', { teams: [project.team_id], organizations: [project.organization_id] })) return;
  throw forbidden(p, `move keys into project_id=${projectId}`);
}
