/** Rerank prices as LiteLLM computes them: per search unit (`input_cost_per_query`), else per token. */
import { describe, expect, it } from 'vitest';
import type { RoutableDeployment } from '@sluice/plugin-sdk';
import { CostMap } from '../src/cost-map.js';

const map = new CostMap({
  'rerank-v3.5': { input_cost_per_query: 0.002, input_cost_per_token: 0, output_cost_per_token: 0, litellm_provider: 'cohere', mode: 'rerank' },
  'jina-reranker-v2': { input_cost_per_token: 0.000000018, output_cost_per_token: 0, mode: 'rerank' },
});
const deployment = (model: string, params: Record<string, unknown> = {}): RoutableDeployment =>
  ({ id: `d-${model}-${JSON.stringify(params)}`, modelName: model, provider: 'cohere', model, rpm: undefined, tpm: undefined, weight: undefined, params }) as RoutableDeployment;
const usage = (u: Record<string, number>) => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, ...u });

describe('rerank pricing', () => {
  it('input_cost_per_query × search units; one unit when the provider reports none', () => {
    expect(map.costOf({ endpoint: 'rerank', usage: usage({ search_units: 3 }), deployment: deployment('rerank-v3.5'), modelInfo: {} })).toBeCloseTo(0.006, 12);
    expect(map.costOf({ endpoint: 'rerank', usage: usage({ prompt_tokens: 500, total_tokens: 500 }), deployment: deployment('rerank-v3.5'), modelInfo: {} })).toBeCloseTo(0.002, 12);
  });

  it('per token when the model has no per-query price; a deployment override wins', () => {
    expect(map.costOf({ endpoint: 'rerank', usage: usage({ prompt_tokens: 1000, total_tokens: 1000 }), deployment: deployment('jina-reranker-v2'), modelInfo: {} })).toBeCloseTo(0.000018, 12);
    expect(map.costOf({ endpoint: 'rerank', usage: usage({ search_units: 1 }), deployment: deployment('rerank-v3.5', { input_cost_per_query: 0.01 }), modelInfo: {} })).toBeCloseTo(0.01, 12);
  });

  it('a budget estimate for a rerank-only group is one query', () => {
    const d = deployment('rerank-v3.5');
    expect(map.estimateCost([{ deployment: d, modelInfo: {}, endpoints: ['rerank'] }], 100, 0)).toBeCloseTo(0.002, 12);
  });
});
