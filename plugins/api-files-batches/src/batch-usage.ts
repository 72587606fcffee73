/**
 * What a batch used, read from its output file as it streams (never held whole): one JSON line
 * per request, `{custom_id, response: {status_code, body: {model, usage}}, error}`. Usage is
 * summed per model, as LiteLLM's batch cost sums each line's usage (`litellm/batches/batch_utils.py`);
 * failed lines and lines without usage count as failed or free, never abort the sum.
 */
import type { Usage } from '@sluice/plugin-sdk';

/** A line longer than this is skipped (a chat answer is far smaller). */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface ModelUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
  /** Lines (requests) this usage came from. */
  requests: number;
}

export interface BatchUsage {
  byModel: Map<string, ModelUsage>;
  succeeded: number;
  failed: number;
  /** The file was longer than the byte limit; what was read is summed. */
  truncated: boolean;
}

export interface ReadLimits {
  maxBytes: number;
  /** Epoch ms by which the read must be done; past it the read fails. */
  deadline: number;
}

export class BatchReadTimeout extends Error {
  constructor() {
    super('reading the batch output file took too long');
  }
}

export async function batchUsageOf(body: AsyncIterable<Uint8Array>, fallbackModel: string, limits: ReadLimits): Promise<BatchUsage> {
  const usage: BatchUsage = { byModel: new Map(), succeeded: 0, failed: 0, truncated: false };
  const decoder = new TextDecoder();
  let pending = '';
  let skipping = false;
  let read = 0;
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await withDeadline(iterator.next(), limits.deadline);
      if (next.done) break;
      read += next.value.length;
      if (read > limits.maxBytes) {
        usage.truncated = true;
        break;
      }
      pending += decoder.decode(next.value, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (skipping) skipping = false;
        else addLine(usage, line, fallbackModel);
      }
      if (pending.length > MAX_LINE_BYTES) {
        pending = '';
        skipping = true;
        usage.failed += 1;
      }
    }
    if (!usage.truncated && !skipping) addLine(usage, pending + decoder.decode(), fallbackModel);
  } finally {
    await iterator.return?.().catch(() => undefined);
  }
  return usage;
}

async function withDeadline<T>(p: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new BatchReadTimeout()), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

function addLine(usage: BatchUsage, line: string, fallbackModel: string): void {
  if (line.trim() === '') return;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    usage.failed += 1;
    return;
  }
  const response = isObject(entry) ? entry.response : undefined;
  const status = isObject(response) ? response.status_code : undefined;
  const body = isObject(response) ? response.body : undefined;
  if (!isObject(body) || (typeof status === 'number' && (status < 200 || status >= 300))) {
    usage.failed += 1;
    return;
  }
  usage.succeeded += 1;
  const u = body.usage;
  if (!isObject(u)) return;
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : fallbackModel;
  // Chat/completions/embeddings name tokens prompt/completion; the Responses API input/output.
  const prompt = count(u.prompt_tokens ?? u.input_tokens);
  const completion = count(u.completion_tokens ?? u.output_tokens);
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : isObject(u.input_tokens_details) ? u.input_tokens_details : undefined;
  const sum = usage.byModel.get(model) ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cached_tokens: 0, requests: 0 };
  sum.prompt_tokens += prompt;
  sum.completion_tokens += completion;
  sum.total_tokens += count(u.total_tokens) || prompt + completion;
  sum.cached_tokens += count(details?.cached_tokens);
  sum.requests += 1;
  usage.byModel.set(model, sum);
}

/**
 * One model's batch usage as the pricing plugin reads it: OpenAI's names, and `batch_requests`,
 * which marks the usage as a batch's so it is priced at batch rates (LiteLLM's
 * `input_cost_per_token_batches`, else half the regular price).
 */
export function pricedUsage(m: ModelUsage): Usage {
  return {
    prompt_tokens: m.prompt_tokens,
    completion_tokens: m.completion_tokens,
    total_tokens: m.total_tokens,
    ...(m.cached_tokens > 0 && { prompt_tokens_details: { cached_tokens: m.cached_tokens } }),
    batch_requests: m.requests,
  };
}

/** The batch's usage over every model, for its spend event. */
export function totalUsage(usage: BatchUsage): Usage {
  const total: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  let cached = 0;
  for (const m of usage.byModel.values()) {
    total.prompt_tokens += m.prompt_tokens;
    total.completion_tokens += m.completion_tokens;
    total.total_tokens += m.total_tokens;
    cached += m.cached_tokens;
  }
  if (cached > 0) total.prompt_tokens_details = { cached_tokens: cached };
  total.batch_requests = usage.succeeded;
  return total;
}
