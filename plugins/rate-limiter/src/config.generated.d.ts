/* eslint-disable */
/**
 * GENERATED from plugins/rate-limiter/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Rate limits are set on keys, users, teams, organizations, projects, customers and tags (rpm_limit, tpm_limit, max_parallel_requests, model_rpm_limit, model_tpm_limit); these settings only tune how they are counted.
 */
export interface RateLimiterConfig {
  /**
   * Which tokens of a call count against tpm limits: `total` (prompt + completion), `output` (completion only) or `input` (prompt only). Read from general_settings.token_rate_limit_type.
   */
  token_rate_limit_type?: 'total' | 'output' | 'input';
  /**
   * How long a max_parallel_requests slot may stay taken without being released (a gateway that crashed mid-call never releases its slots). Calls that run longer than this stop counting against the limit. Default 10 minutes.
   */
  parallel_request_ttl_ms?: number;
}
