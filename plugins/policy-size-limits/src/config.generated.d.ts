/* eslint-disable */
/**
 * GENERATED from plugins/policy-size-limits/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Largest request and response the gateway relays, in MB (1 MB = 1024 * 1024 bytes). Unset: no limit beyond server.body_limit_mb for requests.
 */
export interface PolicySizeLimitsConfig {
  /**
   * Requests whose Content-Length is over this are refused before their body is read. Read from general_settings.max_request_size_mb.
   */
  max_request_size_mb?: number;
  /**
   * Responses larger than this (JSON bytes; for streams, the running total of the chunks) are refused. Read from general_settings.max_response_size_mb.
   */
  max_response_size_mb?: number;
}
