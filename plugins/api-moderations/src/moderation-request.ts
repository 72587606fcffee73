/**
 * `POST /v1/moderations` checked: `input` (a string, strings, or OpenAI's multi-modal
 * `{type: 'text' | 'image_url'}` objects) and the model group: `general_settings.moderation_model`
 * first, then the body's (LiteLLM's order), else none, and OpenAI picks its default.
 */
import type { JsonObject } from '@sluice/plugin-sdk';
import { ModerationErrors } from './errors.js';

export interface ModerationRequest {
  /** Undefined: no model named anywhere; OpenAI's own default answers. */
  model: string | undefined;
  body: JsonObject;
}

export function moderationRequest(body: unknown, serverDefault: string | undefined, maxInputs: number): ModerationRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ModerationErrors.NOT_JSON_OBJECT();
  const json = body as JsonObject;
  const input = json.input;
  if (input === undefined || input === null) throw ModerationErrors.MISSING_INPUT();
  if (Array.isArray(input)) {
    if (input.length > maxInputs) throw ModerationErrors.TOO_MANY_INPUTS({ count: input.length, limit: maxInputs });
    const valid = input.every((item) => typeof item === 'string' || (item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.type === 'string'));
    if (!valid || input.length === 0) throw ModerationErrors.INVALID_INPUT();
  } else if (typeof input !== 'string') throw ModerationErrors.INVALID_INPUT();
  if (json.model !== undefined && json.model !== null && typeof json.model !== 'string') throw ModerationErrors.INVALID_MODEL();
  const model = serverDefault || (typeof json.model === 'string' && json.model !== '' ? json.model : undefined);
  return { model, body: json };
}

/** Fields the gateway reads or the client must not steer upstream with. */
const NOT_FORWARDED = new Set(['model', 'metadata', 'litellm_metadata', 'user_config', 'api_key', 'api_base', 'api_version', 'base_url', 'organization', 'tags', 'mock_response', 'fallbacks', 'num_retries', 'timeout', 'guardrails', 'caching', 'cache', 'litellm_call_id', 'proxy_server_request', 'messages']);

export function upstreamFields(admitted: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(admitted)) if (!NOT_FORWARDED.has(k) && !k.startsWith('litellm_')) out[k] = v;
  return out;
}
