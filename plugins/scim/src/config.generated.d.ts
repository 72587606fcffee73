/* eslint-disable */
/**
 * GENERATED from plugins/scim/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * SCIM v2 provisioning under /scim/v2. Callers: a proxy_admin key (or the master key), or a key whose allowed_routes include /scim/* and that a proxy admin created (LiteLLM's SCIM token).
 */
export interface ScimConfig {
  /**
   * LiteLLM's litellm_settings.scim_upsert_user. A group member naming no known user (by user id, sso_user_id or email) is created as a user when true; refused with 400 when false (SCIM 2.0 strict).
   */
  scim_upsert_user?: boolean;
  /**
   * LiteLLM's litellm_settings.scim_admin_group: a group id or displayName whose members are made proxy_admin; every other user SCIM writes gets the default SCIM role (default_internal_user_params.user_role, else internal_user_viewer). Unset: SCIM leaves roles alone.
   */
  scim_admin_group?: string;
  /**
   * Page size of a list request that sends no `count` (LiteLLM: 10).
   */
  default_count?: number;
  /**
   * Largest page a list request gets, whatever `count` it sends (LiteLLM: 100).
   */
  max_count?: number;
}
