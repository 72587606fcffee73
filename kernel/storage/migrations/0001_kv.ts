import type { Knex } from 'knex';
import type { Migration } from '../storage.js';

/**
 * `sluice_kv`: the namespaced key/value table behind `createKvStore`. Times are epoch ms in
 * bigint columns rather than timestamps so that SQLite and Postgres compare them identically.
 */
export const MIGRATION_0001_KV: Migration = {
  name: '0001_kv',
  async up(knex: Knex) {
    await knex.schema.createTable('sluice_kv', (t) => {
      t.string('namespace', 128).notNullable();
      t.string('key', 512).notNullable();
      t.text('value').notNullable();
      t.bigInteger('expires_at').nullable();
      t.bigInteger('updated_at').notNullable();
      t.primary(['namespace', 'key']);
      // The lazy sweep of expired rows filters on this column.
      t.index(['expires_at'], 'sluice_kv_expires_at_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('sluice_kv');
  },
};
