/* eslint-disable */
/**
 * GENERATED from plugins/spend-logs/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Spend logs: one row per proxied request plus daily rollups, written in batches by a durable writer.
 */
export interface SpendLogsConfig {
  /**
   * How often queued rows are written to the database, in milliseconds. A full batch is written at once without waiting.
   */
  flush_interval_ms?: number;
  /**
   * Most rows written in one transaction (the log rows, COPY FROM STDIN on Postgres, plus the rollup upserts). Unset: 500 on SQLite, 5000 on Postgres.
   */
  max_batch?: number;
  /**
   * Rows held in memory while the database is unreachable; beyond this, rows are appended to a spill file in the plugin's data dir and replayed once the database is back. Unset: 10000 on SQLite, 20000 on Postgres.
   */
  max_queued?: number;
  /**
   * LiteLLM's general_settings.maximum_spend_logs_retention_period: log rows older than this (e.g. "7d", "30d", "12h") are deleted. Daily rollups are kept. Unset: rows are kept forever.
   */
  maximum_spend_logs_retention_period?: string;
  /**
   * LiteLLM's litellm_settings.max_budget, shown as `max_budget` by /global/spend (the budget itself is enforced by governance-tenancy and budget).
   */
  proxy_max_budget?: number | null;
  /**
   * LiteLLM's general_settings.maximum_spend_logs_retention_interval: how often the retention purge runs (one instance at a time, under a counters lock).
   */
  maximum_spend_logs_retention_interval?: string;
  /**
   * LiteLLM's general_settings.store_prompts_in_spend_logs (or STORE_PROMPTS_IN_SPEND_LOGS): each log row keeps the request's messages (`messages`), the request body (`proxy_server_request`) and the response (`response`, assembled for streams), strings over max_string_length_prompt_in_db cut as LiteLLM cuts them and secrets scrubbed. Off: those fields are `{}`.
   */
  store_prompts_in_spend_logs?: boolean | string;
  /**
   * LiteLLM's MAX_STRING_LENGTH_PROMPT_IN_DB: a stored string longer than this keeps its first 35% and last 65% around a `... (litellm_truncated skipped N chars) ...` marker.
   */
  max_string_length_prompt_in_db?: number | string;
}
