import type { Knex } from 'knex';
import type { Storage } from './storage.js';

import type { KvStore } from '@sluice/plugin-sdk';

export type { KvStore };

/*
 * A small persistent key/value store, one per namespace (a plugin id, or `kernel`). Namespaces
 * never see each other's keys: that is what keeps one plugin's data out of another's reach.
 * `list` returns live keys in ascending order, at most `limit` (default 1000).
 */
const TABLE = 'sluice_kv';
export const MAX_KV_KEY_LENGTH = 512;
export const MAX_KV_NAMESPACE_LENGTH = 128;
const DEFAULT_LIST_LIMIT = 1_000;

export function createKvStore(storage: Storage, namespace: string): KvStore {
  checkLength('namespace', namespace, MAX_KV_NAMESPACE_LENGTH);
  const { knex } = storage;
  const rows = () => knex(TABLE).where('namespace', namespace);

  return {
    async get(key) {
      checkLength('key', key, MAX_KV_KEY_LENGTH);
      const row = await rows().where('key', key).first<{ value: string; expires_at: string | number | null }>('value', 'expires_at');
      if (!row) return null;
      // pg returns bigint as a string; SQLite as a number.
      if (row.expires_at !== null && Number(row.expires_at) <= Date.now()) {
        await deleteExpired(rows().where('key', key));
        return null;
      }
      return row.value;
    },

    async set(key, value, opts = {}) {
      checkLength('key', key, MAX_KV_KEY_LENGTH);
      if (typeof value !== 'string') throw new Error(`kv value of "${key}" must be a string`);
      const now = Date.now();
      const expiresAt = opts.ttlMs === undefined ? null : now + checkTtl(opts.ttlMs);
      await knex(TABLE)
        .insert({ namespace, key, value, expires_at: expiresAt, updated_at: now })
        .onConflict(['namespace', 'key'])
        .merge(['value', 'expires_at', 'updated_at']);
    },

    async delete(key) {
      checkLength('key', key, MAX_KV_KEY_LENGTH);
      const deleted = await live(rows().where('key', key)).delete();
      if (deleted === 0) await deleteExpired(rows().where('key', key));
      return deleted > 0;
    },

    async list(prefix = '', limit = DEFAULT_LIST_LIMIT) {
      checkLength('prefix', prefix, MAX_KV_KEY_LENGTH, true);
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`kv list limit must be a positive integer, got ${limit}`);
      await deleteExpired(rows());
      let query = rows();
      if (prefix) {
        // substr rather than LIKE: SQLite's LIKE ignores ASCII case and both need escaping.
        query = query.whereRaw('substr(??, 1, ?) = ?', ['key', [...prefix].length, prefix]);
      }
      const found = await live(query).orderBy('key').limit(limit).select<{ key: string }[]>('key');
      return found.map((r) => r.key);
    },
  };
}

/** Restricts a query to rows that have not expired. */
function live(query: Knex.QueryBuilder): Knex.QueryBuilder {
  const now = Date.now();
  return query.where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now));
}

function deleteExpired(query: Knex.QueryBuilder): Promise<number> {
  return query.where('expires_at', '<=', Date.now()).delete();
}

function checkLength(what: string, value: string, max: number, allowEmpty = false): void {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw new Error(`kv ${what} must be a non-empty string`);
  }
  // Code points, as varchar(n) counts them in Postgres.
  const length = [...value].length;
  if (length > max) throw new Error(`kv ${what} is ${length} characters long; the maximum is ${max}`);
}

function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new Error(`kv ttlMs must be a positive number, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}
