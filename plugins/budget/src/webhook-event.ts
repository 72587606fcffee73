/**
 * LiteLLM's WebhookEvent for a crossed soft budget: the fields of its CallInfo (spend,
 * max_budget, soft_budget, token, customer_id, user_id, team_id, team_alias, user_email,
 * key_alias, projected_*) plus event, event_group and event_message. The scope's own id fills
 * its field; the caller's other ids come from the principal. Sluice adds `organization_id`,
 * `project_id`, `tag` and `model` where they apply.
 */
import type { ScopeKind, SpendEvent } from '@sluice/plugin-sdk';
import type { BudgetLimit } from './budget-limits.js';

/** LiteLLM's Litellm_EntityType for each scope kind (project and tag have none there). */
const EVENT_GROUP: Record<ScopeKind, string> = {
  key: 'key',
  user: 'user',
  team: 'team',
  organization: 'organization',
  project: 'project',
  customer: 'end_user',
  tag: 'tag',
  team_member: 'team_member',
  proxy: 'proxy',
};

export interface WebhookEvent {
  spend: number;
  max_budget: number | null;
  soft_budget: number | null;
  token: string | null;
  customer_id: string | null;
  user_id: string | null;
  team_id: string | null;
  team_alias: string | null;
  user_email: string | null;
  key_alias: string | null;
  organization_id: string | null;
  project_id: string | null;
  tag?: string;
  model?: string;
  projected_exceeded_date: string | null;
  projected_spend: number | null;
  event: 'soft_budget_crossed';
  event_group: string;
  event_message: string;
}

export function softBudgetCrossedEvent(limit: BudgetLimit, spend: number, call: Pick<SpendEvent, 'principal' | 'user'>): WebhookEvent {
  const p = call.principal;
  const own = (kind: ScopeKind, fallback: string | undefined): string | null => (limit.kind === kind ? limit.id : (fallback ?? null));
  return {
    spend,
    max_budget: limit.maxBudget,
    soft_budget: limit.softBudget,
    token: own('key', p.keyHash),
    customer_id: own('customer', call.user),
    user_id: own('user', p.userId),
    team_id: own('team', p.teamId),
    team_alias: limit.kind === 'team' ? limit.alias : null,
    user_email: null,
    key_alias: limit.kind === 'key' ? (limit.alias ?? p.keyAlias ?? null) : (p.keyAlias ?? null),
    organization_id: own('organization', p.organizationId),
    project_id: own('project', p.projectId),
    ...(limit.kind === 'tag' && { tag: limit.id }),
    ...(limit.model !== '' && { model: limit.model }),
    projected_exceeded_date: null,
    projected_spend: null,
    event: 'soft_budget_crossed',
    event_group: EVENT_GROUP[limit.kind],
    event_message: `Soft Budget Crossed - Total Soft Budget: $${limit.softBudget}`,
  };
}
