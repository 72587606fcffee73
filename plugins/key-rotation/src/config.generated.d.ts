/* eslint-disable */
/**
 * GENERATED from plugins/key-rotation/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Scheduled rotation of virtual keys marked `auto_rotate` with a `rotation_interval` (LiteLLM's KeyRotationManager).
 */
export interface KeyRotationConfig {
  /**
   * LITELLM_KEY_ROTATION_ENABLED: `true` runs the rotation job. The plugin is switched on by the variable being set at all; any other value than true leaves the job off.
   */
  enabled?: boolean | string;
  /**
   * LITELLM_KEY_ROTATION_CHECK_INTERVAL_SECONDS: how often the job looks for keys due for rotation (LiteLLM's default: 86400, a day). The first look is one interval after start, as in LiteLLM.
   */
  check_interval_seconds?: number | string;
  /**
   * LITELLM_KEY_ROTATION_GRACE_PERIOD: how long a rotated key's old value keeps working (`24h`, `2d`). Empty: it stops at once (LiteLLM's default).
   */
  grace_period?: string | null;
  /**
   * LITELLM_KEY_ROTATION_LOCK_TTL_SECONDS: lifetime of the distributed lock one round holds, so that one instance rotates at a time (LiteLLM's default: 600). A round that outlives it may overlap the next instance's.
   */
  lock_ttl_seconds?: number | string;
  /**
   * Keys read per /key/list page when collecting the due keys.
   */
  page_size?: number;
}
