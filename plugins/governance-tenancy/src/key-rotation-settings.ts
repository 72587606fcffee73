/** LITELLM_KEY_ROTATION_GRACE_PERIOD, read once at load. */
import { parseDuration, type PluginContext } from '@sluice/plugin-sdk';

/**
 * The grace period of a regeneration that names none, in ms; undefined = the old key stops at
 * once (LiteLLM's default, an empty value). A malformed value is ignored with a warning, as
 * LiteLLM's _insert_deprecated_key ignores it.
 */
export function rotationGraceMs(ctx: PluginContext, value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) ctx.log.warn({ value }, 'LITELLM_KEY_ROTATION_GRACE_PERIOD is not a duration like "24h" or "2d"; regenerated keys are revoked at once');
  return ms;
}
