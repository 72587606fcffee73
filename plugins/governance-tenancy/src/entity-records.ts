/** The tenancy records as stored (LiteLLM field names; times epoch ms) and how the API shows them. */
import { budgetWindow } from '@sluice/plugin-sdk';
import type { Setters } from './field-policy.js';
import { iso } from './key-record.js';

export interface Limits {
  max_budget: number | null;
  soft_budget: number | null;
  budget_duration: string | null;
  /** End of the current budget window (epoch ms); spend is reset then. */
  budget_reset_at: number | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
  spend: number;
  created_at: number;
  updated_at: number;
  [field: string]: unknown;
}

export interface UserRecord extends Limits {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  user_role: string;
  models: string[];
  metadata: Record<string, unknown>;
  /** LiteLLM_UserTable's `team_id` (set by /user/new and /user/update; membership is separate). */
  team_id?: string | null;
  sso_user_id?: string | null;
  /** LiteLLM request fields stored and echoed (aliases, config, allowed_cache_controls, model_max_budget…). */
  litellm_fields?: Record<string, unknown> | null;
}

export interface TeamRecord extends Limits {
  team_id: string;
  team_alias: string | null;
  organization_id: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  guardrails: string[];
  tags: string[];
  model_rpm_limit: Record<string, number>;
  model_tpm_limit: Record<string, number>;
  blocked: boolean;
}

export interface OrgRecord extends Limits {
  organization_id: string;
  organization_alias: string | null;
  budget_id: string | null;
  models: string[];
  metadata: Record<string, unknown>;
}

export interface ProjectRecord extends Limits {
  project_id: string;
  project_alias: string | null;
  description: string | null;
  team_id: string | null;
  organization_id: string | null;
  budget_id: string | null;
  models: string[];
  metadata: Record<string, unknown>;
  tags: string[];
  model_rpm_limit: Record<string, number>;
  model_tpm_limit: Record<string, number>;
  blocked: boolean;
  /** Who set each control (field-policy.ts). */
  controls_set_by?: Setters;
}

export interface CustomerRecord extends Limits {
  user_id: string;
  alias: string | null;
  blocked: boolean;
  budget_id: string | null;
  allowed_model_region: string | null;
  default_model: string | null;
  metadata: Record<string, unknown>;
}

export interface TagRecord extends Limits {
  name: string;
  description: string | null;
  budget_id: string | null;
  models: string[];
  metadata: Record<string, unknown>;
}

export interface BudgetRecord extends Limits {
  budget_id: string;
  model_max_budget: Record<string, { budget_limit: number; time_period: string | null }>;
}

export const BUDGET_FIELDS = ['max_budget', 'soft_budget', 'budget_duration', 'rpm_limit', 'tpm_limit', 'max_parallel_requests'] as const;

/** Defaults of the shared columns for a new record. */
export function newLimits(fields: Record<string, unknown>, now: number): Limits {
  const duration = (fields.budget_duration as string | null | undefined) ?? null;
  return {
    max_budget: null,
    soft_budget: null,
    rpm_limit: null,
    tpm_limit: null,
    max_parallel_requests: null,
    spend: 0,
    ...fields,
    budget_duration: duration,
    budget_reset_at: nextReset(duration, now),
    created_at: now,
    updated_at: now,
  };
}

/**
 * LiteLLM's `budget_reset_at` (get_budget_reset_time): the end of the aligned budget window `now`
 * is in (`1d` → next midnight UTC, `1mo` → the 1st…; see budgetWindow). Set when a record gets a
 * `budget_duration` and by every reset; null without a duration.
 */
export function nextReset(duration: string | null | undefined, now: number): number | null {
  return (duration && budgetWindow(duration, now)?.end) || null;
}

/** Times as ISO strings, as LiteLLM's JSON shows datetimes. */
export function entityView<T extends Limits>(r: T): Record<string, unknown> {
  // Who set a team's controls (field-policy.ts) is the gateway's bookkeeping, not LiteLLM's shape.
  // Stored-only LiteLLM fields (litellm-extras.ts) show as the record's own fields.
  const { controls_set_by: _setters, litellm_extra: extra, ...shown } = r;
  return { ...((extra as Record<string, unknown> | null | undefined) ?? {}), ...shown, budget_reset_at: iso(r.budget_reset_at), created_at: iso(r.created_at), updated_at: iso(r.updated_at) };
}

/** LiteLLM nests the limits of organizations, projects and customers under `litellm_budget_table`. */
export function budgetTableOf(r: Limits, budget: BudgetRecord | undefined): Record<string, unknown> | null {
  const source = budget ?? r;
  const table: Record<string, unknown> = {};
  for (const f of BUDGET_FIELDS) table[f] = source[f] ?? null;
  if (budget) table.budget_id = budget.budget_id;
  table.model_max_budget = budget?.model_max_budget ?? null;
  table.budget_reset_at = iso(r.budget_reset_at);
  return BUDGET_FIELDS.some((f) => table[f] !== null) ? table : null;
}
