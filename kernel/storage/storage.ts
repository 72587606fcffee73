import type { Knex } from 'knex';

/** One versioned migration. `name` sorts within its owner (e.g. `0001_init`). */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Migrations of one owner: `kernel` or a plugin id. Owners run in the order given. */
export interface MigrationSet {
  owner: string;
  migrations: Migration[];
}

export type Dialect = 'sqlite' | 'postgres';

export interface Storage {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** Where the data lives, safe to log (no password). */
  readonly location: string;
  /** Applies pending migrations of the given sets; returns the names applied (`owner/name`). */
  migrate(sets: MigrationSet[]): Promise<string[]>;
  /** Rolls back every applied migration of the given sets (tests and `sluice migrate --down`). */
  rollbackAll(sets: MigrationSet[]): Promise<string[]>;
  /** True when a trivial query succeeds within a short timeout. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
