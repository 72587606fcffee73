/* eslint-disable */
/**
 * GENERATED from plugins/provider-sagemaker/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Settings shared by all SageMaker deployments. Each deployment is configured in model_list (aws_access_key_id, aws_secret_access_key, aws_session_token, aws_region_name, aws_sagemaker_allow_zero_temp, model_id for an inference component, hf_model_name or roles/initial_prompt_value/final_prompt_value/bos_token/eos_token for the prompt template, sagemaker_base_url or api_base, drop_params); AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION_NAME and AWS_REGION are the fallbacks.
 */
export interface ProviderSagemakerConfig {
  /**
   * Leave out OpenAI parameters a sagemaker/ endpoint has no equivalent for (tools, response_format, logprobs…) instead of refusing the request with a 400, as LiteLLM's drop_params does. Read from litellm_settings.drop_params; a deployment's litellm_params.drop_params overrides it.
   */
  drop_params?: boolean;
}
