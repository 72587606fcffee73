/* eslint-disable */
/**
 * GENERATED from plugins/policy-enforced-params/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Params every LLM request must carry. A virtual key's metadata.enforced_params adds to these for the calls made with that key.
 */
export interface PolicyEnforcedParamsConfig {
  /**
   * Dotted paths that must be present in the request body, e.g. `user` or `metadata.generation_name`. Read from general_settings.enforced_params.
   */
  enforced_params?: string[];
}
