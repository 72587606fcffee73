/* eslint-disable */
/**
 * GENERATED from plugins/guardrail-llamaguard/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Prompt moderation by a LlamaGuard model served as a chat model group of model_list, as LiteLLM's llamaguard_moderations callback.
 */
export interface GuardrailLlamaguardConfig {
  /**
   * The model_name of the chat model group in model_list that serves LlamaGuard (its deployments say how to reach it). Read from litellm_settings.llamaguard_model_name. Required.
   */
  llamaguard_model_name?: string;
  /**
   * Path of a text file with the unsafe content categories (LlamaGuard's policy, e.g. "O1: Violence and Hate. ..."), relative to the working directory. When set, Sluice writes the whole LlamaGuard prompt around them; when unset, the model's own template and categories apply. Read from litellm_settings.llamaguard_unsafe_content_categories.
   */
  llamaguard_unsafe_content_categories?: string;
  /**
   * How long the LlamaGuard model may take to answer, in ms. A call that takes longer is a fault and follows the failure policy (fail-closed by default). Unset: the deployment's own timeout.
   */
  timeout_ms?: number;
}
