/**
 * Batch prices as LiteLLM's `batch_cost_calculator` computes them (`litellm/cost_calculator.py`),
 * for the usage of a finished batch's requests (api-files-batches marks it with
 * `usage.batch_requests`, the number of requests it sums):
 * - input: `prompt_tokens` × `input_cost_per_token_batches` when the model has a batch price,
 *   else half the regular price of the uncached tokens plus half the cache-read price of the
 *   cached ones;
 * - output: `completion_tokens` × `output_cost_per_token_batches`, else half the regular price.
 * As in LiteLLM, a batch price of 0 counts as none (the halved regular price applies).
 */
import type { Usage } from '@sluice/plugin-sdk';
import type { PriceOf } from './audio-cost.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Usage of batched requests: priced at batch rates. */
export function isBatchUsage(usage: Usage): boolean {
  return num(usage.batch_requests) !== undefined;
}

export function batchCost(usage: Usage, priceOf: PriceOf): number {
  const inputBatch = priceOf('input_cost_per_token_batches');
  const outputBatch = priceOf('output_cost_per_token_batches');
  let prompt = 0;
  if (inputBatch) {
    prompt = usage.prompt_tokens * inputBatch;
  } else {
    const input = priceOf('input_cost_per_token') ?? 0;
    const details = usage.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
    const cached = Math.min(usage.prompt_tokens, Math.max(0, num(details?.cached_tokens) ?? 0));
    prompt = ((usage.prompt_tokens - cached) * input) / 2 + (cached * (priceOf('cache_read_input_token_cost') ?? 0)) / 2;
  }
  const completion = outputBatch ? usage.completion_tokens * outputBatch : (usage.completion_tokens * (priceOf('output_cost_per_token') ?? 0)) / 2;
  return prompt + completion;
}
