import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

/** One row per file a caller uploaded (or a batch produced): who owns it and where it lives. */
export const FILES_TABLE = 'sluice_managed_files';
/** One row per batch: who owns it, where it runs, its last seen object, and whether it was priced. */
export const BATCHES_TABLE = 'sluice_managed_batches';

/**
 * Owner columns follow LiteLLM's managed files (`created_by` = the caller's user id, or
 * `key:<key id>` for a key with neither user nor team; `team_id`), so the same isolation rules
 * apply. Times are epoch ms in bigint columns and objects are JSON text: SQLite and Postgres alike.
 */
function ownerAndRoute(t: Knex.CreateTableBuilder): void {
  t.string('created_by', 255).nullable();
  t.string('team_id', 255).nullable();
  /** The principal (key) that created it: the spend of a batch goes to its keys, never shown. */
  t.string('key_id', 255).notNullable();
  /** Where its later calls go: a provider name, or a model group and the deployment that took it. */
  t.string('provider', 64).nullable();
  t.string('model', 255).nullable();
  t.string('deployment_id', 255).nullable();
  t.bigInteger('created_at').notNullable();
  t.text('object').notNullable();
}

const MIGRATION_0001: PluginMigration = {
  name: '0001_managed_files_batches',
  async up(knex: Knex) {
    await knex.schema.createTable(FILES_TABLE, (t) => {
      /** The id the client sees (LiteLLM's encoded or unified id, or the provider's own). */
      t.string('id', 512).primary();
      t.string('upstream_id', 255).notNullable();
      t.string('purpose', 64).notNullable();
      ownerAndRoute(t);
      t.index(['created_by', 'created_at'], 'sluice_managed_files_owner_idx');
      t.index(['team_id', 'created_at'], 'sluice_managed_files_team_idx');
    });
    await knex.schema.createTable(BATCHES_TABLE, (t) => {
      t.string('id', 512).primary();
      t.string('upstream_id', 255).notNullable();
      t.string('status', 32).notNullable();
      ownerAndRoute(t);
      /** Set once, by the one retrieve that wins the conditional update: the batch's spend is recorded then. */
      t.bigInteger('priced_at').nullable();
      t.double('cost').nullable();
      t.index(['created_by', 'created_at'], 'sluice_managed_batches_owner_idx');
      t.index(['team_id', 'created_at'], 'sluice_managed_batches_team_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(BATCHES_TABLE);
    await knex.schema.dropTableIfExists(FILES_TABLE);
  },
};

export const MIGRATIONS: PluginMigration[] = [MIGRATION_0001];
