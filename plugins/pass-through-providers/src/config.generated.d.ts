/* eslint-disable */
/**
 * GENERATED from plugins/pass-through-providers/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * LiteLLM's provider pass-through routes (/openai, /anthropic, /bedrock, /vertex_ai, /gemini, /azure, /cohere, /mistral, /vllm): native provider requests with a virtual key, sent with a deployment's credentials and charged from the answer's usage.
 */
export interface PassThroughProvidersConfig {
  /**
   * Provider routes not to serve, by name (e.g. `[bedrock]` leaves /bedrock/* unserved).
   */
  disabled_providers?: (
    'openai' | 'anthropic' | 'bedrock' | 'vertex_ai' | 'gemini' | 'azure' | 'cohere' | 'mistral' | 'vllm'
  )[];
  /**
   * Largest non-streamed JSON answer read for its usage, in MB; a larger answer is relayed but not charged (its usage is not read). Streamed answers are read event by event and have no such bound.
   */
  max_usage_body_mb?: number;
  /**
   * Largest single stream event (SSE event, NDJSON line, AWS event-stream frame) read for its usage, in KB; larger events are relayed unread.
   */
  max_usage_event_kb?: number;
}
