/**
 * `litellm_settings.llm_guard_mode`: which calls go to LLM Guard. Turning the check *on* is all a
 * key or a request can do here, never off, so a request may ask for it without its key's leave
 * (the spec's request-specific example uses a key created with no permissions).
 */
import type { JsonObject, JsonValue, Principal } from '@sluice/plugin-sdk';
import type { GuardrailLlmGuardConfig } from './config.generated.js';

export type LlmGuardMode = NonNullable<GuardrailLlmGuardConfig['llm_guard_mode']>;

export const ENABLE_PERMISSION = 'enable_llm_guard_check';

/** `holder.permissions.enable_llm_guard_check === true`; key settings come from whichever auth plugin, so read defensively. */
function enabledIn(holder: unknown): boolean {
  if (typeof holder !== 'object' || holder === null) return false;
  const permissions = (holder as Record<string, unknown>).permissions;
  return typeof permissions === 'object' && permissions !== null && (permissions as Record<string, unknown>)[ENABLE_PERMISSION] === true;
}

export function shouldCheck(mode: LlmGuardMode, principal: Principal, body: JsonObject): boolean {
  switch (mode) {
    case 'all':
      return true;
    case 'key-specific':
      return enabledIn(principal.switches?.key);
    case 'request-specific':
      return enabledIn(body.metadata as JsonValue | undefined);
  }
}
