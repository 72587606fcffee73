import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openStorage } from '../kernel/storage/open-storage.js';
import { KERNEL_MIGRATIONS } from '../kernel/storage/kernel-migrations.js';
import type { MigrationSet, Storage } from '../kernel/storage/storage.js';
import { backends, createPostgresSchema } from './support/backends.js';

const tempRoot = mkdtempSync(join(tmpdir(), 'sluice-storage-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));
let tempCount = 0;
const tempDir = () => join(tempRoot, String(++tempCount));

const PLUGIN_MIGRATIONS: MigrationSet = {
  owner: 'test-plugin',
  migrations: [
    {
      name: '0001_widgets',
      up: (knex: Knex) =>
        knex.schema.createTable('test_plugin_widgets', (t) => {
          t.string('id', 64).primary();
          // The plugin may rely on kernel tables: its migrations run after the kernel's.
          t.string('kv_namespace', 128).notNullable();
        }),
      down: (knex: Knex) => knex.schema.dropTableIfExists('test_plugin_widgets'),
    },
  ],
};

/** A fresh, empty database per test, and what to do afterwards. */
type FreshStorage = () => Promise<{ storage: Storage; dispose(): Promise<void> }>;

function storageContract(name: string, fresh: FreshStorage) {
  describe(`${name} storage`, () => {
    const disposers: (() => Promise<void>)[] = [];
    const open = async () => {
      const { storage, dispose } = await fresh();
      disposers.push(dispose);
      return storage;
    };
    afterEach(async () => {
      for (const dispose of disposers.splice(0)) await dispose();
    });

    it('applies the kernel migrations once and reports what it applied', async () => {
      const storage = await open();
      expect(await storage.migrate([KERNEL_MIGRATIONS])).toEqual(['kernel/0001_kv']);
      expect(await storage.knex.schema.hasTable('sluice_kv')).toBe(true);
      expect(await storage.knex.schema.hasTable('sluice_migrations')).toBe(true);
      expect(await storage.knex.schema.hasTable('sluice_migrations_lock')).toBe(true);
      expect(await storage.migrate([KERNEL_MIGRATIONS])).toEqual([]);
    });

    it("runs a plugin's migrations after the kernel's, and rolls back only that plugin", async () => {
      const storage = await open();
      expect(await storage.migrate([KERNEL_MIGRATIONS, PLUGIN_MIGRATIONS])).toEqual([
        'kernel/0001_kv',
        'test-plugin/0001_widgets',
      ]);
      expect(await storage.knex.schema.hasTable('test_plugin_widgets')).toBe(true);

      expect(await storage.rollbackAll([PLUGIN_MIGRATIONS])).toEqual(['test-plugin/0001_widgets']);
      expect(await storage.knex.schema.hasTable('test_plugin_widgets')).toBe(false);
      expect(await storage.knex.schema.hasTable('sluice_kv')).toBe(true);

      expect(await storage.rollbackAll([KERNEL_MIGRATIONS])).toEqual(['kernel/0001_kv']);
      expect(await storage.knex.schema.hasTable('sluice_kv')).toBe(false);
    });

    it('keeps migrating the kernel when a plugin with applied migrations is no longer installed', async () => {
      const storage = await open();
      await storage.migrate([KERNEL_MIGRATIONS, PLUGIN_MIGRATIONS]);
      await expect(storage.migrate([KERNEL_MIGRATIONS])).resolves.toEqual([]);
      await expect(storage.rollbackAll([KERNEL_MIGRATIONS])).resolves.toEqual(['kernel/0001_kv']);
      expect(await storage.knex.schema.hasTable('test_plugin_widgets')).toBe(true);
    });

    it('refuses migration sets that would make the history ambiguous', async () => {
      const storage = await open();
      const [first] = PLUGIN_MIGRATIONS.migrations;
      await expect(storage.migrate([KERNEL_MIGRATIONS, KERNEL_MIGRATIONS])).rejects.toThrow(/listed twice/);
      await expect(storage.migrate([{ owner: 'p', migrations: [first!, first!] }])).rejects.toThrow(/must sort after/);
      await expect(storage.migrate([{ owner: 'a/b', migrations: [] }])).rejects.toThrow(/contain no "\/"/);
    });

    it('pings true while open, false after close; closing twice is fine', async () => {
      const { storage, dispose } = await fresh();
      try {
        expect(await storage.ping()).toBe(true);
        await storage.close();
        await storage.close();
        expect(await storage.ping()).toBe(false);
      } finally {
        await dispose();
      }
    });
  });
}

storageContract('sqlite', async () => {
  const storage = openStorage({ dataDir: tempDir() });
  return { storage, dispose: () => storage.close() };
});

describe.skipIf(!backends.postgres)(`postgres (${backends.skipReason.postgres ?? 'available'})`, () => {
  storageContract('postgres', async () => {
    const schema = await createPostgresSchema(backends.postgres!);
    const storage = openStorage({ databaseUrl: schema.url, dataDir: tempDir() });
    return {
      storage,
      dispose: async () => {
        await storage.close();
        await schema.drop();
      },
    };
  });
});

describe('openStorage', () => {
  it('defaults to <dataDir>/sluice.db on SQLite, creating the directory', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const storage = openStorage({ dataDir });
    try {
      expect(storage.dialect).toBe('sqlite');
      expect(storage.location).toBe(join(dataDir, 'sluice.db'));
      await storage.migrate([KERNEL_MIGRATIONS]);
      expect(existsSync(join(dataDir, 'sluice.db'))).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it.each([
    ['sqlite:', (p: string) => `sqlite:${p}`],
    ['sqlite://', (p: string) => `sqlite://${p}`],
    ['file:', (p: string) => `file:${p}`],
  ])('selects the SQLite file named by a %s URL (relative to the working directory)', async (_, urlOf) => {
    const file = join(tempDir(), 'chosen.db');
    const storage = openStorage({ databaseUrl: urlOf(relative(process.cwd(), file)), dataDir: tempDir() });
    try {
      expect(storage.dialect).toBe('sqlite');
      await storage.migrate([KERNEL_MIGRATIONS]);
      expect(existsSync(file)).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it('opens an in-memory SQLite database for sqlite::memory:', async () => {
    const dataDir = tempDir();
    const storage = openStorage({ databaseUrl: 'sqlite::memory:', dataDir });
    try {
      expect(storage.location).toBe(':memory:');
      expect(await storage.migrate([KERNEL_MIGRATIONS])).toEqual(['kernel/0001_kv']);
      // Still there on the next query: the single connection is never recycled.
      expect(await storage.knex.schema.hasTable('sluice_kv')).toBe(true);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await storage.close();
    }
  });

  it('rejects an unsupported scheme, naming it', () => {
    expect(() => openStorage({ databaseUrl: 'mysql://root@localhost/sluice', dataDir: tempDir() })).toThrow(/"mysql:"/);
    expect(() => openStorage({ databaseUrl: 'just-a-path.db', dataDir: tempDir() })).toThrow(/Unsupported/);
  });

  it('selects Postgres and hides its password in location, without connecting', async () => {
    const storage = openStorage({ databaseUrl: 'postgresql://sluice:s3cr%40t@db.internal:5432/gw', dataDir: tempDir() });
    try {
      expect(storage.dialect).toBe('postgres');
      expect(storage.location).toBe('postgresql://sluice:***@db.internal:5432/gw');
    } finally {
      await storage.close();
    }
  });

  it('pings false, without throwing, when the server is unreachable', async () => {
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) };
    const storage = openStorage({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: tempDir(), log });
    try {
      const started = Date.now();
      expect(await storage.ping()).toBe(false);
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(warnings.join('\n')).toMatch(/ECONNREFUSED/); // knex's warning went to the given log
    } finally {
      await storage.close();
    }
  });
});
