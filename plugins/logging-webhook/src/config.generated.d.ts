/* eslint-disable */
/**
 * GENERATED from plugins/logging-webhook/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Which calls are sent: llm_api_success, llm_api_failure. Default both.
 */
export type EventTypes = ('llm_api_success' | 'llm_api_failure')[];
/**
 * json_array (default): one POST per batch, a JSON array; ndjson: one POST per batch, one JSON object per line; single: one POST per log.
 */
export type LogFormat = 'json_array' | 'ndjson' | 'single';

/**
 * LiteLLM's generic_api logging callback: the gateway-wide endpoint (GENERIC_LOGGER_ENDPOINT) and any named generic_api callbacks of callback_settings.
 */
export interface LoggingWebhookConfig {
  /**
   * Where the generic_api / custom_callback_api callback POSTs logs (env GENERIC_LOGGER_ENDPOINT).
   */
  endpoint?: string;
  /**
   * Extra headers (env GENERIC_LOGGER_HEADERS, "name=value,name2=value2", or a JSON object). Values are never logged.
   */
  headers?: string | HeaderMap;
  generic_logger_headers?: HeaderMap1;
  /**
   * Which calls are sent: llm_api_success, llm_api_failure. Default both.
   */
  event_types?: ('llm_api_success' | 'llm_api_failure')[];
  /**
   * json_array (default): one POST per batch, a JSON array; ndjson: one POST per batch, one JSON object per line; single: one POST per log.
   */
  log_format?: 'json_array' | 'ndjson' | 'single';
  /**
   * Most logs per POST (LiteLLM's batch_size).
   */
  batch_size?: number;
  /**
   * Seconds between sends when fewer than batch_size logs wait (LiteLLM's flush_interval).
   */
  flush_interval?: number;
  /**
   * LiteLLM's top-level callback_settings: each entry with callback_type generic_api is a callback of that name with its own endpoint, on whether or not a callbacks list names it. Entries of other types are left to their plugins.
   */
  callback_settings?: {
    [k: string]: {
      /**
       * generic_api for this plugin.
       */
      callback_type?: string;
      /**
       * Where this callback POSTs logs (falls back to GENERIC_LOGGER_ENDPOINT).
       */
      endpoint?: string;
      headers?: HeaderMap;
      event_types?: EventTypes;
      log_format?: LogFormat;
      /**
       * Most logs per POST.
       */
      batch_size?: number;
      /**
       * Seconds between sends.
       */
      flush_interval?: number;
      [k: string]: unknown;
    };
  };
  /**
   * Seconds a POST may take before it is abandoned and retried.
   */
  timeout?: number;
  /**
   * Bytes of logs held in memory per destination while it is slow or down; beyond it logs go to the spill file in the data dir (sent once it answers again, or at the next start).
   */
  max_queued_bytes?: number;
  /**
   * Most team/key endpoints (default_team_settings or key metadata with custom_callback_api_url) kept open at once; the least recently used is closed past it (its queue goes to its spill file).
   */
  max_team_destinations?: number;
}
/**
 * Extra request headers, name to value.
 */
export interface HeaderMap {
  [k: string]: string | number | boolean;
}
/**
 * Extra request headers, name to value.
 */
export interface HeaderMap1 {
  [k: string]: string | number | boolean;
}
