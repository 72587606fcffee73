/* eslint-disable */
/**
 * GENERATED from plugins/auth-virtual-keys/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Virtual keys (LiteLLM's /key/* API). Keys live in the gateway's database as SHA-256 hashes; each instance caches the keys it has seen and drops them when any instance changes them.
 */
export interface AuthVirtualKeysConfig {
  /**
   * How long a looked-up key stays in this instance's memory before it is read from the database again. Changes made through /key/* invalidate it sooner, on every instance.
   */
  cache_ttl_ms?: number;
  /**
   * Most keys held in this instance's cache; the oldest is dropped first.
   */
  cache_max_entries?: number;
  /**
   * How long an unknown `sk-` token is remembered as unknown, so repeated bad tokens do not reach the database on every request. A key generated on any instance clears it.
   */
  negative_cache_ttl_ms?: number;
}
