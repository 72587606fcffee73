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
   * Most rows written in one transaction (one multi-row insert plus the rollup upserts).
   */
  max_batch?: number;
  /**
   * Rows held in memory while the database is unreachable; beyond this, rows are appended to a spill file in the plugin's data dir and replayed once the database is back.
   */
  max_queued?: number;
  /**
   * LiteLLM's general_settings.maximum_spend_logs_retention_period: log rows older than this (e.g. "7d", "30d", "12h") are deleted. Daily rollups are kept. Unset: rows are kept forever.
   */
  maximum_spend_logs_retention_period?: string;
  /**
   * LiteLLM's general_settings.maximum_spend_logs_retention_interval: how often the retention purge runs (one instance at a time, under a counters lock).
   */
  maximum_spend_logs_retention_interval?: string;
}
