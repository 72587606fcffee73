/**
 * Migration 0008: what LiteLLM's team, organization and customer requests carry beyond the
 * columns Sluice acts on (`litellm_extra`, stored and shown back as sent), and the budget and
 * limits of a member inside its team (LiteLLM's team membership: `max_budget_in_team`,
 * `tpm_limit`, `rpm_limit`, with its own `spend`).
 */
import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';
import { CUSTOMERS, ORGANIZATIONS, TEAMS, TEAM_MEMBERS_TABLE } from './entity-tables.js';

/** The JSON column holding a record's stored-only LiteLLM fields. */
export const EXTRA_FIELD = 'litellm_extra';

export const LITELLM_FIELDS_MIGRATION: PluginMigration = {
  name: '0008_litellm_fields_and_member_budgets',
  async up(knex: Knex) {
    for (const table of [TEAMS.table, ORGANIZATIONS.table, CUSTOMERS.table]) {
      await knex.schema.alterTable(table, (t) => {
        t.text(EXTRA_FIELD).notNullable().defaultTo('{}');
      });
    }
    await knex.schema.alterTable(TEAM_MEMBERS_TABLE, (t) => {
      t.double('spend').notNullable().defaultTo(0);
      t.double('max_budget').nullable();
      t.string('budget_duration', 32).nullable();
      t.bigInteger('rpm_limit').nullable();
      t.bigInteger('tpm_limit').nullable();
    });
  },
  async down(knex: Knex) {
    for (const table of [TEAMS.table, ORGANIZATIONS.table, CUSTOMERS.table]) await knex.schema.alterTable(table, (t) => t.dropColumn(EXTRA_FIELD));
    await knex.schema.alterTable(TEAM_MEMBERS_TABLE, (t) => {
      for (const c of ['spend', 'max_budget', 'budget_duration', 'rpm_limit', 'tpm_limit']) t.dropColumn(c);
    });
  },
};
