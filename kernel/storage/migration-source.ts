import type { Knex } from 'knex';
import type { Migration, MigrationSet } from './storage.js';

export const MIGRATIONS_TABLE = 'sluice_migrations';

/** knex's migrations table stores names in a varchar(255). */
const MAX_MIGRATION_NAME_LENGTH = 255;

interface OwnedMigration {
  /** `<owner>/<name>`: unique across owners, and what knex records in `sluice_migrations`. */
  fullName: string;
  migration: Migration;
}

/**
 * A knex migration source over in-memory `MigrationSet`s, in the order given: owners first to
 * last, each owner's migrations in list order. Rejects sets that would record ambiguous history.
 */
export function createMigrationSource(sets: MigrationSet[]): Knex.MigrationSource<OwnedMigration> {
  const all = flatten(sets);
  return {
    getMigrations: async () => all,
    getMigrationName: (m) => m.fullName,
    getMigration: async (m) => ({ up: (knex) => m.migration.up(knex), down: (knex) => m.migration.down(knex) }),
  };
}

/** Applies pending migrations of `sets`; returns the `owner/name`s applied by this call. */
export async function migrateUp(knex: Knex, sets: MigrationSet[]): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migratorConfig(sets))) as [number, string[]];
  return applied;
}

/** Rolls back every applied migration of `sets`, newest first; returns the names rolled back. */
export async function rollbackAll(knex: Knex, sets: MigrationSet[]): Promise<string[]> {
  const [, rolledBack] = (await knex.migrate.rollback(migratorConfig(sets), true)) as [number, string[]];
  return rolledBack;
}

function migratorConfig(sets: MigrationSet[]): Knex.MigratorConfig {
  return {
    migrationSource: createMigrationSource(sets),
    tableName: MIGRATIONS_TABLE, // knex derives the lock table: sluice_migrations_lock
    // A plugin that was uninstalled leaves its applied migrations behind; that must not stop
    // the kernel (or other plugins) from migrating, so knex's "directory is corrupt" check is off.
    disableMigrationsListValidation: true,
  };
}

function flatten(sets: MigrationSet[]): OwnedMigration[] {
  const owners = new Set<string>();
  const out: OwnedMigration[] = [];
  for (const set of sets) {
    if (!set.owner || set.owner.includes('/')) {
      throw new Error(`Migration owner ${JSON.stringify(set.owner)} must be non-empty and contain no "/"`);
    }
    if (owners.has(set.owner)) throw new Error(`Migration owner "${set.owner}" is listed twice`);
    owners.add(set.owner);
    let previous = '';
    for (const migration of set.migrations) {
      const fullName = `${set.owner}/${migration.name}`;
      if (!migration.name) throw new Error(`A migration of owner "${set.owner}" has an empty name`);
      if (migration.name <= previous) {
        // Names are the applied-history record: out-of-order or repeated names would make
        // "what is applied" depend on list order, which can differ between releases.
        throw new Error(`Migration "${fullName}" must sort after "${set.owner}/${previous}"`);
      }
      if (fullName.length > MAX_MIGRATION_NAME_LENGTH) {
        throw new Error(`Migration name "${fullName}" is longer than ${MAX_MIGRATION_NAME_LENGTH} characters`);
      }
      previous = migration.name;
      out.push({ fullName, migration });
    }
  }
  return out;
}
