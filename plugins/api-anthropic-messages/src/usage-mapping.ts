/**
 * Usage in both directions. Anthropic counts cached input apart from `input_tokens`; OpenAI's
 * `prompt_tokens` is all input with the cached share in `prompt_tokens_details.cached_tokens`.
 * Spend is reported in OpenAI's names plus LiteLLM's `cache_read_input_tokens` /
 * `cache_creation_input_tokens`, which the pricing plugin prices at their own rates.
 */
import type { JsonObject, JsonValue, Usage } from '@sluice/plugin-sdk';

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

const count = (v: JsonValue | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/** An Anthropic `usage` object (a message's, or the sum of a stream's events) → spend usage. */
export function spendUsageOf(u: JsonObject): Usage {
  const input = count(u.input_tokens);
  const cacheRead = count(u.cache_read_input_tokens);
  const cacheWrite = count(u.cache_creation_input_tokens);
  const output = count(u.output_tokens);
  const prompt = input + cacheRead + cacheWrite;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output };
  if (cacheRead > 0 || typeof u.cache_read_input_tokens === 'number') {
    usage.prompt_tokens_details = { cached_tokens: cacheRead };
    usage.cache_read_input_tokens = cacheRead;
  }
  if (cacheWrite > 0 || typeof u.cache_creation_input_tokens === 'number') usage.cache_creation_input_tokens = cacheWrite;
  return usage;
}

/**
 * An OpenAI `usage` object → Anthropic's (LiteLLM's mapping): cache reads from
 * `cache_read_input_tokens` or `prompt_tokens_details.cached_tokens`, writes from
 * `cache_creation_input_tokens`; `input_tokens` is what is left of `prompt_tokens`. Cache fields
 * only when non-zero.
 */
export function anthropicUsageOf(u: JsonValue | undefined): AnthropicUsage {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return { input_tokens: 0, output_tokens: 0 };
  const details = u.prompt_tokens_details;
  const detailCached = typeof details === 'object' && details !== null && !Array.isArray(details) ? count(details.cached_tokens) : 0;
  const cacheRead = count(u.cache_read_input_tokens) || detailCached;
  const cacheWrite = count(u.cache_creation_input_tokens);
  const out: AnthropicUsage = { input_tokens: Math.max(count(u.prompt_tokens) - cacheRead - cacheWrite, 0), output_tokens: count(u.completion_tokens) };
  if (cacheWrite > 0) out.cache_creation_input_tokens = cacheWrite;
  if (cacheRead > 0) out.cache_read_input_tokens = cacheRead;
  return out;
}

/** The OpenAI usage a chat upstream reported → spend usage (it is already in OpenAI's names). */
export function chatSpendUsage(u: JsonValue | undefined): Usage {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  return { ...u, prompt_tokens: prompt, completion_tokens: completion, total_tokens: count(u.total_tokens) || prompt + completion };
}
