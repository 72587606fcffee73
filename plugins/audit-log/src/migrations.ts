import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

export const AUDIT_TABLE = 'sluice_audit_logs';

/* LiteLLM_AuditLog's columns plus the actor's role, client IP and request id; times in epoch ms, JSON as text. */
const MIGRATION_0001_AUDIT: PluginMigration = {
  name: '0001_audit_logs',
  async up(knex: Knex) {
    await knex.schema.createTable(AUDIT_TABLE, (t) => {
      t.string('id', 64).primary();
      t.bigInteger('updated_at').notNullable();
      t.string('changed_by', 255).notNullable().defaultTo('');
      t.string('changed_by_role', 32).notNullable().defaultTo('');
      t.string('changed_by_api_key', 255).notNullable().defaultTo('');
      t.string('action', 64).notNullable();
      t.string('table_name', 128).notNullable();
      t.string('object_id', 255).notNullable();
      t.text('before_value').nullable();
      t.text('updated_values').nullable();
      t.string('ip', 64).nullable();
      t.string('request_id', 255).nullable();
      t.index(['updated_at'], 'sluice_audit_logs_updated_at_idx');
      t.index(['changed_by', 'updated_at'], 'sluice_audit_logs_changed_by_idx');
      t.index(['table_name', 'object_id'], 'sluice_audit_logs_object_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists(AUDIT_TABLE);
  },
};

/** Append new migrations; never reorder. */
export const MIGRATIONS: PluginMigration[] = [MIGRATION_0001_AUDIT];
