import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import { migrateUp, rollbackAll } from './migration-source.js';
import { redactPassword } from '../net/redact-url.js';

export { redactPassword };
import type { Dialect, MigrationSet, Storage } from './storage.js';

const PING_TIMEOUT_MS = 2_000;
/** How long a SQLite writer waits for another process's lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Every SQLite connection's settings, the batch writer thread's included. */
export const SQLITE_PRAGMAS: readonly string[] = [
  'journal_mode = WAL', // readers in other processes don't block writers
  // WAL's recommended setting: a commit no longer waits for an fsync (batched spend and audit
  // writes commit several times a second); the database stays consistent after a crash, and only
  // an OS crash or power loss can lose the last commits.
  'synchronous = NORMAL',
  // Checkpoints (copying the WAL into the database file) are what still fsync: every ~40 MB
  // instead of every ~4 MB keeps that stall off most batches.
  'wal_autocheckpoint = 10000',
  'foreign_keys = ON', // off by default in SQLite, on in Postgres
  `busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`,
];

export interface OpenStorageOptions {
  /** `sqlite:<path>`, `sqlite://<path>`, `file:<path>`, `sqlite::memory:`, `postgres://…`. */
  databaseUrl?: string;
  /** Where the default SQLite file `sluice.db` lives when no `databaseUrl` is given. */
  dataDir: string;
  /** Where knex's own warnings go (pool errors, migration locks); the console by default. */
  log?: Knex.Logger;
}

interface Target {
  dialect: Dialect;
  location: string;
  config: Knex.Config;
}

/** Opens (lazily connects) the database named by `databaseUrl`, SQLite under `dataDir` by default. */
export function openStorage(opts: OpenStorageOptions): Storage {
  const target = resolveTarget(opts);
  const config = opts.log ? { ...target.config, log: opts.log } : target.config;
  return new KnexStorage(knexFactory(config), target.dialect, target.location);
}

function resolveTarget({ databaseUrl, dataDir }: OpenStorageOptions): Target {
  if (!databaseUrl) {
    mkdirSync(dataDir, { recursive: true });
    return sqliteTarget(join(dataDir, 'sluice.db'));
  }
  const sqlitePath = sqlitePathOf(databaseUrl);
  if (sqlitePath !== undefined) {
    if (sqlitePath !== ':memory:') mkdirSync(dirname(sqlitePath), { recursive: true });
    return sqliteTarget(sqlitePath);
  }
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    return {
      dialect: 'postgres',
      location: redactPassword(databaseUrl),
      config: { client: 'pg', connection: databaseUrl, pool: { min: 0, max: 10 } },
    };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1];
  if (/^(sqlite|file)$/i.test(scheme ?? '')) throw new Error(`Database URL "${databaseUrl}" names no SQLite file`);
  throw new Error(
    `Unsupported database URL scheme ${scheme ? `"${scheme}:"` : '(none)'}: ` +
      'use sqlite:<path>, file:<path> or postgres://…',
  );
}

/** The file path of a SQLite URL, or undefined when the URL is not SQLite. */
function sqlitePathOf(url: string): string | undefined {
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/i.exec(url);
  return match?.[1];
}

function sqliteTarget(filename: string): Target {
  return {
    dialect: 'sqlite',
    location: filename,
    config: {
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      // better-sqlite3 is synchronous: one connection serialises writers without SQLITE_BUSY
      // inside this process, and keeps an in-memory database alive (min 1, never reaped).
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          try {
            for (const pragma of SQLITE_PRAGMAS) conn.pragma(pragma);
            done(null, conn);
          } catch (err) {
            done(err as Error, conn);
          }
        },
      },
    },
  };
}

class KnexStorage implements Storage {
  private closing: Promise<void> | undefined;

  constructor(
    readonly knex: Knex,
    readonly dialect: Dialect,
    readonly location: string,
  ) {}

  migrate(sets: MigrationSet[]): Promise<string[]> {
    return migrateUp(this.knex, sets);
  }

  rollbackAll(sets: MigrationSet[]): Promise<string[]> {
    return rollbackAll(this.knex, sets);
  }

  async ping(): Promise<boolean> {
    if (this.closing) return false;
    let timer: NodeJS.Timeout | undefined;
    // Readiness probes must answer promptly even when the pool waits for a dead server.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.knex.raw('select 1'), timeout]);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.knex.destroy();
    return this.closing;
  }
}
