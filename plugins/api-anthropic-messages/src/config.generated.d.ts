/* eslint-disable */
/**
 * GENERATED from plugins/api-anthropic-messages/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Bounds of the Anthropic Messages routes (/v1/messages, /v1/messages/count_tokens). Request size and JSON nesting are bounded by the server (its body limit and JSON depth limit).
 */
export interface ApiAnthropicMessagesConfig {
  /**
   * Most messages one request may carry; more is refused with a 413 before anything runs.
   */
  max_messages?: number;
  /**
   * Most content blocks one message may carry; more is refused with a 413.
   */
  max_content_blocks?: number;
}
