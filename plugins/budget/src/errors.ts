import { definePluginErrors } from '@sluice/plugin-sdk';

/*
 * LiteLLM raises BudgetExceededError for every budget and its proxy answers 400 with type
 * `budget_exceeded`. The messages are LiteLLM's per scope (user and end user keep their
 * `ExceededBudget:` wording, a key's model budget its "exceeded budget for model=" wording), so
 * clients that match on them keep working; every scope is named so the caller knows which one.
 */
const spec = (message: string) => ({ status: 400, type: 'budget_exceeded', param: null, message }) as const;

export const BudgetErrors = definePluginErrors('BUDGET', {
  KEY_EXCEEDED: spec('Budget has been exceeded! Key={id} Current cost: {spend}, Max budget: {budget}'),
  USER_EXCEEDED: spec('ExceededBudget: User={id} over budget. Spend={spend}, Budget={budget}'),
  TEAM_EXCEEDED: spec('Budget has been exceeded! Team={id} Current cost: {spend}, Max budget: {budget}'),
  ORGANIZATION_EXCEEDED: spec('Budget has been exceeded! Organization={id} Current cost: {spend}, Max budget: {budget}'),
  PROJECT_EXCEEDED: spec('Budget has been exceeded! Project={id} Current cost: {spend}, Max budget: {budget}'),
  CUSTOMER_EXCEEDED: spec('ExceededBudget: End User={id} over budget. Spend={spend}, Budget={budget}'),
  TAG_EXCEEDED: spec('Budget has been exceeded! Tag={id} Current cost: {spend}, Max budget: {budget}'),
  TEAM_MEMBER_EXCEEDED: spec('Budget has been exceeded! User={user} in Team={team} Current cost: {spend}, Max budget: {budget}'),
  /** The whole proxy's budget (`litellm_settings.max_budget`): LiteLLM's BudgetExceededError default wording. */
  PROXY_EXCEEDED: spec('Budget has been exceeded! Current cost: {spend}, Max budget: {budget}'),
  MODEL_EXCEEDED: spec('LiteLLM Virtual Key: {id}, key_alias: {alias}, exceeded budget for model={model}. Current cost: {spend}, Max budget: {budget}'),
});
