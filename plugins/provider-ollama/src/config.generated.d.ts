/* eslint-disable */
/**
 * GENERATED from plugins/provider-ollama/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Settings shared by all Ollama deployments. Each deployment is configured in model_list (api_base, api_key, keep_alive, drop_params and Ollama options such as num_ctx); OLLAMA_API_BASE and OLLAMA_API_KEY are the fallbacks.
 */
export interface ProviderOllamaConfig {
  /**
   * Leave out OpenAI parameters Ollama has no equivalent for (n > 1, logprobs, logit_bias, functions, audio, prediction, tools on ollama/) instead of refusing the request with a 400. Read from litellm_settings.drop_params; a deployment's litellm_params.drop_params overrides it.
   */
  drop_params?: boolean;
  /**
   * Largest image Sluice downloads for an http(s) image_url (Ollama only takes images inline, as base64).
   */
  image_max_bytes?: number;
}
