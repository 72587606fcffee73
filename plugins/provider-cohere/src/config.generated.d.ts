/* eslint-disable */
/**
 * GENERATED from plugins/provider-cohere/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Settings shared by all Cohere deployments. Each deployment is configured in model_list (api_base, api_key, drop_params); COHERE_API_KEY (or CO_API_KEY) and COHERE_API_BASE are the fallbacks.
 */
export interface ProviderCohereConfig {
  /**
   * Leave out OpenAI parameters Cohere has no equivalent for (logit_bias, logprobs, n > 1, functions…) instead of refusing the request with a 400. Read from litellm_settings.drop_params; a deployment's litellm_params.drop_params overrides it.
   */
  drop_params?: boolean;
}
