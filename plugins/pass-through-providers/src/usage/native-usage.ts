/**
 * Each provider family's own usage fields, read from the documents of an answer (the whole JSON
 * body, or each event of a stream, in order) and given in OpenAI's names, the way the provider
 * plugins report the same usage on translated calls, so one price table serves both.
 */
import type { Usage } from '@sluice/plugin-sdk';

export type UsageFamily = 'openai' | 'anthropic' | 'bedrock' | 'gemini' | 'cohere';

/** What an answer says about itself. */
export interface NativeAnswer {
  usage: Usage | undefined;
  /** The model the answer names, when the request did not. */
  model: string | undefined;
  id: string | undefined;
}

export interface UsageReader {
  /** One JSON document of the answer: the body, an SSE event's data, an event-stream payload. */
  add(doc: unknown): void;
  result(): NativeAnswer;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function usageOf(prompt: number, completion: number, total?: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total ?? prompt + completion };
}

/** Reads the first `model` and `id` seen and keeps the last usage a family's `read` finds. */
function lastWins(read: (doc: Obj) => Usage | undefined, idOf: (doc: Obj) => string | undefined = (d) => str(d.id)): UsageReader {
  let usage: Usage | undefined;
  let model: string | undefined;
  let id: string | undefined;
  return {
    add(doc) {
      if (Array.isArray(doc)) {
        for (const d of doc) this.add(d);
        return;
      }
      if (!isObj(doc)) return;
      model ??= str(doc.model) ?? (isObj(doc.response) ? str(doc.response.model) : undefined);
      id ??= idOf(doc);
      usage = read(doc) ?? usage;
    },
    result: () => ({ usage, model, id }),
  };
}

/** Chat, completions, embeddings (`usage`), and the Responses API (`usage` / `response.usage` of `response.completed`). */
function openaiUsage(doc: Obj): Usage | undefined {
  const u = isObj(doc.usage) ? doc.usage : isObj(doc.response) && isObj(doc.response.usage) ? doc.response.usage : undefined;
  if (!u) return undefined;
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens);
  if (prompt === undefined) return undefined;
  const completion = num(u.completion_tokens) ?? num(u.output_tokens) ?? 0;
  const out = usageOf(prompt, completion, num(u.total_tokens));
  const details = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : isObj(u.input_tokens_details) ? u.input_tokens_details : undefined;
  const cached = num(details?.cached_tokens);
  if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached };
  const outDetails = isObj(u.completion_tokens_details) ? u.completion_tokens_details : isObj(u.output_tokens_details) ? u.output_tokens_details : undefined;
  const reasoning = num(outDetails?.reasoning_tokens);
  if (reasoning !== undefined) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

/**
 * Anthropic's Messages usage: the message's `usage`, or in a stream `message_start`'s (input,
 * cache) updated by `message_delta`'s (output so far). Cached input counts into prompt_tokens,
 * its share in prompt_tokens_details, as provider-anthropic reports it.
 */
function anthropicReader(): UsageReader & { seen(): boolean } {
  const counts: Record<'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens', number | undefined> = {
    input_tokens: undefined,
    output_tokens: undefined,
    cache_read_input_tokens: undefined,
    cache_creation_input_tokens: undefined,
  };
  let model: string | undefined;
  let id: string | undefined;
  const take = (u: unknown) => {
    if (!isObj(u)) return;
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] = num(u[k]) ?? counts[k];
  };
  return {
    add(doc) {
      if (!isObj(doc)) return;
      const message = doc.type === 'message_start' && isObj(doc.message) ? doc.message : doc;
      model ??= str(message.model);
      id ??= str(message.id);
      take(message.usage);
    },
    seen: () => counts.input_tokens !== undefined || counts.output_tokens !== undefined,
    result() {
      if (counts.input_tokens === undefined && counts.output_tokens === undefined) return { usage: undefined, model, id };
      const read = counts.cache_read_input_tokens ?? 0;
      const write = counts.cache_creation_input_tokens ?? 0;
      const usage = usageOf((counts.input_tokens ?? 0) + read + write, counts.output_tokens ?? 0);
      if (counts.cache_read_input_tokens !== undefined) {
        usage.prompt_tokens_details = { cached_tokens: read };
        usage.cache_read_input_tokens = read;
      }
      if (counts.cache_creation_input_tokens !== undefined) usage.cache_creation_input_tokens = write;
      return { usage, model, id };
    },
  };
}

/**
 * Bedrock: Converse's `usage` (also the ConverseStream `metadata` event's), InvokeModel of an
 * Anthropic model (its Messages usage, streamed or not), else the `amazon-bedrock-invocationMetrics`
 * the last chunk of any invoke stream carries.
 */
function bedrockReader(): UsageReader {
  const anthropic = anthropicReader();
  let converse: Usage | undefined;
  let metrics: Usage | undefined;
  return {
    add(doc) {
      if (!isObj(doc)) return;
      const u = doc.usage;
      if (isObj(u) && num(u.inputTokens) !== undefined) {
        const read = num(u.cacheReadInputTokens);
        const write = num(u.cacheWriteInputTokens);
        converse = usageOf((num(u.inputTokens) ?? 0) + (read ?? 0) + (write ?? 0), num(u.outputTokens) ?? 0, num(u.totalTokens));
        if (read !== undefined || write !== undefined) {
          converse.prompt_tokens_details = { cached_tokens: read ?? 0 };
          converse.cache_creation_input_tokens = write ?? 0;
        }
      } else anthropic.add(doc);
      const m = doc['amazon-bedrock-invocationMetrics'];
      if (isObj(m) && num(m.inputTokenCount) !== undefined) metrics = usageOf(num(m.inputTokenCount)!, num(m.outputTokenCount) ?? 0);
    },
    result() {
      const a = anthropic.result();
      return { usage: converse ?? (anthropic.seen() ? a.usage : metrics), model: a.model, id: a.id };
    },
  };
}

/** Gemini and Vertex: `usageMetadata` (the last one of a stream has the totals); thinking tokens are output. */
function geminiUsage(doc: Obj): Usage | undefined {
  const m = doc.usageMetadata;
  if (!isObj(m) || num(m.promptTokenCount) === undefined) return undefined;
  const prompt = num(m.promptTokenCount)!;
  const completion = (num(m.candidatesTokenCount) ?? 0) + (num(m.thoughtsTokenCount) ?? 0);
  const usage = usageOf(prompt, completion, num(m.totalTokenCount));
  const cached = num(m.cachedContentTokenCount);
  if (cached !== undefined) {
    usage.prompt_tokens_details = { cached_tokens: cached };
    usage.cache_read_input_tokens = cached;
  }
  return usage;
}

/**
 * Cohere bills in `billed_units`: `meta.billed_units` (v1, rerank, embed), `usage.billed_units`
 * (v2 chat), `delta.usage` of a v2 stream's `message-end`, `response.meta` of a v1 `stream-end`.
 */
function cohereUsage(doc: Obj): Usage | undefined {
  const holders = [doc.meta, doc.usage, isObj(doc.delta) ? doc.delta.usage : undefined, isObj(doc.response) ? doc.response.meta : undefined];
  for (const h of holders) {
    if (!isObj(h) || !isObj(h.billed_units)) continue;
    const b = h.billed_units;
    const usage = usageOf(num(b.input_tokens) ?? 0, num(b.output_tokens) ?? 0);
    const search = num(b.search_units);
    if (search !== undefined) usage.search_units = search;
    return usage;
  }
  return undefined;
}

export function usageReader(family: UsageFamily): UsageReader {
  switch (family) {
    case 'openai':
      return lastWins(openaiUsage, (d) => str(d.id) ?? (isObj(d.response) ? str(d.response.id) : undefined));
    case 'anthropic':
      return anthropicReader();
    case 'bedrock':
      return bedrockReader();
    case 'gemini':
      return lastWins(geminiUsage, (d) => str(d.responseId));
    case 'cohere':
      return lastWins(cohereUsage, (d) => str(d.id) ?? str(d.generation_id) ?? str(d.response_id));
  }
}
