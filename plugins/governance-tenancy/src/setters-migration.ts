/**
 * Migration 0005: `controls_set_by` on keys and teams (field-policy.ts). Who set the controls of
 * records that already exist is not known, so every control they hold is taken as a proxy
 * admin's: their users may keep or tighten them, as before, but no longer lift them.
 */
import type { Knex } from 'knex';
import type { PluginMigration } from '@sluice/plugin-sdk';
import { KEY_FIELDS, SETTERS_FIELD, TEAM_FIELDS, type Setters } from './field-policy.js';

const TABLES = [
  { table: 'sluice_virtual_keys', id: 'token_hash', policy: KEY_FIELDS },
  { table: 'sluice_teams', id: 'team_id', policy: TEAM_FIELDS },
];

/** A stored value that is not what a new record starts with (null, [], {}, false, 0). */
function isSet(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '0') return false;
  if (typeof value === 'string' && (value === '[]' || value === '{}' || value === 'null')) return false;
  return true;
}

export const CONTROL_SETTERS_MIGRATION: PluginMigration = {
  name: '0005_control_setters',
  async up(knex: Knex) {
    for (const { table, id, policy } of TABLES) {
      await knex.schema.alterTable(table, (t) => {
        t.text(SETTERS_FIELD).notNullable().defaultTo('{}');
      });
      // Controls added by later migrations (0007's allowed_cache_controls) have no column yet.
      const columns = Object.keys(await knex(table).columnInfo());
      const controls = Object.keys(policy).filter((f) => policy[f]!.looser && columns.includes(f));
      const rows: Record<string, unknown>[] = await knex(table).select(id, ...controls);
      for (const row of rows) {
        const setters: Setters = {};
        for (const c of controls) if (isSet(row[c])) setters[c] = 'proxy_admin';
        if (Object.keys(setters).length > 0) await knex(table).where(id, row[id] as string).update({ [SETTERS_FIELD]: JSON.stringify(setters) });
      }
    }
  },
  async down(knex: Knex) {
    for (const { table } of TABLES) await knex.schema.alterTable(table, (t) => t.dropColumn(SETTERS_FIELD));
  },
};
