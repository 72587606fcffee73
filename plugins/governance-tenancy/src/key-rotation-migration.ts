/**
 * Migration 0009: LiteLLM's key rotation bookkeeping on a key (`LiteLLM_VerificationToken`):
 * `key_rotation_at` (when the key is next due, set from `rotation_interval` while `auto_rotate` is
 * on), `last_rotation_at` and `rotation_count` (written by scheduled rotations). Times are epoch ms
 * like the table's other times.
 */
import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';
import { KEYS_TABLE } from './migrations.js';

export const KEY_ROTATION_MIGRATION: PluginMigration = {
  name: '0009_key_rotation',
  async up(knex: Knex) {
    await knex.schema.alterTable(KEYS_TABLE, (t) => {
      t.bigInteger('key_rotation_at').nullable();
      t.bigInteger('last_rotation_at').nullable();
      t.integer('rotation_count').notNullable().defaultTo(0);
      // The rotation job's query: auto_rotate keys whose key_rotation_at has passed.
      t.index(['key_rotation_at'], 'sluice_virtual_keys_key_rotation_at_idx');
    });
  },
  async down(knex: Knex) {
    await knex.schema.alterTable(KEYS_TABLE, (t) => {
      t.dropIndex(['key_rotation_at'], 'sluice_virtual_keys_key_rotation_at_idx');
      for (const c of ['key_rotation_at', 'last_rotation_at', 'rotation_count']) t.dropColumn(c);
    });
  },
};
