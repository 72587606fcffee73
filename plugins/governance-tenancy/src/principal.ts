/**
 * The principal of a virtual key, built once per key cache miss from the key and the records
 * around it (user, team, organization, project, budgets, memberships): role, admin rights,
 * allowed models, limit scopes and the metadata other plugins read. Nothing here runs on a warm
 * request; the result is frozen and cached with the key.
 */
import { teamMemberScopeId, type LimitScope, type Principal, type Role } from '@sluice/plugin-sdk';
import type { BudgetRecord, OrgRecord, ProjectRecord, TeamRecord, UserRecord } from './entity-records.js';
import type { KeyRecord } from './key-record.js';
import type { TeamMembership } from './membership-store.js';
import { keyScope, limitScope } from './scopes.js';
import { rememberModelLists } from './model-access.js';
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
  /** The key's user's membership of the key's team: its budget and limits there. */
  membership?: TeamMembership;
  /**
   * Set for an identity proven without a virtual key (a JWT, an SSO session: identity-directory.ts):
   * `key` is then a stand-in carrying the ids and the identity's models, and has no scope of its own.
   */
  external?: { id: string; authenticatedBy: string; role?: Role; endUserScope?: LimitScope };
}

export async function loadKeyContext(stores: Stores, key: KeyRecord): Promise<KeyContext> {
  const [user, team, project, teamRoles, orgRoles, memberships] = await Promise.all([
    key.user_id ? stores.users.find(key.user_id) : undefined,
    key.team_id ? stores.teams.find(key.team_id) : undefined,
    key.project_id ? stores.projects.find(key.project_id) : undefined,
    key.user_id ? stores.members.teamsOf(key.user_id) : [],
    key.user_id ? stores.members.orgsOf(key.user_id) : [],
    key.user_id && key.team_id ? stores.members.memberships(key.user_id, key.team_id) : [],
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
    ...(memberships[0] && { membership: memberships[0] }),
  };
}

/** A team's defaults for every member (LiteLLM's `team_member_budget`, `team_member_rpm_limit`, `team_member_tpm_limit`, `team_member_budget_duration`). */
function teamMemberDefaults(team: TeamRecord | undefined) {
  const x = (team?.litellm_extra ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
  return {
    maxBudget: n(x.team_member_budget),
    rpmLimit: n(x.team_member_rpm_limit),
    tpmLimit: n(x.team_member_tpm_limit),
    budgetDuration: typeof x.team_member_budget_duration === 'string' ? x.team_member_budget_duration : null,
  };
}

function teamModelAliases(team: TeamRecord): Record<string, string> | undefined {
  const aliases = (team.litellm_extra as { model_aliases?: Record<string, string> | null } | undefined)?.model_aliases;
  return aliases && typeof aliases === 'object' && Object.keys(aliases).length > 0 ? aliases : undefined;
}

function roleOf(c: KeyContext): Role {
  // LiteLLM: a key naming a user that is not in the database has no role; it calls models and
  // reads its own key, but manages nothing (tests/test_keys.py::test_key_gen_bad_key).
  if (c.key.user_id !== null && !c.user) return 'internal_user_viewer';
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
  const scopes: LimitScope[] = c.external ? [] : [keyScope(c.key, budget(c.key.budget_id), emails)];
  if (c.user) scopes.push(limitScope('user', c.user.user_id, c.user, undefined, c.user.user_alias, emails));
  if (c.team) scopes.push(limitScope('team', c.team.team_id, c.team, undefined, c.team.team_alias));
  if (c.organization) scopes.push(limitScope('organization', c.organization.organization_id, c.organization, budget(c.organization.budget_id), c.organization.organization_alias));
  if (c.project) scopes.push(limitScope('project', c.project.project_id, c.project, budget(c.project.budget_id), c.project.project_alias));
  const m = c.membership;
  if (m) {
    // LiteLLM's team member budget and limits (the member's own `max_budget_in_team`…, else the
    // team's `team_member_budget`, `team_member_rpm_limit`…): the user's share of the team.
    const d = teamMemberDefaults(c.team);
    const maxBudget = m.max_budget ?? d.maxBudget;
    const rpmLimit = m.rpm_limit ?? d.rpmLimit;
    const tpmLimit = m.tpm_limit ?? d.tpmLimit;
    if (maxBudget !== null || rpmLimit !== null || tpmLimit !== null) {
      scopes.push({ kind: 'team_member', id: teamMemberScopeId(m.team_id, m.user_id), maxBudget, budgetDuration: m.budget_duration ?? d.budgetDuration, rpmLimit, tpmLimit, budgetAnchor: c.team?.created_at });
    }
  }
  if (c.external?.endUserScope) scopes.push(c.external.endUserScope);
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
  const role = c.external?.role ?? roleOf(c);
  const teamMetadata = team?.metadata ?? {};
  const teamGuardrails = [...new Set([...(team?.guardrails ?? []), ...((teamMetadata.guardrails as string[] | undefined) ?? [])])];
  const principal: Principal = {
    id: c.external?.id ?? r.token,
    authenticatedBy: c.external?.authenticatedBy ?? PLUGIN_ID,
    role,
    ...(!c.external && { keyHash: r.token }),
    ...(r.key_alias !== null && { keyAlias: r.key_alias }),
    ...(r.user_id !== null && { userId: r.user_id }),
    ...(r.team_id !== null && { teamId: r.team_id }),
    ...((r.organization_id ?? c.organization?.organization_id) && { organizationId: r.organization_id ?? c.organization!.organization_id }),
    ...(r.project_id !== null && { projectId: r.project_id }),
    models: narrow(narrow(r.models, team?.models), c.project?.models),
    // The response cache reads which per-request cache controls the key may use.
    ...(r.allowed_cache_controls.length > 0 && { allowedCacheControls: r.allowed_cache_controls }),
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
      // LiteLLM adds the key's and then the team's metadata tags to every call's tags.
      tags: team ? [...new Set([...r.tags, ...team.tags, ...(Array.isArray(teamMetadata.tags) ? (teamMetadata.tags as string[]) : [])])] : r.tags,
      rpm_limit: r.rpm_limit,
      tpm_limit: r.tpm_limit,
      max_parallel_requests: r.max_parallel_requests,
      max_budget: r.max_budget,
      soft_budget: r.soft_budget,
      budget_duration: r.budget_duration,
      spend: r.spend,
      expires_at: r.expires_at,
      key_name: r.key_name,
      ...(Object.keys(r.aliases).length > 0 && { aliases: r.aliases }),
      /** The key's own `metadata` as set through /key/generate or /key/update. */
      metadata: r.metadata,
      user_teams: c.memberTeams,
      ...(team && {
        team_alias: team.team_alias,
        team_metadata: teamMetadata,
        team_guardrails: teamGuardrails,
        team_permissions: (teamMetadata.permissions as Record<string, unknown> | undefined) ?? {},
        // LiteLLM's team model aliases (`{"cheap-model": "gpt-3.5-turbo"}`), applied in preCall.
        ...(teamModelAliases(team) && { team_model_aliases: teamModelAliases(team) }),
      }),
    },
  };
  const frozen = deepFreeze(principal);
  // Each list is judged on its own (model-access.ts): access groups and special names do not intersect.
  rememberModelLists(frozen, {
    key: r.models,
    ...(team && { team: team.models }),
    ...(c.project && { project: c.project.models }),
    // LiteLLM judges a personal key (no team) by its user's models too (user_model_access_denied).
    ...(!team && c.user && c.user.models.length > 0 && { user: c.user.models }),
  });
  return frozen;
}
