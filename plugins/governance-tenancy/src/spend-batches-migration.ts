/**
 * Migration 0006: the ids of the spend batches already added to the records (spend-accumulator.ts).
 * A batch whose commit cannot be confirmed (a lost acknowledgement, a forced exit mid-write that
 * spilled it to disk) is written again later; its id here makes that second write a no-op.
 */
import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

export const SPEND_BATCHES_TABLE = 'sluice_tenancy_spend_batches';

export const SPEND_BATCHES_MIGRATION: PluginMigration = {
  name: '0006_spend_batches',
  async up(knex: Knex) {
    await knex.schema.createTable(SPEND_BATCHES_TABLE, (t) => {
      t.string('batch_id', 36).primary();
      t.bigInteger('applied_at').notNullable();
      t.index(['applied_at'], 'sluice_tenancy_spend_batches_applied_at_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(SPEND_BATCHES_TABLE);
  },
};
