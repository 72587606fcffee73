/**
 * Who may switch the guardrail off for a call. The key may (LiteLLM's `permissions:
 * {"hide_secrets": false}` on /key/generate or /key/update). The request alone may not: a guard
 * the caller can remove by adding a field protects nothing, so a request's
 * `metadata.permissions.hide_secrets: false` counts only when its key also carries
 * `permissions.allow_request_hide_secrets_off: true`.
 *
 * Key settings arrive in `principal.metadata` from whichever auth plugin recognised the key; they
 * are read defensively because their shape is that plugin's, not ours.
 */
import type { JsonObject, Principal } from '../../../plugin-sdk/index.js';

export const GUARDRAIL_NAME = 'hide_secrets';
export const REQUEST_OFF_PERMISSION = 'allow_request_hide_secrets_off';

export type SwitchDecision =
  | { run: true; note?: string }
  | { run: false; reason: string };

function permissionsIn(holder: unknown): Record<string, unknown> | undefined {
  if (typeof holder !== 'object' || holder === null) return undefined;
  const permissions = (holder as Record<string, unknown>).permissions;
  return typeof permissions === 'object' && permissions !== null && !Array.isArray(permissions) ? (permissions as Record<string, unknown>) : undefined;
}

/** How logs name the key: its alias or its id (a hash), never the key itself. */
function keyLabel(principal: Principal): string {
  return principal.keyAlias ?? principal.id;
}

export function decideSwitch(principal: Principal, body: JsonObject): SwitchDecision {
  const keyPermissions = permissionsIn(principal.metadata);
  if (keyPermissions?.[GUARDRAIL_NAME] === false) {
    return {
      run: false,
      reason: `The hide_secrets guardrail check did not run on this request because api key=${keyLabel(principal)} has "permissions": {"hide_secrets": false}`,
    };
  }
  if (permissionsIn(body.metadata)?.[GUARDRAIL_NAME] !== false) return { run: true };
  if (keyPermissions?.[REQUEST_OFF_PERMISSION] === true) {
    return {
      run: false,
      reason: `The hide_secrets guardrail check did not run on this request because its metadata has "permissions": {"hide_secrets": false} and api key=${keyLabel(principal)} has "permissions": {"${REQUEST_OFF_PERMISSION}": true}`,
    };
  }
  return {
    run: true,
    note: `The request asked to turn the hide_secrets guardrail off; ignored because api key=${keyLabel(principal)} does not have "permissions": {"${REQUEST_OFF_PERMISSION}": true}`,
  };
}
