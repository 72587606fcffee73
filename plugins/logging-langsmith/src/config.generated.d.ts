/* eslint-disable */
/**
 * GENERATED from plugins/logging-langsmith/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's langsmith callback: calls logged as LangSmith runs.
 */
export interface LoggingLangsmithConfig {
  /**
   * LANGSMITH_API_KEY for the gateway-wide destination (sent as x-api-key). Without it only teams and keys with their own langsmith_api_key are logged.
   */
  api_key?: string;
  /**
   * LANGSMITH_PROJECT: the project (run session_name) when the request's metadata names none.
   */
  project?: string;
  /**
   * LANGSMITH_BASE_URL: the LangSmith API.
   */
  base_url?: string;
  /**
   * LANGSMITH_DEFAULT_RUN_NAME: the run name when the request's metadata names none.
   */
  default_run_name?: string;
  /**
   * LANGSMITH_BATCH_SIZE / litellm_settings.langsmith_batch_size: most runs per POST /runs/batch (LiteLLM's default 512).
   */
  langsmith_batch_size?: number | string;
  /**
   * Seconds between sends (LiteLLM's batch loggers flush every 5 s).
   */
  flush_interval?: number | string;
  /**
   * LANGSMITH_SAMPLING_RATE: the share of calls logged, 0 to 1.
   */
  sampling_rate?: number | string;
  /**
   * LANGSMITH_TENANT_ID: sent as x-tenant-id (a workspace of an org-scoped key).
   */
  tenant_id?: string;
  /**
   * Most LangSmith destinations (the gateway's plus teams' and keys' own) kept open at once; the least recently used one is flushed and closed past it.
   */
  max_destinations?: number;
  /**
   * Runs held in memory per destination while LangSmith is slow or down; past it they go to the spill file.
   */
  max_queued?: number;
  /**
   * A send to LangSmith that takes longer is aborted and retried.
   */
  timeout_ms?: number;
}
