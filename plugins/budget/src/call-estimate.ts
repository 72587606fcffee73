/**
 * A high estimate of what a call will cost, reserved before it runs. The prompt is measured in
 * characters (no tokenizer on the hot path) and divided generously; the completion is what the
 * request allows (`max_completion_tokens`, `max_tokens`) or, without a limit, the size learned from the
 * model's replies (learned-completions.ts) or the configured default, times `n`.
 */
import type { Endpoint, JsonObject, JsonValue } from '@sluice/plugin-sdk';

/** Role, separators and priming tokens that chat formats add to every message. */
const TOKENS_PER_MESSAGE = 4;

export interface EstimateSettings {
  promptCharsPerToken: number;
  defaultCompletionTokens: number;
}

/** Characters of every string in a JSON value (content parts, tool arguments, names…). */
function textLength(value: JsonValue | undefined): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const v of value) n += textLength(v);
  } else {
    for (const k in value) n += textLength(value[k]);
  }
  return n;
}

export function estimatePromptTokens(body: JsonObject, charsPerToken: number): number {
  let chars = 0;
  let overhead = 0;
  const messages = body.messages;
  if (Array.isArray(messages)) {
    chars += textLength(messages);
    overhead += messages.length * TOKENS_PER_MESSAGE;
  }
  chars += textLength(body.prompt) + textLength(body.input) + textLength(body.tools) + textLength(body.functions);
  return Math.ceil(chars / charsPerToken) + overhead;
}

const positiveInt = (v: JsonValue | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : undefined);

/** The completion size per choice the request allows, or undefined when it sets no limit. */
export function requestedCompletionTokens(body: JsonObject): number | undefined {
  return positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
}

export const choicesOf = (body: JsonObject): number => positiveInt(body.n) ?? 1;

/** `unlimitedTokens`: what a choice is assumed to take when the request sets no limit (the default, or the learned size). */
export function estimateCompletionTokens(endpoint: Endpoint | string, body: JsonObject, unlimitedTokens: number): number {
  if (endpoint === 'embeddings' || endpoint === 'rerank') return 0;
  return (requestedCompletionTokens(body) ?? unlimitedTokens) * choicesOf(body);
}
