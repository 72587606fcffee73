/**
 * LiteLLM's per-logger content options applied to a StandardLoggingPayload before it is written:
 * `s3_strip_base64_files` (CustomLogger._strip_base64_from_messages_sync) and
 * `s3_log_prompts_only` (the response left out).
 */
import type { JsonValue, StandardLoggingPayload } from '@sluice/plugin-sdk';

const BASE64_INLINE = /data:[\w.+-]+\/[\w.+-]+;base64,[A-Za-z0-9+/=]+/g;
const MAX_DEPTH = 32;

/** Messages without file / non-text content parts, inline base64 replaced by `[BASE64_REDACTED]`. */
export function stripBase64Files(payload: StandardLoggingPayload): StandardLoggingPayload {
  if (!Array.isArray(payload.messages)) return payload;
  const messages: JsonValue[] = [];
  for (const msg of payload.messages) {
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) continue;
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(msg)) {
      out[k] = k === 'content' && Array.isArray(v) ? v.filter(keepContent).map((c) => redactBase64(c, 0)) : redactBase64(v, 0);
    }
    messages.push(out);
  }
  return { ...payload, messages };
}

function keepContent(part: JsonValue): boolean {
  if (!part || typeof part !== 'object' || Array.isArray(part)) return true;
  if ('file' in part) return false;
  return typeof part.type !== 'string' || part.type === 'text';
}

function redactBase64(value: JsonValue, depth: number): JsonValue {
  if (depth > MAX_DEPTH) return '[MAX_DEPTH_REACHED]';
  if (typeof value === 'string') return value.replace(BASE64_INLINE, '[BASE64_REDACTED]');
  if (Array.isArray(value)) return value.map((v) => redactBase64(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactBase64(v, depth + 1);
    return out;
  }
  return value;
}

/** The payload without the response (LiteLLM's prompts_only_payload). */
export function promptsOnly(payload: StandardLoggingPayload): StandardLoggingPayload {
  return { ...payload, response: null };
}
