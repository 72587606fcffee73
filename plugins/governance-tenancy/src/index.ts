/**
 * Virtual keys: LiteLLM's /key/* management API and authentication of the keys it issues.
 *
 * preAuth hashes a presented `sk-` token and answers from this instance's cache, reading the
 * database only on a miss. Every change made through the API publishes the key's hash on
 * `virtual-keys:invalidate`, and every instance drops it from its cache on receipt, so a block
 * or delete takes effect everywhere within the pub/sub latency (Redis when configured).
 */
import { definePlugin, type Principal } from '../../../plugin-sdk/index.js';
import type { AuthVirtualKeysConfig } from './config.generated.js';
import { KeyErrors } from './errors.js';
import { KeyCache, type CacheEntry } from './key-cache.js';
import { hashKey, type KeyRecord } from './key-record.js';
import { keyRoutes } from './key-routes.js';
import { KeyStore } from './key-store.js';
import { MIGRATIONS } from './migrations.js';

export const INVALIDATE_CHANNEL = 'virtual-keys:invalidate';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** What other plugins read: `principal.metadata.permissions.hide_secrets`, `.enforced_params`… */
function principalOf(r: KeyRecord): Principal {
  const principal: Principal = {
    id: r.token,
    authenticatedBy: 'auth-virtual-keys',
    role: 'internal_user',
    keyHash: r.token,
    ...(r.key_alias !== null && { keyAlias: r.key_alias }),
    ...(r.user_id !== null && { userId: r.user_id }),
    ...(r.team_id !== null && { teamId: r.team_id }),
    ...(r.organization_id !== null && { organizationId: r.organization_id }),
    ...(r.project_id !== null && { projectId: r.project_id }),
    models: r.models,
    metadata: {
      permissions: r.permissions,
      enforced_params: r.enforced_params,
      guardrails: r.guardrails,
      tags: r.tags,
      rpm_limit: r.rpm_limit,
      tpm_limit: r.tpm_limit,
      max_parallel_requests: r.max_parallel_requests,
      max_budget: r.max_budget,
      soft_budget: r.soft_budget,
      budget_duration: r.budget_duration,
      spend: r.spend,
      expires_at: r.expires_at,
      key_name: r.key_name,
      /** The key's own `metadata` as set through /key/generate or /key/update. */
      metadata: r.metadata,
    },
  };
  return deepFreeze(principal);
}

export default definePlugin<AuthVirtualKeysConfig>({
  id: 'auth-virtual-keys',
  version: '1.0.0',
  apiVersion: '^1',
  migrations: MIGRATIONS,
  async setup(ctx, config) {
    const store = new KeyStore(ctx.database.knex);
    const cache = new KeyCache(config.cache_ttl_ms ?? 60_000, config.negative_cache_ttl_ms ?? 5_000, config.cache_max_entries ?? 10_000);
    // Concurrent first requests with one key share one database read.
    const loading = new Map<string, Promise<CacheEntry>>();

    const load = async (hash: string): Promise<CacheEntry> => {
      const epoch = cache.currentEpoch;
      const now = ctx.now();
      let record = await store.find(hash);
      let revokeAt: number | undefined;
      if (!record) {
        const grace = await store.findGrace(hash, now);
        if (grace) {
          record = await store.find(grace.token);
          revokeAt = grace.revokeAt;
        }
      }
      const entry: CacheEntry = { record, principal: record && principalOf(record), storedAt: now, ...(revokeAt !== undefined && { revokeAt }) };
      cache.set(hash, entry, epoch);
      return entry;
    };

    const lookup = (hash: string): Promise<CacheEntry> => {
      const cached = cache.get(hash, ctx.now());
      if (cached) return Promise.resolve(cached);
      let pending = loading.get(hash);
      if (!pending) {
        pending = load(hash).finally(() => loading.delete(hash));
        loading.set(hash, pending);
      }
      return pending;
    };

    const unsubscribe = await ctx.counters.subscribe(INVALIDATE_CHANNEL, (hash) => cache.invalidate(hash));

    /** Drops the hashes here at once and tells the other instances. */
    const invalidate = async (hashes: string[]): Promise<void> => {
      for (const h of hashes) cache.invalidate(h);
      for (const h of hashes) {
        await ctx.counters.publish(INVALIDATE_CHANNEL, h).catch((err: Error) => {
          ctx.log.warn({ err: err.message }, 'could not publish a key invalidation; other instances keep their cached copy until it expires');
        });
      }
    };

    return {
      async preAuth(input) {
        const token = input.token;
        if (token === undefined || !token.startsWith('sk-')) return undefined;
        const entry = await lookup(hashKey(token));
        const { record, principal } = entry;
        if (!record || !principal) return undefined;
        const now = ctx.now();
        if (entry.revokeAt !== undefined && entry.revokeAt <= now) return undefined;
        if (record.blocked) throw KeyErrors.BLOCKED();
        if (record.expires_at !== null && record.expires_at <= now) {
          throw KeyErrors.EXPIRED({ expires: new Date(record.expires_at).toISOString(), now: new Date(now).toISOString() });
        }
        return principal;
      },
      routes: keyRoutes({ ctx, store, invalidate }),
      async close() {
        await unsubscribe();
      },
    };
  },
});
