/* eslint-disable */
/**
 * GENERATED from plugins/guardrails-litellm/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's guardrail declarations, as written in its config. The plugin checks them entry by entry at load and names the entry in every error, so the lists are not typed further here.
 */
export interface GuardrailsLitellmConfig {
  /**
   * LiteLLM's top-level `guardrails:` list: `{guardrail_name, litellm_params: {guardrail, mode, default_on, …}, guardrail_info}` per entry. Read from the config's `guardrails:`.
   */
  guardrails?: unknown[];
  /**
   * LiteLLM's older list, `- <name>: {callbacks: [...], default_on, logging_only}`. Read from litellm_settings.guardrails.
   */
  legacy_guardrails?: unknown[];
  /**
   * Callback names; a guardrail plugin a callback enabled runs always on, under that name. Read from litellm_settings.callbacks.
   */
  callbacks?: unknown[] | string;
  /**
   * As `callbacks`, from litellm_settings.success_callback.
   */
  success_callback?: unknown[] | string;
  /**
   * As `callbacks`, from litellm_settings.failure_callback.
   */
  failure_callback?: unknown[] | string;
}
