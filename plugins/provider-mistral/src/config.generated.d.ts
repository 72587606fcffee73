/* eslint-disable */
/**
 * GENERATED from plugins/provider-mistral/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Settings shared by all Mistral deployments. Each deployment is configured in model_list (api_base, api_key, drop_params, safe_prompt…); MISTRAL_API_KEY (codestral/: CODESTRAL_API_KEY) and MISTRAL_AZURE_API_BASE / MISTRAL_AZURE_API_KEY are the fallbacks.
 */
export interface ProviderMistralConfig {
  /**
   * Leave out OpenAI parameters Mistral has no equivalent for (logit_bias, logprobs, functions, audio…) instead of refusing the request with a 400. Read from litellm_settings.drop_params; a deployment's litellm_params.drop_params overrides it.
   */
  drop_params?: boolean;
}
