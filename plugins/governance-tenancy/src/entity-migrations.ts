/** Migrations 0003 and 0004: per-model and temporary limits on keys, then the tenancy tables. */
import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';
import { BUDGETS, CUSTOMERS, ORGANIZATIONS, ORG_MEMBERS_TABLE, PROJECTS, TAGS, TEAMS, TEAM_MEMBERS_TABLE, USERS } from './entity-tables.js';

const KEYS_TABLE = 'sluice_virtual_keys';

export const KEY_LIMITS_MIGRATION: PluginMigration = {
  name: '0003_key_model_limits',
  async up(knex: Knex) {
    await knex.schema.alterTable(KEYS_TABLE, (t) => {
      t.text('model_max_budget').notNullable().defaultTo('{}');
      t.text('model_rpm_limit').notNullable().defaultTo('{}');
      t.text('model_tpm_limit').notNullable().defaultTo('{}');
      t.double('temp_budget_increase').nullable();
      t.bigInteger('temp_budget_expiry').nullable();
      t.string('budget_id', 255).nullable();
      t.bigInteger('budget_reset_at').nullable();
    });
  },
  async down(knex: Knex) {
    await knex.schema.alterTable(KEYS_TABLE, (t) => {
      for (const c of ['model_max_budget', 'model_rpm_limit', 'model_tpm_limit', 'temp_budget_increase', 'temp_budget_expiry', 'budget_id', 'budget_reset_at']) t.dropColumn(c);
    });
  },
};

function limits(t: Knex.CreateTableBuilder): void {
  t.double('max_budget').nullable();
  t.double('soft_budget').nullable();
  t.string('budget_duration', 32).nullable();
  t.bigInteger('budget_reset_at').nullable();
  t.bigInteger('rpm_limit').nullable();
  t.bigInteger('tpm_limit').nullable();
  t.bigInteger('max_parallel_requests').nullable();
}

function stamps(t: Knex.CreateTableBuilder, spend = true): void {
  if (spend) t.double('spend').notNullable().defaultTo(0);
  t.bigInteger('created_at').notNullable();
  t.bigInteger('updated_at').notNullable();
}

export const ENTITY_TABLES_MIGRATION: PluginMigration = {
  name: '0004_tenancy_entities',
  async up(knex: Knex) {
    await knex.schema.createTable(USERS.table, (t) => {
      t.string('user_id', 255).primary();
      t.string('user_email', 255).nullable();
      t.string('user_alias', 255).nullable();
      t.string('user_role', 32).notNullable();
      t.text('models').notNullable();
      t.text('metadata').notNullable();
      limits(t);
      stamps(t);
      t.index(['user_email'], 'sluice_users_user_email_idx');
    });
    await knex.schema.createTable(ORGANIZATIONS.table, (t) => {
      t.string('organization_id', 255).primary();
      t.string('organization_alias', 255).nullable();
      t.string('budget_id', 255).nullable();
      t.text('models').notNullable();
      t.text('metadata').notNullable();
      limits(t);
      stamps(t);
    });
    await knex.schema.createTable(TEAMS.table, (t) => {
      t.string('team_id', 255).primary();
      t.string('team_alias', 255).nullable();
      t.string('organization_id', 255).nullable();
      t.text('models').notNullable();
      t.text('metadata').notNullable();
      t.text('guardrails').notNullable();
      t.text('tags').notNullable();
      t.text('model_rpm_limit').notNullable();
      t.text('model_tpm_limit').notNullable();
      t.boolean('blocked').notNullable().defaultTo(false);
      limits(t);
      stamps(t);
      t.index(['organization_id'], 'sluice_teams_organization_id_idx');
    });
    await knex.schema.createTable(TEAM_MEMBERS_TABLE, (t) => {
      t.string('team_id', 255).notNullable();
      t.string('user_id', 255).notNullable();
      t.string('user_email', 255).nullable();
      t.string('role', 16).notNullable();
      t.primary(['team_id', 'user_id']);
      t.index(['user_id'], 'sluice_team_members_user_id_idx');
    });
    await knex.schema.createTable(ORG_MEMBERS_TABLE, (t) => {
      t.string('organization_id', 255).notNullable();
      t.string('user_id', 255).notNullable();
      t.string('user_email', 255).nullable();
      t.string('user_role', 32).notNullable();
      t.primary(['organization_id', 'user_id']);
      t.index(['user_id'], 'sluice_organization_members_user_id_idx');
    });
    await knex.schema.createTable(PROJECTS.table, (t) => {
      t.string('project_id', 255).primary();
      t.string('project_alias', 255).nullable();
      t.text('description').nullable();
      t.string('team_id', 255).nullable();
      t.string('organization_id', 255).nullable();
      t.string('budget_id', 255).nullable();
      t.text('models').notNullable();
      t.text('metadata').notNullable();
      t.text('tags').notNullable();
      t.text('model_rpm_limit').notNullable();
      t.text('model_tpm_limit').notNullable();
      t.boolean('blocked').notNullable().defaultTo(false);
      limits(t);
      stamps(t);
      t.index(['team_id'], 'sluice_projects_team_id_idx');
    });
    await knex.schema.createTable(CUSTOMERS.table, (t) => {
      t.string('user_id', 255).primary();
      t.string('alias', 255).nullable();
      t.boolean('blocked').notNullable().defaultTo(false);
      t.string('budget_id', 255).nullable();
      t.string('allowed_model_region', 16).nullable();
      t.string('default_model', 255).nullable();
      t.text('metadata').notNullable();
      limits(t);
      stamps(t);
    });
    await knex.schema.createTable(TAGS.table, (t) => {
      t.string('name', 255).primary();
      t.text('description').nullable();
      t.string('budget_id', 255).nullable();
      t.text('models').notNullable();
      t.text('metadata').notNullable();
      limits(t);
      stamps(t);
    });
    await knex.schema.createTable(BUDGETS.table, (t) => {
      t.string('budget_id', 255).primary();
      t.text('model_max_budget').notNullable();
      limits(t);
      stamps(t, false);
    });
  },
  async down(knex: Knex) {
    for (const table of [BUDGETS.table, TAGS.table, CUSTOMERS.table, PROJECTS.table, ORG_MEMBERS_TABLE, TEAM_MEMBERS_TABLE, TEAMS.table, ORGANIZATIONS.table, USERS.table]) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};
