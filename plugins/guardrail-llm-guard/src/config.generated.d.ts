/* eslint-disable */
/**
 * GENERATED from plugins/guardrail-llm-guard/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Prompt moderation by an LLM Guard API (https://llm-guard.com), as LiteLLM's llmguard_moderations callback.
 */
export interface GuardrailLlmGuardConfig {
  /**
   * Base URL of the LLM Guard API, e.g. http://0.0.0.0:8192; prompts are posted to <api_base>/analyze/prompt. Read from the LLM_GUARD_API_BASE environment variable (or a secret manager) when not set here. Required.
   */
  api_base?: string;
  /**
   * Which calls are checked: all (every call), key-specific (calls with a key that has permissions.enable_llm_guard_check: true), request-specific (calls whose body has metadata.permissions.enable_llm_guard_check: true). Read from litellm_settings.llm_guard_mode.
   */
  llm_guard_mode?: 'all' | 'key-specific' | 'request-specific';
  /**
   * Bearer token for an LLM Guard API deployed with auth (its AUTH_TOKEN), sent as Authorization: Bearer. Not sent when unset, as LiteLLM sends none.
   */
  api_key?: string;
  /**
   * How long to wait for the LLM Guard API's answer (headers, then between body chunks), in ms. A call that takes longer is a fault and follows the failure policy (fail-closed by default).
   */
  timeout_ms?: number;
}
