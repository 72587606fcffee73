/* eslint-disable */
/**
 * GENERATED from plugins/provider-fake/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Defaults for fake deployments; each deployment may override them in litellm_params (mock_response, delay_ms, dimensions).
 */
export interface ProviderFakeConfig {
  /**
   * Reply template. `{prompt}` is replaced by the last user message (first 1000 characters).
   */
  reply?: string;
  /**
   * Delay before answering, and between streamed chunks.
   */
  delay_ms?: number;
  /**
   * Embedding size when the request does not ask for one.
   */
  dimensions?: number;
}
