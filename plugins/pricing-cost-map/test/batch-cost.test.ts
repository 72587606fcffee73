/**
 * Batch prices as LiteLLM's `batch_cost_calculator` computes them, for usage marked as a batch's
 * (`batch_requests`): the `_batches` prices when the model has them, else half the regular price
 * (cached tokens at half the cache-read price); unmarked usage keeps the regular price.
 */
import { describe, expect, it } from 'vitest';
import type { RoutableDeployment } from '@sluice/plugin-sdk';
import { CostMap } from '../src/cost-map.js';

const map = new CostMap({
  'gpt-4o-mini': { input_cost_per_token: 1.5e-7, output_cost_per_token: 6e-7, input_cost_per_token_batches: 7.5e-8, output_cost_per_token_batches: 3e-7, cache_read_input_token_cost: 7.5e-8 },
  'gpt-3.5-turbo': { input_cost_per_token: 5e-7, output_cost_per_token: 1.5e-6, cache_read_input_token_cost: 2.5e-7 },
});
const deployment = (model: string, params: Record<string, unknown> = {}): RoutableDeployment =>
  ({ id: `d-${model}-${JSON.stringify(params)}`, modelName: model, provider: 'openai', model, rpm: undefined, tpm: undefined, weight: undefined, params }) as RoutableDeployment;
const usage = (u: Record<string, unknown>) => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, ...u });

describe('batch pricing', () => {
  it('the model’s batch prices: every prompt token at input_cost_per_token_batches', () => {
    const u = usage({ prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 400 }, batch_requests: 3 });
    expect(map.costOf({ endpoint: 'chat', usage: u, deployment: deployment('gpt-4o-mini'), modelInfo: {} })).toBeCloseTo(1000 * 7.5e-8 + 200 * 3e-7, 15);
  });

  it('without batch prices: half the regular price, cached tokens at half the cache-read price', () => {
    const u = usage({ prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200, prompt_tokens_details: { cached_tokens: 400 }, batch_requests: 3 });
    expect(map.costOf({ endpoint: 'chat', usage: u, deployment: deployment('gpt-3.5-turbo'), modelInfo: {} })).toBeCloseTo((600 * 5e-7) / 2 + (400 * 2.5e-7) / 2 + (200 * 1.5e-6) / 2, 15);
  });

  it('a deployment’s own batch price wins; usage not marked as a batch keeps the regular price', () => {
    const u = usage({ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, batch_requests: 1 });
    expect(map.costOf({ endpoint: 'chat', usage: u, deployment: deployment('gpt-4o-mini', { input_cost_per_token_batches: 1e-6 }), modelInfo: {} })).toBeCloseTo(100 * 1e-6 + 10 * 3e-7, 15);
    const regular = usage({ prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 });
    expect(map.costOf({ endpoint: 'chat', usage: regular, deployment: deployment('gpt-4o-mini'), modelInfo: {} })).toBeCloseTo(100 * 1.5e-7 + 10 * 6e-7, 15);
  });
});
