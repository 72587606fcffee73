import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

/** LiteLLM_ProxyModelTable's columns; times are epoch ms, JSON is text (SQLite and Postgres alike). */
export const MODELS_TABLE = 'sluice_proxy_models';
/** One row (id 1) whose `version` every write bumps: other instances poll it to notice changes. */
export const VERSION_TABLE = 'sluice_proxy_models_version';

const MIGRATION_0001_MODELS: PluginMigration = {
  name: '0001_proxy_models',
  async up(knex: Knex) {
    await knex.schema.createTable(MODELS_TABLE, (t) => {
      t.string('model_id', 255).primary();
      t.string('model_name', 255).notNullable();
      /** JSON object; every string value encrypted with the salt key, as LiteLLM stores it. */
      t.text('litellm_params').notNullable();
      t.text('model_info').notNullable();
      t.bigInteger('created_at').notNullable();
      t.string('created_by', 255).notNullable();
      t.bigInteger('updated_at').notNullable();
      t.string('updated_by', 255).notNullable();
    });
    await knex.schema.createTable(VERSION_TABLE, (t) => {
      t.integer('id').primary();
      t.bigInteger('version').notNullable();
    });
    await knex(VERSION_TABLE).insert({ id: 1, version: 0 });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(VERSION_TABLE);
    await knex.schema.dropTableIfExists(MODELS_TABLE);
  },
};

export const MIGRATIONS: PluginMigration[] = [MIGRATION_0001_MODELS];
