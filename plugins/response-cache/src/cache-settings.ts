/**
 * `cache_params` as LiteLLM reads them, settled once at setup: the store, the TTLs, which endpoints
 * are cached, the mode. `configWarnings` lists what the operator set that has no effect here.
 */
import type { Endpoint } from '@sluice/plugin-sdk';
import type { RedisOptions } from 'ioredis';
import type { ResponseCacheConfig } from './config.generated.js';

export type CacheType = 'local' | 'redis';

export interface CacheSettings {
  type: CacheType;
  /** Seconds; undefined in Redis means no expiry. */
  ttl: number | undefined;
  namespace: string | undefined;
  endpoints: ReadonlySet<string>;
  mode: 'default_on' | 'default_off';
  providerSpecificParams: boolean;
  maxEntryBytes: number;
  maxEntries: number;
  redisTimeoutMs: number;
  supportedCallTypes: readonly string[];
}

/** LiteLLM's DEFAULT_CACHING_SUPPORTED_CALL_TYPES. */
export const ALL_CALL_TYPES = [
  'completion', 'acompletion', 'embedding', 'aembedding', 'atranscription', 'transcription',
  'atext_completion', 'text_completion', 'arerank', 'rerank',
] as const;

/** Which call types each endpoint is, in LiteLLM's names. */
const ENDPOINT_CALL_TYPES: Record<string, readonly string[]> = {
  chat: ['acompletion', 'completion'],
  completions: ['atext_completion', 'text_completion'],
  embeddings: ['aembedding', 'embedding'],
  rerank: ['arerank', 'rerank'],
};

/** LiteLLM's in-memory cache keeps an entry 600 s unless told otherwise. */
const LOCAL_DEFAULT_TTL_SECONDS = 600;

const ACTED_ON = new Set(['type', 'host', 'port', 'password', 'url', 'namespace', 'ttl', 'default_in_memory_ttl', 'default_in_redis_ttl', 'supported_call_types', 'mode']);
const OTHER_TYPES = new Set(['redis-semantic', 'qdrant-semantic', 'valkey-semantic', 's3', 'gcs', 'disk', 'azure-blob']);

export function cacheSettings(config: ResponseCacheConfig): CacheSettings {
  const params = config.cache_params ?? {};
  const type: CacheType = params.type === 'redis' ? 'redis' : 'local';
  const ttl = (type === 'local' ? params.default_in_memory_ttl : params.default_in_redis_ttl) ?? params.ttl ?? (type === 'local' ? LOCAL_DEFAULT_TTL_SECONDS : undefined);
  const supported: readonly string[] = params.supported_call_types ?? ALL_CALL_TYPES;
  const endpoints = new Set(Object.keys(ENDPOINT_CALL_TYPES).filter((e) => ENDPOINT_CALL_TYPES[e]!.some((t) => supported.includes(t))));
  return {
    type,
    ttl: ttl ?? undefined,
    namespace: params.namespace ?? undefined,
    endpoints,
    mode: params.mode ?? 'default_on',
    providerSpecificParams: config.enable_caching_on_provider_specific_optional_params === true,
    maxEntryBytes: config.max_entry_bytes ?? 1024 * 1024,
    maxEntries: config.max_entries ?? 200,
    redisTimeoutMs: config.redis_timeout_ms ?? 500,
    supportedCallTypes: supported,
  };
}

export function cachesEndpoint(settings: CacheSettings, endpoint: Endpoint): boolean {
  return settings.endpoints.has(endpoint);
}

/** Where the Redis is: cache_params (url, or host/port/password), REDIS_URL, REDIS_HOST…, the gateway's Redis. */
export function redisTarget(config: ResponseCacheConfig): { url?: string; options: RedisOptions; described: string } {
  const p = config.cache_params ?? {};
  if (p.url) return { url: p.url, options: {}, described: redactUrl(p.url) };
  if (p.host) return hostTarget(p.host, p.port ?? undefined, p.password ?? undefined);
  if (config.redis_url) return { url: config.redis_url, options: {}, described: redactUrl(config.redis_url) };
  if (config.redis_host) return hostTarget(config.redis_host, config.redis_port, config.redis_password);
  if (config.gateway_redis_url) return { url: config.gateway_redis_url, options: {}, described: redactUrl(config.gateway_redis_url) };
  return hostTarget('127.0.0.1', 6379, undefined);
}

function hostTarget(host: string, port: string | number | undefined, password: string | undefined) {
  return { options: { host, port: port === undefined ? 6379 : Number(port), ...(password && { password }) }, described: `${host}:${port ?? 6379}` };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '<redis url>';
  }
}

/** What the config asks for that this plugin does not do (shown at startup and by `config check`). */
export function configWarnings(config: ResponseCacheConfig): string[] {
  const warnings: string[] = [];
  const params = config.cache_params ?? {};
  const type = params.type;
  if (type !== undefined && type !== 'local' && type !== 'redis') {
    warnings.push(
      OTHER_TYPES.has(type)
        ? `litellm_settings.cache_params.type: "${type}" is not supported; responses are cached in this instance's memory (type local)`
        : `litellm_settings.cache_params.type: "${type}" is not a LiteLLM cache type; responses are cached in this instance's memory (type local)`,
    );
  }
  for (const key of Object.keys(params)) {
    if (!ACTED_ON.has(key)) warnings.push(`litellm_settings.cache_params.${key} has no effect in Sluice; it is ignored`);
  }
  for (const t of params.supported_call_types ?? []) {
    if (!(ALL_CALL_TYPES as readonly string[]).includes(t)) warnings.push(`litellm_settings.cache_params.supported_call_types: "${t}" is not a call type Sluice caches; it is ignored`);
    else if (t.endsWith('transcription')) warnings.push(`litellm_settings.cache_params.supported_call_types: "${t}" has no effect (Sluice has no transcription endpoint)`);
  }
  return warnings;
}
