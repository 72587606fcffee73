/**
 * The texts of a request that reach the provider as prose: chat message content (a string or
 * `{type: 'text'}` parts), completion `prompt` and embedding `input` (a string or a list of
 * strings; token-id arrays are left alone). Redacted in place.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import type { SecretRedactor, SecretType } from './redact-secrets.js';

/** Named as in LiteLLM's warning: "Detected and redacted secrets in message: […]". */
export type TextField = 'message' | 'prompt' | 'input';

export interface FieldRedaction {
  field: TextField;
  types: readonly SecretType[];
}

export function redactRequestTexts(body: JsonObject, redact: SecretRedactor): FieldRedaction[] {
  const found: FieldRedaction[] = [];
  const messages = body.messages;
  if (Array.isArray(messages)) {
    for (const message of messages) {
      if (isObject(message)) report(found, 'message', redactContent(message, redact));
    }
  }
  redactStrings(body, 'prompt', redact, found);
  redactStrings(body, 'input', redact, found);
  return found;
}

function report(found: FieldRedaction[], field: TextField, types: readonly SecretType[]): void {
  if (types.length > 0) found.push({ field, types });
}

/** One report per message, whether its text came as one string or as several parts. */
function redactContent(message: JsonObject, redact: SecretRedactor): readonly SecretType[] {
  const content = message.content;
  if (typeof content === 'string') {
    const r = redact(content);
    if (r.types.length > 0) message.content = r.text;
    return r.types;
  }
  if (!Array.isArray(content)) return [];
  const types: SecretType[] = [];
  for (const part of content) {
    if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') continue;
    const r = redact(part.text);
    if (r.types.length === 0) continue;
    part.text = r.text;
    types.push(...r.types);
  }
  return types;
}

/** `prompt` / `input`: a string, or a list whose string items are reported one by one (as LiteLLM does). */
function redactStrings(body: JsonObject, field: 'prompt' | 'input', redact: SecretRedactor, found: FieldRedaction[]): void {
  const value = body[field];
  if (typeof value === 'string') {
    const r = redact(value);
    if (r.types.length > 0) body[field] = r.text;
    report(found, field, r.types);
    return;
  }
  if (!Array.isArray(value)) return;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (typeof item !== 'string') continue;
    const r = redact(item);
    if (r.types.length > 0) value[i] = r.text;
    report(found, field, r.types);
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
