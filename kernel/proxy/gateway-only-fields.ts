/**
 * Request body fields that steer the gateway and must not reach the provider: the ones the enabled
 * plugins declare (plugin.json `requestFields`), the kernel's own, and LiteLLM's that nothing acts
 * on. Computed once per config load; the call path only looks names up in the set.
 */
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';
import { LITELLM_REQUEST_FIELDS } from '../config/litellm/request-fields.js';

/** `metadata` is read by the kernel itself: spend tags (request-tags.ts) and the spend event's copy. */
const KERNEL_REQUEST_FIELDS = ['metadata'];

export function gatewayOnlyFields(enabled: readonly { manifest: PluginManifest }[]): ReadonlySet<string> {
  const fields = new Set([...KERNEL_REQUEST_FIELDS, ...LITELLM_REQUEST_FIELDS]);
  for (const { manifest } of enabled) for (const name of manifest.requestFields ?? []) fields.add(name);
  return fields;
}
