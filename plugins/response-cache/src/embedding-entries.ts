/**
 * Embeddings are cached per input element, as LiteLLM caches them (`async_add_cache_pipeline`):
 * each element of a list `input` has its own entry, keyed as the request with `input` set to that
 * element alone, holding its vector and its share of the prompt tokens. A request whose every
 * element is cached is answered from the entries (in the request's order, whatever request stored
 * them); one with any element missing goes upstream whole and stores every element. (LiteLLM also
 * sends only the missing elements upstream and merges; Sluice does not.)
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { cacheKey, type KeyOptions } from './cache-key.js';

/** One element's entry, as LiteLLM's CachedEmbedding. */
export interface CachedEmbedding {
  embedding: JsonValue;
  index: number;
  object: string;
  model: JsonValue;
  prompt_tokens: number;
}

/** The elements of the input: a string is one, a list of strings or token arrays one per item; undefined otherwise (cached whole). */
export function inputElements(body: JsonObject): JsonValue[] | undefined {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  return input.every((el) => typeof el === 'string' || Array.isArray(el)) ? input : undefined;
}

export function elementKeys(body: JsonObject, elements: readonly JsonValue[], opts: KeyOptions): string[] {
  // `{...body, input}` keeps `input` where the client put it, as LiteLLM's `{**kwargs, "input": i}` does.
  return elements.map((input) => cacheKey({ ...body, input }, opts));
}

/** The embeddings response made of cached elements, in the request's order. */
export function answerFromElements(entries: readonly CachedEmbedding[]): JsonObject {
  let tokens = 0;
  const data = entries.map((e, index) => {
    tokens += e.prompt_tokens;
    return { object: e.object || 'embedding', index, embedding: e.embedding };
  });
  return { object: 'list', data, model: entries[0]?.model ?? null, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/**
 * The response's elements as entries; undefined when it does not have one embedding per input.
 * Prompt tokens are shared out as LiteLLM does: evenly, the remainder to the first elements.
 */
export function elementsOf(response: JsonObject, count: number): CachedEmbedding[] | undefined {
  const data = response.data;
  if (!Array.isArray(data) || data.length !== count) return undefined;
  const usage = response.usage as JsonObject | undefined;
  const total = typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  const share = Math.floor(total / count);
  const remainder = total - share * count;
  const byIndex = [...(data as JsonObject[])].sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
  return byIndex.map((d, i) => ({
    embedding: d.embedding ?? null,
    index: i,
    object: typeof d.object === 'string' ? d.object : 'embedding',
    model: response.model ?? null,
    prompt_tokens: share + (i < remainder ? 1 : 0),
  }));
}
