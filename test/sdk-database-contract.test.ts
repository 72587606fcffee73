/**
 * The SDK describes the database with its own narrow types: its declarations name no knex type
 * (a vendor type-checks without knex installed), while the knex instance the kernel hands over
 * still satisfies them, and runs a migration and a transaction through them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import type { PluginMigration, SqlQueryBuilder } from '@sluice/plugin-sdk';

describe('the SDK database contract', () => {
  it('the public surface (api-report.md) names no knex type', () => {
    const report = readFileSync('plugin-sdk/api-report.md', 'utf8');
    expect(report).not.toMatch(/\bKnex\b|from 'knex'/);
    expect(report).toMatch(/export interface SqlQueryBuilder/);
  });

  it('a knex instance is a SqlQueryBuilder: migrations and transactions run through the SDK types', async () => {
    const knex: Knex = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    try {
      const db: SqlQueryBuilder = knex; // what the kernel does when it builds ctx.database
      const migration: PluginMigration = {
        name: '0001_notes',
        // A plugin's migration keeps knex's schema builder, typed by the plugin's own knex.
        up: async (k: Knex) => void (await k.schema.createTable('notes', (t) => t.string('text'))),
        down: async (k: Knex) => void (await k.schema.dropTable('notes')),
      };
      await migration.up(db);
      await db.transaction(async (trx) => {
        await trx.raw('insert into notes (text) values (?)', ['kept']);
      });
      await expect(
        db.transaction(async (trx) => {
          await trx.raw('insert into notes (text) values (?)', ['rolled back']);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await knex('notes').pluck('text')).toEqual(['kept']);
    } finally {
      await knex.destroy();
    }
  });
});
