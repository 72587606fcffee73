/**
 * LiteLLM's Prisma rows → the stored rows of Sluice's tenancy tables (column for column; JSON as
 * text, times as epoch ms). LiteLLM keeps some of a key's and a team's controls in `metadata`
 * (guardrails, tags, per-model rpm/tpm, enforced params, temporary budget increases) and the limits
 * of organizations, projects, customers and tags in their budget row: they go to Sluice's columns,
 * and the metadata stays as it was (clients read it there too). Fields with nowhere to go are
 * named in `NOT_CARRIED` and counted by the importer.
 */
import { createHash } from 'node:crypto';
import { KEY_FIELDS, SETTERS_FIELD, TEAM_FIELDS } from './field-policy.js';
import { isSet, list, ms, num, object, str, type SourceRow } from './litellm-import-source.js';
import type { Row } from './litellm-import-upsert.js';

const json = (v: unknown) => JSON.stringify(v ?? null);
const TOKEN_HASH = /^[0-9a-f]{64}$/;

/** LiteLLM_BudgetTable rows by id (the limits other records point at). */
export type Budgets = Map<string, SourceRow>;
/** LiteLLM_ObjectPermissionTable rows by id, as the object `object_permission` shows. */
export type ObjectPermissions = Map<string, Record<string, unknown>>;

/** Source fields Sluice has no place for, per source table (counted when set). */
export const NOT_CARRIED: Record<string, readonly string[]> = {
  LiteLLM_VerificationToken: ['soft_budget_cooldown', 'router_settings', 'agent_id', 'policies', 'access_group_ids', 'model_spend', 'last_active', 'budget_limits'],
  LiteLLM_UserTable: ['password', 'policies', 'model_spend', 'organization_id'],
  LiteLLM_TeamTable: ['model_spend', 'allow_team_guardrail_config'],
  LiteLLM_OrganizationTable: ['model_spend'],
  LiteLLM_ProjectTable: ['model_spend', 'object_permission_id'],
  LiteLLM_TagTable: ['model_info'],
  LiteLLM_BudgetTable: ['allowed_models'],
  LiteLLM_OrganizationMembership: ['spend', 'budget_id'],
};

/** The key a row stands for: LiteLLM stores SHA-256 hex; very old versions stored the `sk-` key itself. */
export function tokenHashOf(token: unknown): string | undefined {
  const t = str(token);
  if (!t) return undefined;
  if (TOKEN_HASH.test(t)) return t;
  if (t.startsWith('sk-')) return createHash('sha256').update(t).digest('hex');
  return undefined;
}

function limitsFrom(own: SourceRow, budget: SourceRow | undefined): Row {
  const pick = (f: string) => (own[f] !== null && own[f] !== undefined ? own[f] : budget?.[f]);
  return {
    max_budget: num(pick('max_budget')),
    soft_budget: num(pick('soft_budget')),
    budget_duration: str(pick('budget_duration')),
    budget_reset_at: ms(pick('budget_reset_at')),
    rpm_limit: num(pick('rpm_limit')),
    tpm_limit: num(pick('tpm_limit')),
    max_parallel_requests: num(pick('max_parallel_requests')),
  };
}

/** Created/updated stamps that stay the same on every run (a row without them gets its other stamp, else 0). */
function stamps(r: SourceRow): { created_at: number; updated_at: number } {
  const created = ms(r.created_at) ?? ms(r.updated_at) ?? 0;
  return { created_at: created, updated_at: ms(r.updated_at) ?? created };
}

/** Who set each control is unknown for imported records: a proxy admin, as for records older than 0005. */
function setters(row: Row, policy: typeof KEY_FIELDS): string {
  const out: Record<string, string> = {};
  for (const [field, p] of Object.entries(policy)) {
    if (!p.looser || !(field in row)) continue;
    let v = row[field];
    if (typeof v === 'string' && /^[[{n]/.test(v)) v = JSON.parse(v);
    if (isSet(v) && v !== 0) out[field] = 'proxy_admin';
  }
  return JSON.stringify(out);
}

function permissionOf(r: SourceRow, perms: ObjectPermissions): Record<string, unknown> | null {
  const id = str(r.object_permission_id);
  return id ? (perms.get(id) ?? null) : null;
}

export function budgetRow(r: SourceRow): Row {
  return {
    budget_id: String(r.budget_id),
    model_max_budget: json(object(r.model_max_budget)),
    ...limitsFrom(r, undefined),
    ...stamps(r),
  };
}

export function keyRow(r: SourceRow, token: string, budgets: Budgets, perms: ObjectPermissions): Row {
  const metadata = object(r.metadata);
  const budget = budgets.get(str(r.budget_id) ?? '');
  const expiry = ms(metadata.temp_budget_expiry);
  const row: Row = {
    token_hash: token,
    key_alias: str(r.key_alias),
    key_name: str(r.key_name) ?? `sk-...${token.slice(-4)}`,
    models: json(list(r.models)),
    metadata: json(metadata),
    permissions: json(object(r.permissions)),
    enforced_params: json(list(metadata.enforced_params)),
    guardrails: json(list(metadata.guardrails)),
    tags: json(list(metadata.tags)),
    ...limitsFrom(r, undefined),
    // Keys have no soft_budget column in LiteLLM: it lives in the key's budget row.
    soft_budget: num(budget?.soft_budget),
    model_max_budget: json(object(r.model_max_budget)),
    model_rpm_limit: json(object(metadata.model_rpm_limit)),
    model_tpm_limit: json(object(metadata.model_tpm_limit)),
    temp_budget_increase: num(metadata.temp_budget_increase),
    temp_budget_expiry: expiry,
    budget_id: str(r.budget_id),
    user_id: str(r.user_id),
    team_id: str(r.team_id),
    organization_id: str(r.organization_id),
    project_id: str(r.project_id),
    blocked: r.blocked === true,
    expires_at: ms(r.expires),
    ...stamps(r),
    spend: num(r.spend) ?? 0,
    aliases: json(object(r.aliases)),
    config: json(object(r.config)),
    allowed_cache_controls: json(list(r.allowed_cache_controls)),
    allowed_routes: json(list(r.allowed_routes)),
    key_type: 'default',
    object_permission: json(permissionOf(r, perms)),
    send_invite_email: null,
    auto_rotate: r.auto_rotate === undefined || r.auto_rotate === null ? null : r.auto_rotate === true,
    rotation_interval: str(r.rotation_interval),
    key_rotation_at: ms(r.key_rotation_at),
    last_rotation_at: ms(r.last_rotation_at),
    rotation_count: num(r.rotation_count) ?? 0,
    created_by: str(r.created_by),
    updated_by: str(r.updated_by),
  };
  row[SETTERS_FIELD] = setters(row, KEY_FIELDS);
  return row;
}

export function userRow(r: SourceRow, perms: ObjectPermissions): Row {
  const fields: Record<string, unknown> = {};
  if (isSet(r.allowed_cache_controls)) fields.allowed_cache_controls = list(r.allowed_cache_controls);
  if (isSet(object(r.model_max_budget))) fields.model_max_budget = object(r.model_max_budget);
  const perm = permissionOf(r, perms);
  if (perm) fields.object_permission = perm;
  return {
    user_id: String(r.user_id),
    user_email: str(r.user_email),
    user_alias: str(r.user_alias),
    user_role: str(r.user_role) ?? 'internal_user',
    models: json(list(r.models)),
    metadata: json(object(r.metadata)),
    ...limitsFrom(r, undefined),
    soft_budget: null,
    spend: num(r.spend) ?? 0,
    ...stamps(r),
    team_id: str(r.team_id),
    sso_user_id: str(r.sso_user_id),
    litellm_fields: json(fields),
  };
}

export function teamRow(r: SourceRow, perms: ObjectPermissions, modelAliases: Map<number, Record<string, unknown>>): Row {
  const metadata = object(r.metadata);
  const extra: Record<string, unknown> = {};
  for (const f of ['admins', 'members', 'team_member_permissions', 'access_group_ids', 'policies', 'default_team_member_models'] as const) if (isSet(r[f])) extra[f] = list(r[f]);
  for (const f of ['budget_limits', 'router_settings', 'model_max_budget'] as const) if (isSet(object(r[f]))) extra[f] = object(r[f]);
  const aliases = num(r.model_id) === null ? undefined : modelAliases.get(num(r.model_id)!);
  if (aliases && isSet(aliases)) extra.model_aliases = aliases;
  const perm = permissionOf(r, perms);
  if (perm) extra.object_permission = perm;
  const row: Row = {
    team_id: String(r.team_id),
    team_alias: str(r.team_alias),
    organization_id: str(r.organization_id),
    models: json(list(r.models)),
    metadata: json(metadata),
    guardrails: json(list(metadata.guardrails)),
    tags: json(list(metadata.tags)),
    model_rpm_limit: json(object(metadata.model_rpm_limit)),
    model_tpm_limit: json(object(metadata.model_tpm_limit)),
    blocked: r.blocked === true,
    ...limitsFrom(r, undefined),
    spend: num(r.spend) ?? 0,
    ...stamps(r),
    litellm_extra: json(extra),
  };
  row[SETTERS_FIELD] = setters(row, TEAM_FIELDS);
  return row;
}

export function organizationRow(r: SourceRow, budgets: Budgets, perms: ObjectPermissions): Row {
  const budget = budgets.get(str(r.budget_id) ?? '');
  const extra: Record<string, unknown> = {};
  const perm = permissionOf(r, perms);
  if (perm) extra.object_permission = perm;
  if (budget && isSet(object(budget.model_max_budget))) extra.model_max_budget = object(budget.model_max_budget);
  if (r.created_by) extra.created_by = str(r.created_by);
  if (r.updated_by) extra.updated_by = str(r.updated_by);
  return {
    organization_id: String(r.organization_id),
    organization_alias: str(r.organization_alias),
    budget_id: str(r.budget_id),
    models: json(list(r.models)),
    metadata: json(object(r.metadata)),
    ...limitsFrom({}, budget),
    spend: num(r.spend) ?? 0,
    ...stamps(r),
    litellm_extra: json(extra),
  };
}

export function projectRow(r: SourceRow, budgets: Budgets, teamOrg: Map<string, string | null>): Row {
  const metadata = object(r.metadata);
  return {
    project_id: String(r.project_id),
    project_alias: str(r.project_alias),
    description: str(r.description),
    team_id: str(r.team_id),
    organization_id: teamOrg.get(str(r.team_id) ?? '') ?? null,
    budget_id: str(r.budget_id),
    models: json(list(r.models)),
    metadata: json(metadata),
    tags: json(list(metadata.tags)),
    model_rpm_limit: json(object(r.model_rpm_limit)),
    model_tpm_limit: json(object(r.model_tpm_limit)),
    blocked: r.blocked === true,
    ...limitsFrom({}, budgets.get(str(r.budget_id) ?? '')),
    spend: num(r.spend) ?? 0,
    ...stamps(r),
  };
}

/** LiteLLM_EndUserTable has no timestamps: the import time goes in on insert only. */
export function customerRow(r: SourceRow, budgets: Budgets, perms: ObjectPermissions, now: number): Row {
  const perm = permissionOf(r, perms);
  return {
    user_id: String(r.user_id),
    alias: str(r.alias),
    blocked: r.blocked === true,
    budget_id: str(r.budget_id),
    allowed_model_region: str(r.allowed_model_region),
    default_model: str(r.default_model),
    metadata: json({}),
    ...limitsFrom({}, budgets.get(str(r.budget_id) ?? '')),
    spend: num(r.spend) ?? 0,
    created_at: now,
    updated_at: now,
    litellm_extra: json(perm ? { object_permission: perm } : {}),
  };
}

export function tagRow(r: SourceRow, budgets: Budgets): Row {
  return {
    name: String(r.tag_name),
    description: str(r.description),
    budget_id: str(r.budget_id),
    models: json(list(r.models)),
    metadata: json({}),
    ...limitsFrom({}, budgets.get(str(r.budget_id) ?? '')),
    spend: num(r.spend) ?? 0,
    ...stamps(r),
  };
}

/** A team's members: `members_with_roles`, with each member's spend and budget from LiteLLM_TeamMembership. */
export function teamMemberRows(team: SourceRow, memberships: Map<string, SourceRow>, budgets: Budgets, emails: Map<string, string | null>): { rows: Row[]; withoutUserId: number } {
  const rows: Row[] = [];
  let withoutUserId = 0;
  const seen = new Set<string>();
  const raw = team.members_with_roles;
  const members = Array.isArray(raw) ? raw : typeof raw === 'string' ? (JSON.parse(raw) as unknown[]) : [];
  for (const m of members) {
    const o = object(m);
    const userId = str(o.user_id);
    if (!userId) {
      withoutUserId++;
      continue;
    }
    if (seen.has(userId)) continue;
    seen.add(userId);
    rows.push(memberRow(String(team.team_id), userId, o.role === 'admin' ? 'admin' : 'user', str(o.user_email) ?? emails.get(userId) ?? null, memberships, budgets));
  }
  return { rows, withoutUserId };
}

export function memberRow(teamId: string, userId: string, role: 'admin' | 'user', email: string | null, memberships: Map<string, SourceRow>, budgets: Budgets): Row {
  const ms_ = memberships.get(`${teamId}\u0000${userId}`);
  const budget = budgets.get(str(ms_?.budget_id) ?? '');
  return {
    team_id: teamId,
    user_id: userId,
    user_email: email,
    role,
    spend: num(ms_?.spend) ?? 0,
    max_budget: num(budget?.max_budget),
    budget_duration: str(budget?.budget_duration),
    rpm_limit: num(budget?.rpm_limit),
    tpm_limit: num(budget?.tpm_limit),
  };
}

export function orgMemberRow(r: SourceRow, emails: Map<string, string | null>): Row {
  return {
    organization_id: String(r.organization_id),
    user_id: String(r.user_id),
    user_email: emails.get(String(r.user_id)) ?? null,
    user_role: str(r.user_role) ?? 'internal_user',
  };
}
