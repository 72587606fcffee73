/* eslint-disable */
/**
 * GENERATED from plugins/provider-openai/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * This plugin has no global settings: each deployment is configured in model_list (api_key, api_base, organization, extra_headers, timeout, stream_timeout); OPENAI_API_KEY and OPENAI_ORGANIZATION are the fallbacks.
 */
export interface ProviderOpenAIConfig {}
