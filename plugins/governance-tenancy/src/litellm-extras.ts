/**
 * LiteLLM request fields Sluice accepts but does not act on (MCP permissions, vector stores,
 * router settings, prompts…): stored in the record's `litellm_extra` JSON column as sent and shown
 * back in its responses, so a LiteLLM client's round trip keeps them. Fields Sluice does act on
 * have their own columns and checks; a name neither list knows is still refused (field-checks.ts).
 */
import type { Check } from './field-checks.js';
import { EXTRA_FIELD } from './litellm-fields-migration.js';

/** Any JSON value, null included: stored as sent. */
const asSent: Check = (v) => v;

export function storedOnly(names: readonly string[]): Record<string, Check> {
  return Object.fromEntries(names.map((n) => [n, asSent]));
}

/**
 * LiteLLM's NewTeamRequest / UpdateTeamRequest fields kept in `litellm_extra`. Most are stored
 * only; `model_aliases` (request-scopes.ts) and `team_member_budget`, `team_member_rpm_limit`,
 * `team_member_tpm_limit`, `team_member_budget_duration` (principal.ts: each member's default) are
 * acted on from there.
 */
export const TEAM_STORED = [
  'admins', 'members', 'team_member_permissions', 'budget_limits', 'router_settings', 'access_group_ids',
  'default_team_member_models', 'model_aliases', 'policies', 'prompts', 'object_permission', 'allowed_passthrough_routes',
  'rpm_limit_type', 'tpm_limit_type', 'team_member_budget', 'team_member_rpm_limit',
  'team_member_tpm_limit', 'team_member_key_duration', 'team_member_budget_duration', 'allowed_vector_store_indexes',
  'enforced_batch_output_expires_after', 'enforced_file_expires_after', 'model_max_budget', 'tpd_limit',
] as const;

/** LiteLLM_TeamTable fields with no Sluice column, with LiteLLM's defaults. */
export const TEAM_DEFAULTS: Record<string, unknown> = {
  admins: [],
  members: [],
  team_member_permissions: null,
  budget_limits: null,
  router_settings: null,
  access_group_ids: null,
  default_team_member_models: null,
  model_aliases: null,
  model_id: null,
  model_spend: {},
  model_max_budget: {},
  policies: null,
  allow_team_guardrail_config: false,
  litellm_model_table: null,
  object_permission: null,
  object_permission_id: null,
};

/** Stored-only fields of LiteLLM's NewOrganizationRequest / UpdateOrganizationRequest. */
export const ORGANIZATION_STORED = [
  'object_permission', 'model_rpm_limit', 'model_tpm_limit', 'model_max_budget', 'tpm_limit_type', 'rpm_limit_type',
  'updated_by', 'created_by', 'prompts', 'policies',
] as const;

export const ORGANIZATION_DEFAULTS: Record<string, unknown> = {
  object_permission: null,
  object_permission_id: null,
  created_by: 'default_user_id',
  updated_by: 'default_user_id',
  model_spend: {},
  users: [],
};

/** Stored-only fields of LiteLLM's NewCustomerRequest / UpdateCustomerRequest. */
export const CUSTOMER_STORED = ['object_permission', 'model_max_budget'] as const;

export const CUSTOMER_DEFAULTS: Record<string, unknown> = { object_permission: null, object_permission_id: null };

/**
 * Moves the stored-only fields of `fields` into `litellm_extra`, merged over what the record
 * already holds (an update keeps the extras it does not name).
 */
export function moveExtras(fields: Record<string, unknown>, names: readonly string[], before: Record<string, unknown> | undefined): void {
  const extra: Record<string, unknown> = { ...((before?.[EXTRA_FIELD] as Record<string, unknown> | undefined) ?? {}) };
  let touched = false;
  for (const n of names) {
    if (!(n in fields)) continue;
    extra[n] = fields[n];
    delete fields[n];
    touched = true;
  }
  if (touched) fields[EXTRA_FIELD] = extra;
}
