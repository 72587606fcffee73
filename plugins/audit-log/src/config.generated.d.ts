/* eslint-disable */
/**
 * GENERATED from plugins/audit-log/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Audit log of management operations, stored in the gateway's database.
 */
export interface AuditLogConfig {
  /**
   * LiteLLM's litellm_settings.store_audit_logs. When the plugin is enabled, `false` stops recording (the /audit routes still serve what was stored).
   */
  store_audit_logs?: boolean;
  /**
   * Audit rows older than this (e.g. "90d") are deleted periodically, one instance at a time. Unset: rows are kept forever.
   */
  audit_log_retention?: string;
  /**
   * How often the retention purge runs.
   */
  audit_log_retention_interval?: string;
  /**
   * How often queued audit rows are written to the database, in milliseconds.
   */
  flush_interval_ms?: number;
  /**
   * Most audit rows written in one insert.
   */
  max_batch?: number;
}
