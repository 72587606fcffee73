/* eslint-disable */
/**
 * GENERATED from plugins/guardrail-blocked-users/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * End users (the request's `user` or `user_id`) whose calls are refused, e.g. users who opted out of AI features.
 */
export interface GuardrailBlockedUsersConfig {
  /**
   * The blocked user ids: a list, or the path of a text file with one id per line (relative to the working directory). Read from litellm_settings.blocked_user_list.
   */
  blocked_user_list?: (string | number)[] | string;
}
