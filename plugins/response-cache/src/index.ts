/**
 * Response caching as LiteLLM does it (`litellm_settings.cache: true`).
 *
 * preCall (stage TRANSFORM, after the guardrails, budgets and rate limits, on the body as the
 * provider would get it): checks the `cache` controls against the key's `allowed_cache_controls`,
 * computes LiteLLM's cache key, and on a hit answers the call itself (`ctx.answer`): the kernel
 * skips router and provider, replays a stream request's answer as chunks, prices it at 0 and marks
 * the spend event a hit. On a miss it asks for the final response (`ctx.onFinalResponse`) and stores
 * it once the client has it. A store that fails (Redis down) makes a miss, never a failed call.
 */
import { definePlugin, type CallContext, type DeploymentInfo, type JsonObject, type JsonValue, type PluginContext, type RouteDefinition } from '@sluice/plugin-sdk';
import { cacheKey, pyStr } from './cache-key.js';
import { CacheErrors } from './cache-errors.js';
import { checkAllowed, controlsOf, readControls, type CacheControls } from './cache-controls.js';
import { answerFromElements, elementKeys, elementsOf, inputElements, type CachedEmbedding } from './embedding-entries.js';
import { LocalStore, RedisStore, type CacheStore } from './cache-store.js';
import { cacheSettings, configWarnings, redisTarget, type CacheSettings } from './cache-settings.js';
import type { ResponseCacheConfig } from './config.generated.js';

const PLUGIN_ID = 'response-cache';
/** A Redis that is down would otherwise log on every call. */
const WARNING_INTERVAL_MS = 10_000;
/** How long startup waits for the cache's Redis before going on without it (it keeps reconnecting). */
const REDIS_STARTUP_WAIT_MS = 2_000;

/** What an entry holds, as LiteLLM stores it (`{"timestamp": …, "response": …}`) plus the deployment. */
interface Entry {
  timestamp: number;
  response: JsonObject;
  deployment?: DeploymentInfo;
}

export default definePlugin<ResponseCacheConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  checkConfig: (config) => configWarnings(config),
  async setup(ctx, config) {
    const settings = cacheSettings(config);
    const target = settings.type === 'redis' ? redisTarget(config) : undefined;
    const store: CacheStore = target ? new RedisStore(target, settings.redisTimeoutMs) : new LocalStore(settings.maxEntries, settings.ttl ?? 600);
    ctx.log.info({ type: settings.type, ...(target && { redis: target.described }), ttl: settings.ttl ?? null, mode: settings.mode }, 'response cache enabled');
    if (store instanceof RedisStore && !(await store.ready(REDIS_STARTUP_WAIT_MS))) {
      ctx.log.warn({ redis: target!.described }, 'response cache: Redis is not reachable yet; calls go upstream uncached until it is');
    }

    let lastWarning = 0;
    const storeFailed = (err: unknown, what: string) => {
      const now = Date.now();
      if (now - lastWarning < WARNING_INTERVAL_MS) return;
      lastWarning = now;
      ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, `response cache ${what} failed: the call went on without the cache`);
    };

    const lookup = async (key: string, maxAgeSeconds: number | undefined): Promise<Entry | undefined> => {
      let text: string | undefined;
      try {
        text = await store.get(key);
      } catch (err) {
        storeFailed(err, 'lookup');
        return undefined;
      }
      if (text === undefined) return undefined;
      const entry = parseEntry<Entry>(text);
      if (!entry || typeof entry.response !== 'object' || entry.response === null || !hasOutput(entry.response)) return undefined;
      if (maxAgeSeconds !== undefined && Date.now() / 1000 - entry.timestamp > maxAgeSeconds) return undefined;
      return entry;
    };

    /** A list `input`: one entry per element; a hit only when every element is cached. */
    const embeddingCall = async (call: CallContext, elements: readonly JsonValue[], keys: string[], controls: CacheControls): Promise<void> => {
      call.cacheKey = keys[0];
      if (!controls.noCache) {
        let texts: (string | undefined)[] = [];
        try {
          texts = await store.getMany(keys);
        } catch (err) {
          storeFailed(err, 'lookup');
        }
        const found: { timestamp: number; embedding: CachedEmbedding; deployment?: DeploymentInfo }[] = [];
        for (const text of texts) {
          const entry = text === undefined ? undefined : parseEntry<{ timestamp: number; embedding: CachedEmbedding; deployment?: DeploymentInfo }>(text);
          if (!entry?.embedding || (controls.maxAge !== undefined && Date.now() / 1000 - entry.timestamp > controls.maxAge)) break;
          found.push(entry);
        }
        if (found.length === keys.length) {
          call.answer = { response: answerFromElements(found.map((f) => f.embedding)), cacheHit: true, ...(found[0]!.deployment && { deployment: found[0]!.deployment }) };
          // As LiteLLM: a string input's hit names its key; a list's carries none.
          if (typeof call.body.input === 'string') (call.responseHeaders ??= {})['x-litellm-cache-key'] = keys[0]!;
          return;
        }
      }
      if (controls.noStore) return;
      const ttl = controls.ttl ?? settings.ttl;
      call.onFinalResponse = (final) => {
        const response = parseEntry<JsonObject>(final.text);
        const items = response && elementsOf(response, elements.length);
        if (!items) return;
        const now = Date.now() / 1000;
        const deployment = JSON.stringify(final.deployment);
        items.forEach((item, i) => {
          const entry = `{"timestamp":${now},"deployment":${deployment},"embedding":${JSON.stringify(item)}}`;
          if (Buffer.byteLength(entry) <= settings.maxEntryBytes) store.set(keys[i]!, entry, ttl).catch((err: unknown) => storeFailed(err, 'write'));
        });
      };
    };

    const keep = (key: string, text: string, deployment: DeploymentInfo, ttl: number | undefined) => {
      // The entry is built around the response's text as it is: no parse, no re-encode.
      const entry = `{"timestamp":${Date.now() / 1000},"deployment":${JSON.stringify(deployment)},"response":${text}}`;
      if (Buffer.byteLength(entry) > settings.maxEntryBytes) return;
      store.set(key, entry, ttl).catch((err: unknown) => storeFailed(err, 'write'));
    };

    return {
      async preCall(call: CallContext) {
        const body = call.body;
        const cache = controlsOf(body);
        if (cache) checkAllowed(cache, call.principal.allowedCacheControls);
        if (!settings.endpoints.has(call.endpoint) || body.caching === false) return;
        const controls = readControls(cache);
        if (settings.mode === 'default_off' && !controls.useCache) return;
        const metadata = body.metadata;
        const redisNamespace = metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata.redis_namespace : undefined;
        const namespace = controls.namespace ?? (typeof redisNamespace === 'string' && redisNamespace ? redisNamespace : settings.namespace);
        const keyOptions = { namespace, providerSpecificParams: settings.providerSpecificParams };
        const elements = call.endpoint === 'embeddings' ? inputElements(body) : undefined;
        if (elements) return embeddingCall(call, elements, elementKeys(body, elements, keyOptions), controls);
        const key = cacheKey(body, keyOptions);
        call.cacheKey = key;
        if (!controls.noCache) {
          const hit = await lookup(key, controls.maxAge);
          if (hit) {
            call.answer = { response: hit.response, cacheHit: true, ...(hit.deployment && { deployment: hit.deployment }) };
            (call.responseHeaders ??= {})['x-litellm-cache-key'] = key;
            return;
          }
        }
        if (controls.noStore) return;
        const ttl = controls.ttl ?? settings.ttl;
        call.onFinalResponse = (final) => keep(key, final.text, final.deployment, ttl);
      },
      routes: cacheRoutes(ctx, settings, store),
      async close() {
        await store.close();
      },
    };
  },
});

/**
 * LiteLLM treats a cached completion without output (no choices, or only empty ones: a stream that
 * carried nothing) as a miss. Answers without `choices` (embeddings, rerank) always have output.
 */
function hasOutput(response: JsonObject): boolean {
  const choices = response.choices;
  if (!Array.isArray(choices)) return true;
  return choices.some((c) => {
    if (!c || typeof c !== 'object' || Array.isArray(c)) return false;
    if (typeof c.text === 'string' && c.text.length > 0) return true;
    const m = c.message;
    if (!m || typeof m !== 'object' || Array.isArray(m)) return false;
    return (typeof m.content === 'string' && m.content.length > 0) || (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) || (m.function_call != null) || (Array.isArray(m.content) && m.content.length > 0);
  });
}

/** An entry's JSON; undefined when it does not parse (not ours, or cut short: a miss, overwritten by this call's answer). */
function parseEntry<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** LiteLLM's `/cache/*` management routes (litellm/proxy/caching_routes.py), for the proxy admin. */
function cacheRoutes(ctx: PluginContext, settings: CacheSettings, store: CacheStore): RouteDefinition[] {
  const admin: RouteDefinition['access'] = ['proxy_admin'];
  const params = () => ({
    type: settings.type,
    namespace: pyStr(settings.namespace ?? null),
    ttl: pyStr(settings.ttl ?? null),
    mode: settings.mode,
    supported_call_types: pyStr([...settings.supportedCallTypes]),
  });
  const unhealthy = (err: unknown) => CacheErrors.UNHEALTHY({ detail: err instanceof Error ? err.message : String(err) });
  return [
    {
      method: 'GET',
      url: '/cache/ping',
      access: admin,
      summary: 'Checks that the response cache answers (Redis: a ping and a test write)',
      tags: ['caching'],
      async handler() {
        if (store.type === 'local') return { body: { status: 'healthy', cache_type: 'local', litellm_cache_params: params() } };
        try {
          const pong = await store.ping();
          await store.set('litellm-cache-ping', '{"timestamp":0,"response":"test_key"}', 60);
          return { body: { status: 'healthy', cache_type: 'redis', ping_response: pong, set_cache_response: 'success', litellm_cache_params: params() } };
        } catch (err) {
          throw unhealthy(err);
        }
      },
    },
    {
      method: 'POST',
      url: '/cache/delete',
      access: admin,
      summary: 'Deletes entries by their keys (the x-litellm-cache-key of a response)',
      tags: ['caching'],
      async handler(req) {
        const keys = (req.body as { keys?: unknown } | undefined)?.keys;
        if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw CacheErrors.BAD_DELETE_REQUEST();
        try {
          await store.delete(keys as string[]);
        } catch (err) {
          throw unhealthy(err);
        }
        ctx.audit({ actor: { id: req.principal?.id ?? 'unknown', role: req.principal?.role ?? 'proxy_admin' }, action: 'cache.delete', objectType: 'cache', objectId: 'response-cache', after: { keys }, ip: req.ip, requestId: req.requestId });
        return { body: { status: 'success' } };
      },
    },
    {
      method: 'POST',
      url: '/cache/flushall',
      access: admin,
      summary: "Removes every entry of the response cache (in Redis, only the cache's own keys)",
      tags: ['caching'],
      async handler(req) {
        try {
          await store.flush();
        } catch (err) {
          throw unhealthy(err);
        }
        ctx.audit({ actor: { id: req.principal?.id ?? 'unknown', role: req.principal?.role ?? 'proxy_admin' }, action: 'cache.flushall', objectType: 'cache', objectId: 'response-cache', ip: req.ip, requestId: req.requestId });
        return { body: { status: 'success' } };
      },
    },
    {
      method: 'GET',
      url: '/cache/redis/info',
      access: admin,
      summary: "The cache Redis's clients and INFO",
      tags: ['caching'],
      async handler() {
        if (!(store instanceof RedisStore)) throw unhealthy(`500: Cache type ${store.type} does not support flushing`);
        try {
          return { body: await store.info() };
        } catch (err) {
          throw unhealthy(err);
        }
      },
    },
  ];
}
