/* eslint-disable */
/**
 * GENERATED from plugins/provider-gemini/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * This plugin has no global settings: each deployment is configured in model_list (api_key, api_base, vertex_project, vertex_location, vertex_credentials, safety_settings, extra_headers, timeout, stream_timeout).
 */
export interface ProviderGeminiConfig {}
