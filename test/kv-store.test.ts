import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../kernel/storage/open-storage.js';
import { KERNEL_MIGRATIONS } from '../kernel/storage/kernel-migrations.js';
import { createKvStore } from '../kernel/storage/kv-store.js';
import type { Storage } from '../kernel/storage/storage.js';
import { backends, createPostgresSchema, uniqueTag } from './support/backends.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A migrated database shared by one backend's tests; each test uses its own namespaces. */
type OpenMigrated = () => Promise<{ storage: Storage; dispose(): Promise<void> }>;

function kvContract(name: string, openMigrated: OpenMigrated) {
  describe(`${name} kv store`, () => {
    let storage: Storage;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ storage, dispose } = await openMigrated());
      await storage.migrate([KERNEL_MIGRATIONS]);
    });
    afterAll(() => dispose());
    const store = (label = 'plugin') => createKvStore(storage, `${label}-${uniqueTag()}`);

    it('sets, gets and deletes a value', async () => {
      const kv = store();
      expect(await kv.get('greeting')).toBeNull();
      await kv.set('greeting', 'hello');
      expect(await kv.get('greeting')).toBe('hello');
      expect(await kv.delete('greeting')).toBe(true);
      expect(await kv.delete('greeting')).toBe(false);
      expect(await kv.get('greeting')).toBeNull();
    });

    it('replaces the value of an existing key (upsert), including its ttl', async () => {
      const kv = store();
      await kv.set('k', 'first', { ttlMs: 100 });
      await kv.set('k', 'second');
      await sleep(150);
      expect(await kv.get('k')).toBe('second');
      expect(await kv.list()).toEqual(['k']);
    });

    it('lists keys by prefix, in order, up to a limit; the prefix is literal and case-sensitive', async () => {
      const kv = store();
      for (const key of ['user:2', 'user:1', 'User:3', 'user_x', 'team:1', 'user%y']) await kv.set(key, 'v');
      expect(await kv.list('user:')).toEqual(['user:1', 'user:2']);
      expect(await kv.list('user%')).toEqual(['user%y']);
      expect(await kv.list('user:', 1)).toEqual(['user:1']);
      expect(await kv.list()).toEqual(['User:3', 'team:1', 'user%y', 'user:1', 'user:2', 'user_x'].sort());
    });

    it('hides a key once its ttl has passed, and deletes it', async () => {
      const kv = store();
      await kv.set('session', 'abc', { ttlMs: 150 });
      await kv.set('forever', 'x');
      expect(await kv.get('session')).toBe('abc');
      await sleep(200);
      expect(await kv.get('session')).toBeNull();
      expect(await kv.list()).toEqual(['forever']);
      expect(await kv.delete('session')).toBe(false);
      const rows = await storage.knex('sluice_kv').where({ key: 'session' }).count<{ n: number | string }[]>({ n: '*' });
      expect(Number(rows[0]!.n)).toBe(0);
    });

    it("isolates namespaces: one plugin never sees another's keys", async () => {
      const alice = store('alice');
      const bob = store('bob');
      await alice.set('secret', 'alice-only');
      await bob.set('secret', 'bob-only');
      expect(await alice.get('secret')).toBe('alice-only');
      expect(await bob.get('secret')).toBe('bob-only');
      await alice.set('only-alice', '1');
      expect(await bob.get('only-alice')).toBeNull();
      expect(await bob.list()).toEqual(['secret']);
      expect(await bob.delete('only-alice')).toBe(false);
      expect(await alice.get('only-alice')).toBe('1');
    });

    it('stores long and non-ASCII values and keys up to the limit', async () => {
      const kv = store();
      const key = 'é'.repeat(512);
      const value = JSON.stringify({ text: '日本語 🚀'.repeat(2000) });
      await kv.set(key, value);
      expect(await kv.get(key)).toBe(value);
    });

    it('rejects keys and namespaces that are too long or empty, with clear messages', async () => {
      const kv = store();
      await expect(kv.set('k'.repeat(513), 'v')).rejects.toThrow(/kv key is 513 characters long; the maximum is 512/);
      await expect(kv.get('')).rejects.toThrow(/kv key must be a non-empty string/);
      await expect(kv.set('k', 'v', { ttlMs: 0 })).rejects.toThrow(/ttlMs must be a positive number/);
      expect(() => createKvStore(storage, 'n'.repeat(129))).toThrow(/kv namespace is 129 characters long; the maximum is 128/);
      expect(() => createKvStore(storage, '')).toThrow(/kv namespace must be a non-empty string/);
    });
  });
}

const tempRoot = mkdtempSync(join(tmpdir(), 'sluice-kv-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

kvContract('sqlite', async () => {
  const storage = openStorage({ dataDir: tempRoot });
  return { storage, dispose: () => storage.close() };
});

describe.skipIf(!backends.postgres)(`postgres (${backends.skipReason.postgres ?? 'available'})`, () => {
  kvContract('postgres', async () => {
    const schema = await createPostgresSchema(backends.postgres!);
    const storage = openStorage({ databaseUrl: schema.url, dataDir: tempRoot });
    return {
      storage,
      dispose: async () => {
        await storage.close();
        await schema.drop();
      },
    };
  });
});
