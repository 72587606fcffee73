/* eslint-disable */
/**
 * GENERATED from plugins/response-cache/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Response caching as LiteLLM's `litellm_settings.cache` / `cache_params` configure it, plus Sluice's bounds.
 */
export interface ResponseCacheConfig {
  /**
   * litellm_settings.cache: true enables this plugin; read only so the setting counts as used.
   */
  cache?: boolean;
  /**
   * litellm_settings.cache_params. Acted on: type, host, port, password, url, namespace, ttl, default_in_memory_ttl, default_in_redis_ttl, supported_call_types, mode. Other LiteLLM keys (s3_*, gcs_*, qdrant_*, redis_startup_nodes…) are accepted and reported by `config check` as having no effect.
   */
  cache_params?: {
    /**
     * Where entries live: `local` (this instance's memory, LRU) or `redis` (shared by every instance). LiteLLM's other types (redis-semantic, qdrant-semantic, s3, gcs, disk, azure-blob) fall back to `local` with a warning.
     */
    type?: string;
    /**
     * Redis host (type redis); else REDIS_HOST / REDIS_URL, else the gateway's own Redis.
     */
    host?: string | null;
    /**
     * Redis port.
     */
    port?: string | number | null;
    /**
     * Redis password.
     */
    password?: string | null;
    /**
     * Redis URL (redis://user:pass@host:port/db), instead of host/port/password.
     */
    url?: string | null;
    /**
     * Prefix of every cache key: `<namespace>:<hash>`.
     */
    namespace?: string | null;
    /**
     * Seconds an entry lives. Default: 600 in memory (LiteLLM's in-memory default), no expiry in Redis.
     */
    ttl?: number | null;
    /**
     * ttl for type local (wins over ttl).
     */
    default_in_memory_ttl?: number | null;
    /**
     * ttl for type redis (wins over ttl).
     */
    default_in_redis_ttl?: number | null;
    /**
     * LiteLLM call types cached: acompletion/completion (/chat/completions), atext_completion/text_completion (/completions), aembedding/embedding (/embeddings), arerank/rerank. Default: all. [] caches nothing.
     */
    supported_call_types?: string[];
    /**
     * `default_on`: every call uses the cache; `default_off`: only calls sending `cache: {"use-cache": true}`.
     */
    mode?: 'default_on' | 'default_off';
    [k: string]: unknown;
  };
  /**
   * litellm_settings.enable_caching_on_provider_specific_optional_params: body fields outside OpenAI's parameters count in the cache key too.
   */
  enable_caching_on_provider_specific_optional_params?: boolean;
  /**
   * From REDIS_URL.
   */
  redis_url?: string;
  /**
   * From REDIS_HOST.
   */
  redis_host?: string;
  /**
   * From REDIS_PORT.
   */
  redis_port?: string;
  /**
   * From REDIS_PASSWORD.
   */
  redis_password?: string;
  /**
   * The gateway's own Redis (storage.redis_url), used when nothing else names one.
   */
  gateway_redis_url?: string;
  /**
   * Responses larger than this (as JSON text) are not stored. LiteLLM's in-memory limit is 1 MiB per item.
   */
  max_entry_bytes?: number;
  /**
   * type local: entries kept in memory; the least recently used goes first. LiteLLM's in-memory default is 200.
   */
  max_entries?: number;
  /**
   * type redis: a lookup or write slower than this is a miss (the call goes upstream), never a failed call.
   */
  redis_timeout_ms?: number;
}
