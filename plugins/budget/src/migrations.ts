import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

/** Settled spend per scope and budget window: what a (re)started instance seeds its counters from. */
export const WINDOW_SPEND_TABLE = 'sluice_budget_window_spend';

/*
 * Times are epoch ms in bigint columns so SQLite and Postgres compare them identically. `model` is
 * '' for a scope's overall budget (a primary key column cannot be null), the model group name for
 * a key's model budget. `window_start` is 0 for budgets without a duration (one window for ever).
 */
const MIGRATION_0001_WINDOW_SPEND: PluginMigration = {
  name: '0001_window_spend',
  async up(knex: Knex) {
    await knex.schema.createTable(WINDOW_SPEND_TABLE, (t) => {
      t.string('scope_kind', 16).notNullable();
      t.string('scope_id', 512).notNullable();
      t.string('model', 255).notNullable().defaultTo('');
      t.bigInteger('window_start').notNullable();
      t.bigInteger('window_end').nullable();
      t.double('spend').notNullable().defaultTo(0);
      t.bigInteger('updated_at').notNullable();
      t.primary(['scope_kind', 'scope_id', 'model', 'window_start']);
      t.index(['window_end'], 'sluice_budget_window_spend_window_end_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(WINDOW_SPEND_TABLE);
  },
};

/** Append new migrations; never reorder. */
export const MIGRATIONS: PluginMigration[] = [MIGRATION_0001_WINDOW_SPEND];
