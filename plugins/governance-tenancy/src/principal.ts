/**
 * The principal of a virtual key, built once per key cache miss from the key and the records
 * around it (user, team, organization, project, budgets, memberships): role, admin rights,
 * allowed models, limit scopes and the metadata other plugins read. Nothing here runs on a warm
 * request; the result is frozen and cached with the key.
 */
import type { LimitScope, Principal, Role } from '@sluice/plugin-sdk';
import type { BudgetRecord, OrgRecord, ProjectRecord, TeamRecord, UserRecord } from './entity-records.js';
import type { KeyRecord } from './key-record.js';
import { keyScope, limitScope } from './scopes.js';
import type { Stores } from './tenancy-deps.js';

export const PLUGIN_ID = 'governance-tenancy';

/** LiteLLM's special team model name: the team may call every model. */
const ALL_PROXY_MODELS = 'all-proxy-models';
/** Stands for "no model": an empty list would mean "every model". */
export const NO_MODEL = 'no-model-allowed-by-both-key-and-team';

export interface KeyContext {
  key: KeyRecord;
  user?: UserRecord;
  team?: TeamRecord;
  organization?: OrgRecord;
  project?: ProjectRecord;
  budgets: Map<string, BudgetRecord>;
  adminTeams: string[];
  memberTeams: string[];
  adminOrgs: string[];
}

export async function loadKeyContext(stores: Stores, key: KeyRecord): Promise<KeyContext> {
  const [user, team, project, teamRoles, orgRoles] = await Promise.all([
    key.user_id ? stores.users.find(key.user_id) : undefined,
    key.team_id ? stores.teams.find(key.team_id) : undefined,
    key.project_id ? stores.projects.find(key.project_id) : undefined,
    key.user_id ? stores.members.teamsOf(key.user_id) : [],
    key.user_id ? stores.members.orgsOf(key.user_id) : [],
  ]);
  const orgId = key.organization_id ?? team?.organization_id ?? project?.organization_id ?? null;
  const organization = orgId ? await stores.organizations.find(orgId) : undefined;
  const budgetIds = [key.budget_id, organization?.budget_id, project?.budget_id].filter((b): b is string => !!b);
  const budgets = new Map((await stores.budgets.findMany(budgetIds)).map((b) => [b.budget_id, b]));
  return {
    key,
    user,
    team,
    organization,
    project,
    budgets,
    adminTeams: teamRoles.filter((t) => t.role === 'admin').map((t) => t.team_id),
    memberTeams: teamRoles.map((t) => t.team_id),
    adminOrgs: orgRoles.filter((o) => o.user_role === 'org_admin').map((o) => o.organization_id),
  };
}

function roleOf(c: KeyContext): Role {
  const base = (c.user?.user_role ?? 'internal_user') as Role;
  if (base === 'proxy_admin' || base === 'proxy_admin_viewer') return base;
  if (base === 'org_admin' || c.adminOrgs.length > 0) return 'org_admin';
  if (c.adminTeams.length > 0) return 'team_admin';
  return base === 'internal_user_viewer' ? base : 'internal_user';
}

function narrow(models: string[], by: readonly string[] | undefined): string[] {
  if (!by || by.length === 0 || by.includes(ALL_PROXY_MODELS)) return models;
  if (models.length === 0) return [...by];
  const both = models.filter((m) => by.includes(m));
  return both.length > 0 ? both : [NO_MODEL];
}

export function scopesOf(c: KeyContext): LimitScope[] {
  const budget = (id: string | null | undefined) => (id ? c.budgets.get(id) : undefined);
  const emails = c.user?.user_email ? [c.user.user_email] : undefined;
  const scopes: LimitScope[] = [keyScope(c.key, budget(c.key.budget_id), emails)];
  if (c.user) scopes.push(limitScope('user', c.user.user_id, c.user, undefined, c.user.user_alias, emails));
  if (c.team) scopes.push(limitScope('team', c.team.team_id, c.team, undefined, c.team.team_alias));
  if (c.organization) scopes.push(limitScope('organization', c.organization.organization_id, c.organization, budget(c.organization.budget_id), c.organization.organization_alias));
  if (c.project) scopes.push(limitScope('project', c.project.project_id, c.project, budget(c.project.budget_id), c.project.project_alias));
  return scopes;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** What other plugins read: `principal.switches` (guardrails, permissions), `principal.metadata.enforced_params`… */
export function buildPrincipal(c: KeyContext): Principal {
  const r = c.key;
  const team = c.team;
  const role = roleOf(c);
  const teamMetadata = team?.metadata ?? {};
  const teamGuardrails = [...new Set([...(team?.guardrails ?? []), ...((teamMetadata.guardrails as string[] | undefined) ?? [])])];
  const principal: Principal = {
    id: r.token,
    authenticatedBy: PLUGIN_ID,
    role,
    keyHash: r.token,
    ...(r.key_alias !== null && { keyAlias: r.key_alias }),
    ...(r.user_id !== null && { userId: r.user_id }),
    ...(r.team_id !== null && { teamId: r.team_id }),
    ...((r.organization_id ?? c.organization?.organization_id) && { organizationId: r.organization_id ?? c.organization!.organization_id }),
    ...(r.project_id !== null && { projectId: r.project_id }),
    models: narrow(narrow(r.models, team?.models), c.project?.models),
    scopes: scopesOf(c),
    ...((c.adminTeams.length > 0 || c.adminOrgs.length > 0 || role === 'org_admin') && {
      adminOf: { teams: c.adminTeams, organizations: c.adminOrgs },
    }),
    switches: {
      key: { on: r.guardrails, permissions: r.permissions },
      ...(team && { team: { on: teamGuardrails, permissions: (teamMetadata.permissions as Record<string, unknown> | undefined) ?? {} } }),
    },
    metadata: {
      permissions: r.permissions,
      enforced_params: r.enforced_params,
      guardrails: r.guardrails,
      tags: r.tags,
      rpm_limit: r.rpm_limit,
      tpm_limit: r.tpm_limit,
      max_parallel_requests: r.max_parallel_requests,
      max_budget: r.max_budget,
      soft_budget: r.soft_budget,
      budget_duration: r.budget_duration,
      spend: r.spend,
      expires_at: r.expires_at,
      key_name: r.key_name,
      /** The key's own `metadata` as set through /key/generate or /key/update. */
      metadata: r.metadata,
      user_teams: c.memberTeams,
      ...(team && {
        team_alias: team.team_alias,
        team_metadata: teamMetadata,
        team_guardrails: teamGuardrails,
        team_permissions: (teamMetadata.permissions as Record<string, unknown> | undefined) ?? {},
      }),
    },
  };
  return deepFreeze(principal);
}
