/**
 * A guardrail as this plugin runs it: one named entry of the config's `guardrails:` list (or the
 * implicit always-on entry of a guardrail plugin enabled by a callback name or `plugins:`), bound
 * to the plugin that implements it.
 */

export const GUARDRAIL_MODES = ['pre_call', 'post_call', 'during_call', 'logging_only'] as const;
export type GuardrailMode = (typeof GUARDRAIL_MODES)[number];

export function isGuardrailMode(value: unknown): value is GuardrailMode {
  return typeof value === 'string' && (GUARDRAIL_MODES as readonly string[]).includes(value);
}

/** One row of GET /guardrails/list, in LiteLLM's shape. */
export interface ListedGuardrail {
  guardrail_name: string;
  litellm_params: Record<string, unknown>;
  guardrail_info: Record<string, unknown> | null;
  guardrail_definition_location: 'config';
}

export interface GuardrailEntry {
  /** `guardrail_name`: what requests, keys and teams switch on. */
  readonly name: string;
  /** The implementing plugin; '' for a guardrail type no enabled plugin implements (`unavailable`). */
  readonly pluginId: string;
  /**
   * Set when no enabled plugin implements the entry's type (aporia, lakera, a custom
   * `module.Class`…): the rest of the config works, and a request that activates it is refused
   * with a 500 naming it.
   */
  readonly unavailable?: { readonly type: string };
  readonly modes: ReadonlySet<GuardrailMode>;
  readonly defaultOn: boolean;
  /** `permissions` keys that switch it off: its name, then its implementation's names and callbacks. */
  readonly permissionKeys: readonly string[];
  /** Where it was declared, for messages: `guardrails[0]`, `litellm_settings.callbacks: hide_secrets`. */
  readonly origin: string;
  /** Position in /guardrails/list. */
  readonly order: number;
  readonly listed: ListedGuardrail;
}
