/**
 * LiteLLM's proxy budget (`litellm_settings.max_budget` + `budget_duration`): one budget for every
 * call through the gateway. As in LiteLLM it lives on the user `litellm-proxy-budget` (created or
 * updated at start), whose `spend` is the proxy's; every call carries it as a `proxy` scope, which
 * the budget plugin enforces with LiteLLM's "Budget has been exceeded! Current cost: …, Max
 * budget: …".
 */
import type { LimitScope, PluginContext } from '@sluice/plugin-sdk';
import type { GovernanceTenancyConfig } from './config.generated.js';
import { newLimits, nextReset, type UserRecord } from './entity-records.js';
import type { Stores } from './tenancy-deps.js';

/** LiteLLM's `litellm_proxy_budget_name`. */
export const PROXY_BUDGET_USER = 'litellm-proxy-budget';

/** The proxy scope every call carries, or undefined when no proxy budget is set (LiteLLM: max_budget > 0). */
export async function proxyBudgetScope(ctx: PluginContext, stores: Stores, config: GovernanceTenancyConfig): Promise<LimitScope | undefined> {
  const maxBudget = config.proxy_max_budget ?? 0;
  if (!(maxBudget > 0)) return undefined;
  const duration = config.proxy_budget_duration ?? null;
  const now = ctx.now();
  const fresh = { user_email: null, user_alias: null, user_role: 'proxy_admin', models: [], metadata: {}, ...newLimits({ max_budget: maxBudget, budget_duration: duration }, now), user_id: PROXY_BUDGET_USER } as UserRecord;
  await stores.users.insertIfAbsent(fresh);
  let user = (await stores.users.find(PROXY_BUDGET_USER))!;
  if (user.max_budget !== maxBudget || user.budget_duration !== duration) {
    user = (await stores.users.update(PROXY_BUDGET_USER, { max_budget: maxBudget, budget_duration: duration, budget_reset_at: nextReset(duration, now), updated_at: now }))!;
  }
  return { kind: 'proxy', id: PROXY_BUDGET_USER, maxBudget, budgetDuration: duration, budgetAnchor: user.budget_reset_at ?? user.created_at };
}
