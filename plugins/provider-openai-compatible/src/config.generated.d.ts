/* eslint-disable */
/**
 * GENERATED from plugins/provider-openai-compatible/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * This plugin has no global settings: each deployment is configured in model_list (api_base, api_key, timeout, stream_timeout, organization, extra_headers).
 */
export interface ProviderOpenAICompatibleConfig {}
