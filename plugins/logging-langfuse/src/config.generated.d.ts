/* eslint-disable */
/**
 * GENERATED from plugins/logging-langfuse/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's langfuse callback: calls logged to Langfuse's ingestion API.
 */
export interface LoggingLangfuseConfig {
  /**
   * LANGFUSE_PUBLIC_KEY: the project's public key (pk-lf-…) for the gateway-wide destination. Without it (and secret_key) only teams and keys with their own callback_vars are logged.
   */
  public_key?: string;
  /**
   * LANGFUSE_SECRET_KEY: the project's secret key (sk-lf-…).
   */
  secret_key?: string;
  /**
   * LANGFUSE_HOST: the Langfuse server; http:// is assumed when no scheme is given (as LiteLLM does).
   */
  host?: string;
  /**
   * LANGFUSE_RELEASE: set as the trace's release.
   */
  release?: string;
  /**
   * LANGFUSE_DEBUG: log every batch sent and Langfuse's answer at info level.
   */
  debug?: boolean | string;
  /**
   * LANGFUSE_FLUSH_INTERVAL: seconds between sends (LiteLLM's default 1).
   */
  flush_interval?: number | string;
  /**
   * LANGFUSE_FLUSH_AT: most ingestion events per request to Langfuse.
   */
  flush_at?: number | string;
  /**
   * LiteLLM's litellm_settings.langfuse_default_tags: request metadata keys (and cache_hit, cache_key, proxy_base_url) added to the trace's tags as key:value.
   */
  langfuse_default_tags?: string[];
  /**
   * Most Langfuse destinations (the gateway's plus teams' and keys' own projects) kept open at once; the least recently used one is flushed and closed past it (LiteLLM's MAX_LANGFUSE_INITIALIZED_CLIENTS).
   */
  max_destinations?: number;
  /**
   * Ingestion events held in memory per destination while Langfuse is slow or down; past it they go to the spill file.
   */
  max_queued?: number;
  /**
   * A send to Langfuse that takes longer is aborted and retried.
   */
  timeout_ms?: number;
}
