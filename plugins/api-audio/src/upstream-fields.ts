/**
 * What of an admitted request goes upstream. The call's body after the preCall chain is sent
 * (a guardrail's redaction of `input` or `prompt` is kept), minus the fields that steer the
 * gateway: LiteLLM never forwards them, and OpenAI's audio API refuses unknown parameters.
 */
import type { JsonObject } from '@sluice/plugin-sdk';

/**
 * LiteLLM's request fields that only the gateway reads (spend metadata and tags, caching,
 * guardrails, router settings, the customer id), as the chat route drops them.
 */
const GATEWAY_FIELDS = new Set([
  'metadata',
  'litellm_metadata',
  'proxy_server_request',
  'tags',
  'cache',
  'caching',
  'guardrails',
  'fallbacks',
  'context_window_fallbacks',
  'num_retries',
  'mock_response',
  'mock_testing_fallbacks',
  'user',
]);

export function upstreamFields(admitted: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(admitted)) if (!GATEWAY_FIELDS.has(name)) out[name] = value;
  return out;
}
