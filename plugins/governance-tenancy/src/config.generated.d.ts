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
  /**
   * LiteLLM's `litellm_settings.default_key_generate_params`: values /key/generate uses for fields a request leaves unset (max_budget, user_id, team_id, max_parallel_requests, tpm_limit, rpm_limit, budget_duration, duration; models when empty, metadata when empty).
   */
  default_key_generate_params?: {
    [k: string]: unknown;
  };
  /**
   * LiteLLM's `litellm_settings.upperbound_key_generate_params`: the most /key/generate may set for max_budget, max_parallel_requests, tpm_limit, rpm_limit, budget_duration and duration; an unset field takes the bound, a larger one is refused with 400.
   */
  upperbound_key_generate_params?: {
    [k: string]: unknown;
  };
  /**
   * LiteLLM's `litellm_settings.default_internal_user_params`: fields /user/new fills for a user created with an internal user role (`internal_user`, `internal_user_viewer`) when the request leaves them unset (models also when empty).
   */
  default_internal_user_params?: {
    [k: string]: unknown;
  };
  /**
   * LiteLLM's `litellm_settings.max_internal_user_budget`: max_budget of a user created by /user/new with an internal user role and no max_budget.
   */
  max_internal_user_budget?: number | null;
  /**
   * LiteLLM's `litellm_settings.max_budget`: a budget in USD for every call through the gateway, kept (with its spend) on the user `litellm-proxy-budget` as LiteLLM does; past it calls are refused with 400 budget_exceeded. Unset or 0: no proxy budget.
   */
  proxy_max_budget?: number | null;
  /**
   * LiteLLM's `general_settings.admin_only_routes`: routes only a proxy_admin may call; any other key is refused with 403 (`Route=... is an admin only route`).
   */
  admin_only_routes?: string[] | null;
  /**
   * LiteLLM's `litellm_settings.budget_duration`: how often the proxy budget resets (`30s`, `30m`, `30h`, `30d`, `1mo`).
   */
  proxy_budget_duration?: string | null;
  /**
   * The gateway's master key (general_settings.master_key, SLUICE_MASTER_KEY or LITELLM_MASTER_KEY), as auth-master-key reads it: `POST /key/regenerate` naming it with `new_master_key` rotates it (LiteLLM's UI flow).
   */
  master_key?: string;
  /**
   * LITELLM_KEY_ROTATION_GRACE_PERIOD: how long a regenerated (or rotated) key's old value keeps working when the /key/regenerate request names no grace_period (`24h`, `2d`). Empty: the old value stops at once.
   */
  key_rotation_grace_period?: string | null;
  /**
   * LiteLLM's general_settings.key_management_settings: with `store_virtual_keys: true`, generated, regenerated and rotated keys are written to the secret managers that store secrets, named `prefix_for_stored_virtual_keys` (default `litellm/`) + the key alias (or `virtual-key-<hash>`), with `description` and `tags`; deleted keys are removed. A manager's refusal fails the key operation.
   */
  key_management_settings?: {
    [k: string]: unknown;
  } | null;
  /**
   * LiteLLM's `litellm_settings.internal_user_budget_duration`: budget_duration of such a user when it sets none.
   */
  internal_user_budget_duration?: string | null;
}
