/**
 * The two databases a plugin's end-to-end tests run on: a fresh SQLite file and a fresh Postgres
 * schema, each with the env that points a gateway at it and a knex on the same data.
 */
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { backends, createPostgresSchema } from './backends.js';
import { tempDir } from './gateway.js';

export interface DatabaseBackend {
  name: string;
  /** Why it is skipped; set only outside CI, when nothing answers locally (see backends.ts). */
  skip?: string;
  open(): Promise<{ env: Record<string, string>; knex: Knex; drop(): Promise<void> }>;
}

export const DATABASE_BACKENDS: DatabaseBackend[] = [
  {
    name: 'SQLite',
    async open() {
      const file = join(tempDir(), 'sluice.db');
      const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
      return { env: { DATABASE_URL: `sqlite:${file}` }, knex, drop: () => knex.destroy() };
    },
  },
  {
    name: 'Postgres',
    skip: backends.skipReason.postgres,
    async open() {
      const schema = await createPostgresSchema(backends.postgres!);
      const knex = knexFactory({ client: 'pg', connection: schema.url });
      return { env: { DATABASE_URL: schema.url }, knex, drop: async () => (await knex.destroy(), await schema.drop()) };
    },
  },
];

/** Polls `cond` every 50 ms until it holds; fails after `ms`. */
export async function until(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
