/**
 * The gateway's SQL database as the contract describes it: the SDK's own narrow types, no
 * driver's or query builder's, so a plugin type-checks without knex installed. Only first-party
 * (in-process) plugins get a database; sandboxed plugins keep state in `ctx.kv`.
 */

export type SqlDialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | boolean | null | Date | Uint8Array;

/**
 * What the SDK promises of the shared connection pool. The kernel hands a knex 3 instance, which
 * satisfies this: a plugin that builds queries with knex's query and schema builders depends on
 * knex itself and views the handle as its `Knex` once (`ctx.database.knex as Knex`), in one place.
 */
export interface SqlQueryBuilder {
  /** A query builder on `table`. */
  (table: string): unknown;
  /** One SQL statement, `?` placeholders filled from `bindings`. */
  raw(sql: string, bindings?: readonly SqlValue[]): PromiseLike<unknown>;
  /** Runs `fn` as one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (trx: SqlQueryBuilder) => Promise<T>): Promise<T>;
}

/** Writes inside one batch transaction (see `PluginDatabase.batch`). Values in `columns` order. */
export interface BatchWrite {
  /**
   * Inserts rows; with `ignoreConflictOn` (a unique column), rows whose value is already stored
   * are skipped. Resolves to whether each row went in.
   */
  insert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], opts?: { ignoreConflictOn?: string }): Promise<boolean[]>;
  /** Adds the `add` columns to the row with these `keys` (a unique index), creating it when absent. */
  increment(table: string, keys: readonly string[], add: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void>;
}

export type BatchWriteRunner = <T>(fn: (write: BatchWrite) => Promise<T>) => Promise<T>;

/** `PluginContext.database`: the gateway's database (SQLite or Postgres), for plugins with their own tables. */
export interface PluginDatabase {
  readonly knex: SqlQueryBuilder;
  readonly dialect: SqlDialect;
  /**
   * Runs `fn` as one transaction of batched writes, much cheaper per row than the query builder
   * (prepared statements on SQLite): for plugins that record every call. `fn` must do no other I/O.
   */
  readonly batch: BatchWriteRunner;
}

/** A versioned schema change a first-party plugin ships; run by `sluice migrate` and at startup. */
export interface PluginMigration {
  /** Sorts within the plugin, e.g. `0001_spend_logs`. */
  name: string;
  /** `db` is the same handle as `ctx.database.knex` (a knex instance: its schema builder is there). */
  up(db: SqlQueryBuilder): Promise<void>;
  down(db: SqlQueryBuilder): Promise<void>;
}
