/* eslint-disable */
/**
 * GENERATED from plugins/provider-anthropic/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Settings shared by every anthropic/ deployment. Each deployment is configured in model_list (api_key, api_base, timeout, stream_timeout, extra_headers, drop_params).
 */
export interface ProviderAnthropicConfig {
  /**
   * max_tokens sent when a request sets neither max_tokens nor max_completion_tokens (Anthropic requires one).
   */
  default_max_tokens?: number;
  /**
   * Drop OpenAI parameters Anthropic has no equivalent for (seed, logprobs, n > 1…) instead of refusing the request with a 400. Unset: LiteLLM's litellm_settings.drop_params decides (default false). A deployment's litellm_params.drop_params overrides both.
   */
  drop_params?: boolean;
}
