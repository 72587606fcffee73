import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

/** Responses kept for `previous_response_id`, `GET`, `DELETE` and `input_items`; times are epoch ms, JSON is text. */
export const RESPONSES_TABLE = 'sluice_responses';

const MIGRATION_0001_RESPONSES: PluginMigration = {
  name: '0001_responses',
  async up(knex: Knex) {
    await knex.schema.createTable(RESPONSES_TABLE, (t) => {
      t.string('id', 512).primary();
      /** The principal (virtual key, JWT subject, `master`) that created it: only it (or its admins) may read it. */
      t.string('owner_id', 255).notNullable();
      t.string('team_id', 255).nullable();
      /** The model group called, and the deployment that answered. */
      t.string('model', 255).notNullable();
      t.string('deployment_id', 255).notNullable();
      /** 1: the deployment serves the Responses API itself and holds the response too. */
      t.integer('native').notNullable();
      t.string('previous_response_id', 512).nullable();
      /** JSON array of the request's input items (ids assigned); null when over the size bound. */
      t.text('input_items').nullable();
      /** JSON of the response object; null when over the size bound. */
      t.text('response').nullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('expires_at').notNullable().index();
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(RESPONSES_TABLE);
  },
};

export const MIGRATIONS: PluginMigration[] = [MIGRATION_0001_RESPONSES];
