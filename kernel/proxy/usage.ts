/** Token usage and its price, read from responses and streams. */
import { type Usage, isJsonSpace, type JsonObject, type Pricing, type Endpoint } from '@sluice/plugin-sdk';
import type { RegisteredDeployment } from '../models/model-registry.js';

export const NO_USAGE: Usage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

export function readUsage(value: unknown): Usage {
  if (!value || typeof value !== 'object') return NO_USAGE;
  const u = value as JsonObject;
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : prompt + completion;
  return { ...u, prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

/**
 * A rerank answer's usage (its `meta`, LiteLLM's rerank response shape): `search_units` as billed, the tokens as counted
 * (`meta.tokens`, else the billed ones). Pricing plugins read `search_units` for per-query prices.
 */
export function rerankUsage(body: JsonObject): Usage {
  const meta = body.meta as JsonObject | undefined;
  const billed = (meta?.billed_units ?? undefined) as JsonObject | undefined;
  const tokens = (meta?.tokens ?? undefined) as JsonObject | undefined;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const prompt = num(tokens?.input_tokens) || num(billed?.input_tokens) || num(billed?.total_tokens);
  const completion = num(tokens?.output_tokens) || num(billed?.output_tokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof billed?.search_units === 'number') usage.search_units = billed.search_units;
  return usage;
}

/** The call's price, as the pricing plugin says; 0 when no plugin prices calls. */
export function priceOf(pricing: Pricing | undefined, endpoint: Endpoint, usage: Usage, d: RegisteredDeployment): number {
  return pricing ? pricing.costOf({ endpoint, usage, deployment: d.route, modelInfo: d.config.modelInfo }) : 0;
}

/**
 * Finds usage in a stream chunk's raw JSON without parsing every chunk: only chunks that carry a
 * `"usage": {…}` object are parsed.
 */
export function chunkHasUsage(data: string): boolean {
  const i = data.lastIndexOf('"usage"');
  if (i === -1) return false;
  let j = i + 7;
  while (j < data.length && (data.charCodeAt(j) === 32 || data.charCodeAt(j) === 58)) j++; // spaces and ':'
  return data.charCodeAt(j) === 123; // '{'
}

/**
 * Usage from a JSON answer's text, without parsing the whole answer: the last `"usage"` key (the
 * top-level one in OpenAI's format, which puts it last) and the object after it. A `"usage"` inside
 * a string value never matches: its quotes are escaped, so it cannot follow `{` or `,`. Undefined
 * when the text has no such key or it does not read as an object: the caller parses the answer.
 */
export function usageInJsonText(text: string): Usage | undefined {
  for (let from = text.length; from > 0; ) {
    const i = text.lastIndexOf('"usage"', from);
    if (i <= 0) return undefined;
    from = i - 1;
    let p = i - 1;
    while (p > 0 && isJsonSpace(text.charCodeAt(p))) p--;
    const before = text.charCodeAt(p);
    if (before !== 44 && before !== 123) continue; // ',' or '{': a key, not text in a string
    let j = i + 7;
    while (isJsonSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 58) continue; // ':'
    j++;
    while (isJsonSpace(text.charCodeAt(j))) j++;
    if (text.startsWith('null', j)) return NO_USAGE;
    if (text.charCodeAt(j) !== 123) return undefined;
    const end = objectEnd(text, j);
    if (end === -1) return undefined;
    try {
      return readUsage(JSON.parse(text.slice(j, end + 1)));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Index of the `}` closing the object that opens at `start`, or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  for (let k = start; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 34) {
      // a string: skip to its closing quote
      for (k++; k < text.length; k++) {
        const s = text.charCodeAt(k);
        if (s === 92) k++;
        else if (s === 34) break;
      }
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return c === 125 ? k : -1;
    }
  }
  return -1;
}
