/* eslint-disable */
/**
 * GENERATED from plugins/governance-tenancy/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Tenancy (LiteLLM's /key, /user, /team, /organization, /project, /customer, /tag and /budget APIs). Keys live in the gateway's database as SHA-256 hashes; each instance caches the keys, customers and tags it has seen and drops them when any instance changes them.
 */
export interface GovernanceTenancyConfig {
  /**
   * How long a looked-up key (with its user, team, organization and project), customer or tag stays in this instance's memory before it is read again. Changes made through the API invalidate it sooner, on every instance.
   */
  cache_ttl_ms?: number;
  /**
   * Most keys (and, separately, customers and tags) held in this instance's cache; the oldest is dropped first.
   */
  cache_max_entries?: number;
  /**
   * How long an unknown `sk-` token is remembered as unknown, so repeated bad tokens do not reach the database on every request. A key generated on any instance clears it.
   */
  negative_cache_ttl_ms?: number;
  /**
   * How often the spend accumulated in memory is added to the records' `spend` (one UPDATE per record that spent). Also flushed on shutdown.
   */
  spend_flush_interval_ms?: number;
  /**
   * How often one instance (under a counters lock) resets the stored `spend` of records whose `budget_reset_at` has passed.
   */
  budget_reset_interval_ms?: number;
}
