/* eslint-disable */
/**
 * GENERATED from plugins/provider-bedrock/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * This plugin has no global settings: each deployment is configured in model_list (aws_access_key_id, aws_secret_access_key, aws_session_token, aws_region_name, aws_bedrock_runtime_endpoint or api_base, api_key for a Bedrock API key, timeout, stream_timeout, drop_params).
 */
export interface ProviderBedrockConfig {}
