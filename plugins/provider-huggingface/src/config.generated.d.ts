/* eslint-disable */
/**
 * GENERATED from plugins/provider-huggingface/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Settings shared by all Hugging Face deployments. Each deployment is configured in model_list (model, api_key, api_base); HF_TOKEN or HUGGINGFACE_API_KEY is the fallback key, HF_API_BASE or HUGGINGFACE_API_BASE the fallback base URL.
 */
export interface ProviderHuggingfaceConfig {
  /**
   * The Hugging Face Inference Providers router that huggingface/<provider>/<model> and huggingface/<model> deployments without an api_base call.
   */
  router_url?: string;
  /**
   * The Hugging Face Hub, asked once per model which id an inference provider knows it by (GET /api/models/<model>?expand[]=inferenceProviderMapping).
   */
  hub_url?: string;
}
