/**
 * Estimates before a call (budget reservations) and the prices a deployment sets itself are this
 * plugin's: the kernel prices nothing on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint, PricedDeployment } from '@sluice/plugin-sdk';
import { CostMap } from '../src/cost-map.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';

const priced = (id: string, model: string, params: Record<string, unknown>, endpoints: Endpoint[] = ['chat']): PricedDeployment => ({
  deployment: { id, modelName: 'g', provider: 'openai', model, rpm: undefined, tpm: undefined, weight: undefined, params },
  modelInfo: {},
  endpoints,
});

describe('CostMap.estimateCost', () => {
  const map = new CostMap({ 'gpt-cheap': { input_cost_per_token: 1, output_cost_per_token: 2 }, 'embed-x': { input_cost_per_token: 5 } });

  it("prices the call at the group's dearest deployment", () => {
    const group = [priced('a', 'gpt-cheap', {}), priced('b', 'gpt-cheap', { input_cost_per_token: 10, output_cost_per_token: 20 })];
    expect(map.estimateCost(group, 3, 4)).toBe(3 * 10 + 4 * 20);
  });

  it('prices an embeddings-only deployment on prompt tokens, and an empty group at 0', () => {
    expect(map.estimateCost([priced('e', 'embed-x', {}, ['embeddings'])], 3, 4)).toBe(15);
    expect(map.estimateCost([], 3, 4)).toBe(0);
  });
});

describe('with pricing-cost-map disabled', () => {
  let gw: TestGateway;
  const seen = ((globalThis as unknown as { __estimates: number[] }).__estimates = [] as number[]);
  beforeAll(async () => {
    const estimator = writeTestPlugin({
      id: 'estimate-probe',
      hooks: { preCall: { stage: 'DEFAULT' } },
      source: pluginSource(`return { preCall: async (call) => { globalThis.__estimates.push(ctx.models.estimateCost('m', 100, 100)); } };`),
    });
    gw = await startGateway(
      {
        model_list: [{ model_name: 'm', litellm_params: { model: 'fake/m', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: 'pricing-cost-map', enabled: false }, { use: 'estimate-probe' }],
      } as never,
      { extraPluginDirs: [estimator] },
    );
  });
  afterAll(() => gw.close());

  it('calls cost 0 and estimates are 0, whatever prices the deployment sets', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-litellm-response-cost')).toBe('0');
    expect(seen).toEqual([0]);
  });
});
