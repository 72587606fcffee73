/* eslint-disable */
/**
 * GENERATED from plugins/export-gcs/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's GCS bucket logging callback (`callbacks: ["gcs_bucket"]`), configured by LiteLLM's GCS_* environment variables.
 */
export interface ExportGcsConfig {
  /**
   * GCS_BUCKET_NAME: the bucket, optionally with a folder (`my-bucket/logs/prod` writes under `logs/prod/`). Required unless every call that logs here names its own (team/key callback_vars gcs_bucket_name).
   */
  bucket_name?: string;
  /**
   * GCS_PATH_SERVICE_ACCOUNT: the path of a service-account key file (or the key's JSON text). Absent: Application Default Credentials.
   */
  path_service_account?: string;
  /**
   * GCS_FLUSH_INTERVAL: seconds between uploads. Default 20 (LiteLLM's GCS_DEFAULT_FLUSH_INTERVAL_SECONDS).
   */
  flush_interval?: number | string;
  /**
   * GCS_BATCH_SIZE: most logs per upload round (per NDJSON object when batched). Default 2048 (LiteLLM's GCS_DEFAULT_BATCH_SIZE).
   */
  batch_size?: number | string;
  /**
   * GCS_USE_BATCHED_LOGGING: true (default) writes one NDJSON object per batch, `{date}/batch-{id}.ndjson`; false writes one JSON object per call, `{date}/{response id}` (`{date}/failure-{request id}` for failures).
   */
  use_batched_logging?: boolean | string;
  /**
   * STORAGE_EMULATOR_HOST (the official client's variable) or a Sluice setting: a GCS-compatible endpoint instead of storage.googleapis.com, e.g. http://127.0.0.1:4443. A service account, when set, still authenticates the calls.
   */
  api_endpoint?: string;
  /**
   * Most distinct destinations (the global bucket plus teams' and keys' own buckets) with a delivery queue at once; a new one past it retires the least recently used (its queue is flushed, or spilled and sent when it is used again).
   */
  max_destinations?: number;
}
