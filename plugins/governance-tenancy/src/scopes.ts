/**
 * LimitScopes (the governance contract) from records. A record that names a `budget_id` takes the
 * budget's limits for every limit it does not set itself. Windows are aligned as LiteLLM aligns
 * `budget_reset_at` (budgetWindow), so they end at the stored `budget_reset_at` the reset job keeps.
 */
import type { LimitScope, ModelBudget, ScopeKind } from '@sluice/plugin-sdk';
import type { BudgetRecord, Limits } from './entity-records.js';
import type { KeyRecord } from './key-record.js';

function pick<T>(own: T | null | undefined, fallback: T | null | undefined): T | null {
  return own ?? fallback ?? null;
}

export function limitScope(kind: ScopeKind, id: string, r: Limits, budget: BudgetRecord | undefined, alias: string | null, alertEmails?: string[]): LimitScope {
  const scope: LimitScope = {
    kind,
    id,
    rpmLimit: pick(r.rpm_limit, budget?.rpm_limit),
    tpmLimit: pick(r.tpm_limit, budget?.tpm_limit),
    maxParallelRequests: pick(r.max_parallel_requests, budget?.max_parallel_requests),
    maxBudget: pick(r.max_budget, budget?.max_budget),
    softBudget: pick(r.soft_budget, budget?.soft_budget),
    budgetDuration: pick(r.budget_duration, budget?.budget_duration),
    // Windows of N days run from the stored reset instant (a midnight), as LiteLLM's resets do.
    budgetAnchor: r.budget_reset_at ?? r.created_at,
    alias,
  };
  const modelRpm = r.model_rpm_limit as Record<string, number> | undefined;
  const modelTpm = r.model_tpm_limit as Record<string, number> | undefined;
  if (modelRpm && Object.keys(modelRpm).length > 0) scope.modelRpmLimit = modelRpm;
  if (modelTpm && Object.keys(modelTpm).length > 0) scope.modelTpmLimit = modelTpm;
  const perModel = modelBudgets((r.model_max_budget as KeyRecord['model_max_budget'] | undefined) ?? budget?.model_max_budget);
  if (perModel) scope.modelMaxBudget = perModel;
  if (alertEmails && alertEmails.length > 0) scope.alertEmails = alertEmails;
  return scope;
}

function modelBudgets(source: KeyRecord['model_max_budget'] | undefined): Record<string, ModelBudget> | undefined {
  if (!source || Object.keys(source).length === 0) return undefined;
  const out: Record<string, ModelBudget> = {};
  for (const [model, b] of Object.entries(source)) out[model] = { maxBudget: b.budget_limit, budgetDuration: b.time_period };
  return out;
}

export function keyScope(r: KeyRecord, budget: BudgetRecord | undefined, alertEmails?: string[]): LimitScope {
  const scope = limitScope('key', r.token, r as unknown as Limits, budget, r.key_alias, alertEmails);
  if (r.temp_budget_increase !== null) {
    scope.tempBudgetIncrease = r.temp_budget_increase;
    scope.tempBudgetExpiry = r.temp_budget_expiry;
  }
  return scope;
}
