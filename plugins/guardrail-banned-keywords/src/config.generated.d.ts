/* eslint-disable */
/**
 * GENERATED from plugins/guardrail-banned-keywords/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Keywords that may not appear in a request or a response. Matching is case-insensitive and by substring, as in LiteLLM.
 */
export interface GuardrailBannedKeywordsConfig {
  /**
   * The keywords: a list, or the path of a text file with one keyword per line (relative to the working directory). Read from litellm_settings.banned_keywords_list.
   */
  banned_keywords_list?: (string | number)[] | string;
}
