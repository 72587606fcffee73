/* eslint-disable */
/**
 * GENERATED from plugins/api-responses/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * OpenAI's Responses API on the gateway (POST/GET/DELETE /v1/responses, input_items), relayed to deployments that serve it and translated for chat deployments.
 */
export interface ApiResponsesConfig {
  /**
   * Largest input + output JSON kept per response, bytes. A larger response is kept for its owner and deployment only: GET and DELETE still work for native ones, but its conversation cannot be rebuilt for a previous_response_id follow-up on another deployment (or on a chat deployment).
   */
  max_stored_bytes?: number;
  /**
   * How long stored responses are kept (OpenAI keeps them 30 days). Expired ones are not found and are purged periodically.
   */
  retention_seconds?: number;
  /**
   * How often expired responses are deleted from the database.
   */
  purge_interval_seconds?: number;
  /**
   * Most responses a previous_response_id chain may hold; a longer one is refused with a 400.
   */
  max_conversation_depth?: number;
  /**
   * Most characters of stored JSON a previous_response_id chain may bring back (its responses' input and output together); a larger one is refused with a 400.
   */
  max_conversation_chars?: number;
  /**
   * Most items an `input` array may hold.
   */
  max_input_items?: number;
  /**
   * Largest POST /v1/responses body, bytes; larger ones get a 413. Unset: the server's body limit.
   */
  max_request_bytes?: number;
}
