/**
 * The tenancy tables as data: each entity's table, id column and how its columns are typed, so
 * one store (entity-store.ts) reads and writes all of them. Column names are LiteLLM's field names.
 */
export interface EntityTable {
  /** Name in messages and audit records (`team`, `organization`…). */
  entity: string;
  table: string;
  /** Primary key column = the API's id field. */
  id: string;
  json: readonly string[];
  ints: readonly string[];
  floats: readonly string[];
  bools: readonly string[];
}

const LIMIT_INTS = ['rpm_limit', 'tpm_limit', 'max_parallel_requests', 'budget_reset_at', 'created_at', 'updated_at'] as const;
const LIMIT_FLOATS = ['max_budget', 'soft_budget', 'spend'] as const;

export const USERS: EntityTable = {
  entity: 'User',
  table: 'sluice_users',
  id: 'user_id',
  json: ['models', 'metadata', 'litellm_fields'],
  ints: LIMIT_INTS,
  floats: LIMIT_FLOATS,
  bools: [],
};

export const TEAMS: EntityTable = {
  entity: 'Team',
  table: 'sluice_teams',
  id: 'team_id',
  json: ['models', 'metadata', 'guardrails', 'tags', 'model_rpm_limit', 'model_tpm_limit', 'controls_set_by', 'litellm_extra'],
  ints: LIMIT_INTS,
  floats: LIMIT_FLOATS,
  bools: ['blocked'],
};

export const ORGANIZATIONS: EntityTable = {
  entity: 'Organization',
  table: 'sluice_organizations',
  id: 'organization_id',
  json: ['models', 'metadata', 'litellm_extra'],
  ints: LIMIT_INTS,
  floats: LIMIT_FLOATS,
  bools: [],
};

export const PROJECTS: EntityTable = {
  entity: 'Project',
  table: 'sluice_projects',
  id: 'project_id',
  json: ['models', 'metadata', 'tags', 'model_rpm_limit', 'model_tpm_limit'],
  ints: LIMIT_INTS,
  floats: LIMIT_FLOATS,
  bools: ['blocked'],
};

export const CUSTOMERS: EntityTable = {
  entity: 'Customer',
  table: 'sluice_customers',
  id: 'user_id',
  json: ['metadata', 'litellm_extra'],
  ints: LIMIT_INTS,
  floats: LIMIT_FLOATS,
  bools: ['blocked'],
};

export const TAGS: EntityTable = {
  entity: 'Tag',
  table: 'sluice_tags',
  id: 'name',
  json: ['models', 'metadata'],
  ints: LIMIT_INTS,
  floats: LIMIT_FLOATS,
  bools: [],
};

export const BUDGETS: EntityTable = {
  entity: 'Budget',
  table: 'sluice_budgets',
  id: 'budget_id',
  json: ['model_max_budget'],
  ints: LIMIT_INTS,
  floats: ['max_budget', 'soft_budget'],
  bools: [],
};

export const TEAM_MEMBERS_TABLE = 'sluice_team_members';
export const ORG_MEMBERS_TABLE = 'sluice_organization_members';

/** Tables whose `spend` onSpend adds to, by scope kind. */
export const SPEND_TABLES = { user: USERS, team: TEAMS, organization: ORGANIZATIONS, project: PROJECTS, customer: CUSTOMERS, tag: TAGS } as const;
