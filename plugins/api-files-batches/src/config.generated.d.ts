/* eslint-disable */
/**
 * GENERATED from plugins/api-files-batches/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * OpenAI's Files and Batches APIs through the gateway.
 */
export interface ApiFilesBatchesConfig {
  /**
   * Largest `POST /v1/files` request body, bytes; a larger upload is refused with 413. Default 512 MiB, OpenAI's per-file limit.
   */
  max_upload_bytes?: number;
  /**
   * Time allowed for an upload to reach the provider and be answered, ms (the whole body is sent before the provider answers).
   */
  upload_timeout_ms?: number;
  /**
   * Most bytes of a completed batch's output file read to price it; past this the lines read so far are priced and a warning is logged.
   */
  max_batch_output_bytes?: number;
  /**
   * Time allowed for reading a completed batch's output file to price it, ms; past it the batch stays unpriced and the next retrieve tries again.
   */
  batch_pricing_timeout_ms?: number;
  /**
   * Provider names whose `/<name>/v1/files…` and `/<name>/v1/batches…` routes are registered as fixed paths, so they win over a provider pass-through route on `/<name>/*`. Other names are served by the `/:provider/v1/…` routes when nothing more specific matches.
   */
  provider_routes?: string[];
}
