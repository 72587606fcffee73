/**
 * Migration 0007: the fields of LiteLLM's key and user requests that Sluice did not keep — stored
 * and echoed (`config`, `allowed_routes`, `key_type`, `object_permission`…) or acted on
 * (`aliases`, `allowed_cache_controls`) — and `created_by` / `updated_by` of keys. Users get
 * `team_id` and `sso_user_id` (LiteLLM_UserTable columns) and one JSON column for the rest.
 */
import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';

const KEYS_TABLE = 'sluice_virtual_keys';
const USERS_TABLE = 'sluice_users';
const KEY_COLUMNS = ['aliases', 'config', 'allowed_cache_controls', 'allowed_routes', 'key_type', 'object_permission', 'send_invite_email', 'auto_rotate', 'rotation_interval', 'created_by', 'updated_by'];

export const KEY_USER_FIELDS_MIGRATION: PluginMigration = {
  name: '0007_key_user_litellm_fields',
  async up(knex: Knex) {
    await knex.schema.alterTable(KEYS_TABLE, (t) => {
      t.text('aliases').notNullable().defaultTo('{}');
      t.text('config').notNullable().defaultTo('{}');
      t.text('allowed_cache_controls').notNullable().defaultTo('[]');
      t.text('allowed_routes').notNullable().defaultTo('[]');
      t.string('key_type', 32).nullable();
      t.text('object_permission').notNullable().defaultTo('null');
      t.boolean('send_invite_email').nullable();
      t.boolean('auto_rotate').nullable();
      t.string('rotation_interval', 32).nullable();
      t.string('created_by', 255).nullable();
      t.string('updated_by', 255).nullable();
    });
    await knex.schema.alterTable(USERS_TABLE, (t) => {
      t.string('team_id', 255).nullable();
      t.string('sso_user_id', 255).nullable();
      t.text('litellm_fields').notNullable().defaultTo('{}');
    });
  },
  async down(knex: Knex) {
    await knex.schema.alterTable(KEYS_TABLE, (t) => {
      for (const c of KEY_COLUMNS) t.dropColumn(c);
    });
    await knex.schema.alterTable(USERS_TABLE, (t) => {
      for (const c of ['team_id', 'sso_user_id', 'litellm_fields']) t.dropColumn(c);
    });
  },
};
