/**
 * Tenancy: LiteLLM's management API for keys, users, teams, organizations, projects, customers,
 * tags and budgets; authentication of the keys it issues; the limit scopes of every call.
 *
 * preAuth hashes a presented `sk-` token and answers from this instance's cache (the principal,
 * with its scopes, is built on a miss from the key and the records around it). Key changes
 * publish the key's hash on `governance-tenancy:keys`; changes to any other record publish on
 * `governance-tenancy:entities`, and every instance then drops its cached principals, customers
 * and tags. preCall adds the customer and tag scopes; onSpend accumulates spend on the records;
 * modelAccess enforces the principal's model list on calls and /v1/models (model-access.ts).
 */
import { compileRouteRules, definePlugin } from '@sluice/plugin-sdk';
import type { GovernanceTenancyConfig } from './config.generated.js';
import { budgetRoutes } from './budget-routes.js';
import { resetDueBudgets } from './budget-reset.js';
import { customerRoutes } from './customer-routes.js';
import { KeyErrors } from './errors.js';
import { KeyCache, type CacheEntry } from './key-cache.js';
import { keyGenerateParams } from './key-defaults.js';
import { hashKey, keyNameOf } from './key-record.js';
import { keyRoutes } from './key-routes.js';
import { MIGRATIONS } from './migrations.js';
import { principalModelAccess } from './model-access.js';
import { organizationRoutes } from './organization-routes.js';
import { buildPrincipal, loadKeyContext, PLUGIN_ID } from './principal.js';
import { projectRoutes } from './project-routes.js';
import { proxyBudgetScope } from './proxy-budget.js';
import { requestScopes } from './request-scopes.js';
import { SpendAccumulator } from './spend-accumulator.js';
import { spendViewRoutes } from './spend-view-routes.js';
import { tagRoutes } from './tag-routes.js';
import { teamRoutes, teamView } from './team-routes.js';
import { teamCallbackRoutes } from './team-callback-routes.js';
import { loggingHealthRoutes } from './logging-health-routes.js';
import { auditor, openStores, type TenancyDeps } from './tenancy-deps.js';
import { internalUserDefaults, userRoutes } from './user-routes.js';
import { checkRouteAccess } from './route-access.js';
import { ipAllowed, ipAllowlistsOf } from './ip-access.js';
import { litellmTenancyImporter } from './litellm-import.js';
import { virtualKeySecrets, type KeyManagementSettings } from './key-secrets.js';
import { teamSecretManagerSettings } from './team-secret-settings.js';
import { rotationGraceMs } from './key-rotation-settings.js';
import { identityDirectory } from './identity-directory.js';

export const KEYS_CHANNEL = 'governance-tenancy:keys';
export const ENTITIES_CHANNEL = 'governance-tenancy:entities';

export default definePlugin<GovernanceTenancyConfig>({
  id: PLUGIN_ID,
  version: '2.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  async setup(ctx, config) {
    const stores = openStores(ctx);
    const ttl = config.cache_ttl_ms ?? 60_000;
    const maxEntries = config.cache_max_entries ?? 10_000;
    const cache = new KeyCache(ttl, config.negative_cache_ttl_ms ?? 5_000, maxEntries);
    const perRequest = requestScopes(ctx, stores, ttl, maxEntries, await proxyBudgetScope(ctx, stores, config));
    const spend = new SpendAccumulator(ctx, stores, config.spend_flush_interval_ms ?? 1_000);
    // Concurrent first requests with one key share one database read.
    const loading = new Map<string, Promise<CacheEntry>>();

    const load = async (hash: string): Promise<CacheEntry> => {
      const epoch = cache.currentEpoch;
      const now = ctx.now();
      let record = await stores.keys.find(hash);
      let revokeAt: number | undefined;
      if (!record) {
        const grace = await stores.keys.findGrace(hash, now);
        if (grace) {
          record = await stores.keys.find(grace.token);
          revokeAt = grace.revokeAt;
        }
      }
      const entry: CacheEntry = { record, principal: undefined, storedAt: now, ...(revokeAt !== undefined && { revokeAt }) };
      if (record) {
        const context = await loadKeyContext(stores, record);
        entry.principal = buildPrincipal(context);
        if (context.team?.blocked) entry.refusal = () => KeyErrors.TEAM_BLOCKED({ team: context.team!.team_id });
        else if (context.project?.blocked) entry.refusal = () => KeyErrors.PROJECT_BLOCKED({ project: context.project!.project_id });
      }
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

    // JWT / SSO identities (identity-directory.ts): built from the same records, dropped with them.
    let identities: ReturnType<typeof identityDirectory> | undefined;
    const dropEntities = () => {
      cache.clear();
      perRequest.clear();
      identities?.clear();
    };
    const unsubscribeKeys = await ctx.counters.subscribe(KEYS_CHANNEL, (hash) => cache.invalidate(hash));
    const unsubscribeEntities = await ctx.counters.subscribe(ENTITIES_CHANNEL, dropEntities);

    const publish = (channel: string, message: string) =>
      ctx.counters.publish(channel, message).catch((err: Error) => {
        ctx.log.warn({ err: err.message, channel }, 'could not publish an invalidation; other instances keep their cached copy until it expires');
      });

    const deps: TenancyDeps = {
      ctx,
      stores,
      audit: auditor(ctx),
      settings: {
        keyParams: keyGenerateParams(config.default_key_generate_params, config.upperbound_key_generate_params),
        internalUserDefaults: internalUserDefaults(config),
        keyRotationGraceMs: rotationGraceMs(ctx, config.key_rotation_grace_period),
        masterKey: config.master_key || undefined,
        virtualKeySecrets: virtualKeySecrets(ctx, config.key_management_settings as KeyManagementSettings | undefined, async (teamId) =>
          teamSecretManagerSettings(await stores.teams.find(teamId))),
      },
      async invalidateKeys(hashes) {
        for (const h of hashes) cache.invalidate(h);
        for (const h of hashes) await publish(KEYS_CHANNEL, h);
      },
      async entityChanged(kind, id) {
        dropEntities();
        await publish(ENTITIES_CHANNEL, `${kind}:${id}`);
      },
    };

    identities = identityDirectory({
      ctx,
      stores,
      ttlMs: ttl,
      negativeTtlMs: config.negative_cache_ttl_ms ?? 5_000,
      maxEntries,
      internalUserDefaults: deps.settings!.internalUserDefaults,
      entityChanged: (kind, id) => deps.entityChanged(kind, id),
    });

    const adminOnlyRoutes = config.admin_only_routes && config.admin_only_routes.length > 0 ? compileRouteRules(config.admin_only_routes) : undefined;
    const resetMs = config.budget_reset_interval_ms ?? 60_000;
    const resetTimer = setInterval(() => {
      resetDueBudgets(ctx, Math.max(resetMs, 5_000))
        .then((n) => (n > 0 ? deps.entityChanged('budget-reset', String(n)) : undefined))
        .catch((err: Error) => ctx.log.warn({ err: err.message }, 'budget reset failed; retried next round'));
    }, resetMs);
    resetTimer.unref();

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
          throw KeyErrors.EXPIRED({ expires: new Date(record.expires_at).toISOString(), now: new Date(now).toISOString() }, { param: keyNameOf(token) });
        }
        if (entry.refusal) throw entry.refusal();
        if ((record.allowed_routes?.length ?? 0) > 0 || adminOnlyRoutes) checkRouteAccess(principal, record.allowed_routes ?? [], adminOnlyRoutes, input.path);
        const ipLists = ipAllowlistsOf(principal);
        if (ipLists && !ipAllowed(ipLists, input.ip)) throw KeyErrors.IP_NOT_ALLOWED();
        return principal;
      },
      preCall: (call) => perRequest.preCall(call),
      modelAccess: principalModelAccess(ctx.models),
      async onSpend(event) {
        spend.record(event);
      },
      routes: [
        ...keyRoutes(deps),
        ...userRoutes(deps),
        ...teamRoutes(deps),
        ...teamCallbackRoutes(deps, teamView(stores)),
        ...loggingHealthRoutes(ctx),
        ...organizationRoutes(deps),
        ...projectRoutes(deps),
        ...customerRoutes(deps),
        ...tagRoutes(deps),
        ...budgetRoutes(deps),
        ...spendViewRoutes(deps),
      ],
      importers: [litellmTenancyImporter(deps)],
      identities,
      async close() {
        clearInterval(resetTimer);
        await unsubscribeKeys();
        await unsubscribeEntities();
        await spend.close();
      },
    };
  },
});
