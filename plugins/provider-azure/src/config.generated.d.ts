/* eslint-disable */
/**
 * GENERATED from plugins/provider-azure/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Defaults for Azure OpenAI deployments. Each deployment is configured in model_list (api_base, api_version, api_key or azure_ad_token or tenant_id/client_id/client_secret, azure_authority_host); the AZURE_* environment variables are the fallbacks.
 */
export interface ProviderAzureConfig {
  /**
   * api-version sent when neither litellm_params.api_version nor AZURE_API_VERSION is set: the newest generally available data-plane version.
   */
  default_api_version?: string;
}
