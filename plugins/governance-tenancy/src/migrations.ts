import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';
import { ENTITY_TABLES_MIGRATION, KEY_LIMITS_MIGRATION } from './entity-migrations.js';
import { CONTROL_SETTERS_MIGRATION } from './setters-migration.js';
import { SPEND_BATCHES_MIGRATION } from './spend-batches-migration.js';
import { KEY_USER_FIELDS_MIGRATION } from './key-user-fields-migration.js';
import { LITELLM_FIELDS_MIGRATION } from './litellm-fields-migration.js';
import { KEY_ROTATION_MIGRATION } from './key-rotation-migration.js';

export const KEYS_TABLE = 'sluice_virtual_keys';
/** Old hashes of regenerated keys that keep working until `revoke_at` (the grace period). */
export const GRACE_TABLE = 'sluice_virtual_key_grace';

/*
 * JSON fields are text (not jsonb) and times are epoch ms in bigint columns, so that SQLite and
 * Postgres store and compare them identically; the store parses and serialises them.
 */
const MIGRATION_0001_KEYS: PluginMigration = {
  name: '0001_keys',
  async up(knex: Knex) {
    await knex.schema.createTable(KEYS_TABLE, (t) => {
      t.string('token_hash', 64).primary();
      t.string('key_alias', 255).nullable();
      t.string('key_name', 64).notNullable();
      t.text('models').notNullable();
      t.text('metadata').notNullable();
      t.text('permissions').notNullable();
      t.text('enforced_params').notNullable();
      t.text('guardrails').notNullable();
      t.text('tags').notNullable();
      t.double('max_budget').nullable();
      t.double('soft_budget').nullable();
      t.string('budget_duration', 32).nullable();
      t.bigInteger('rpm_limit').nullable();
      t.bigInteger('tpm_limit').nullable();
      t.bigInteger('max_parallel_requests').nullable();
      t.string('user_id', 255).nullable();
      t.string('team_id', 255).nullable();
      t.string('organization_id', 255).nullable();
      t.string('project_id', 255).nullable();
      t.boolean('blocked').notNullable().defaultTo(false);
      t.bigInteger('expires_at').nullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.double('spend').notNullable().defaultTo(0);
      t.index(['user_id'], 'sluice_virtual_keys_user_id_idx');
      t.index(['team_id'], 'sluice_virtual_keys_team_id_idx');
      t.index(['key_alias'], 'sluice_virtual_keys_key_alias_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(KEYS_TABLE);
  },
};

const MIGRATION_0002_GRACE: PluginMigration = {
  name: '0002_regenerate_grace',
  async up(knex: Knex) {
    await knex.schema.createTable(GRACE_TABLE, (t) => {
      t.string('old_token_hash', 64).primary();
      t.string('token_hash', 64).notNullable();
      t.bigInteger('revoke_at').notNullable();
      t.index(['token_hash'], 'sluice_virtual_key_grace_token_hash_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(GRACE_TABLE);
  },
};

/**
 * The plugin was `auth-virtual-keys`; migrations are recorded per plugin id, so a database it
 * created has these tables under the old id. Its tables are adopted as they are rather than
 * created again (the migrations themselves are unchanged).
 */
function adoptExisting(table: string, migration: PluginMigration): PluginMigration {
  return {
    name: migration.name,
    async up(knex: Knex) {
      if (!(await knex.schema.hasTable(table))) await migration.up(knex);
    },
    down: migration.down,
  };
}

/** Append new migrations; never reorder. */
export const MIGRATIONS: PluginMigration[] = [
  adoptExisting(KEYS_TABLE, MIGRATION_0001_KEYS),
  adoptExisting(GRACE_TABLE, MIGRATION_0002_GRACE),
  KEY_LIMITS_MIGRATION,
  ENTITY_TABLES_MIGRATION,
  CONTROL_SETTERS_MIGRATION,
  SPEND_BATCHES_MIGRATION,
  KEY_USER_FIELDS_MIGRATION,
  LITELLM_FIELDS_MIGRATION,
  KEY_ROTATION_MIGRATION,
];
