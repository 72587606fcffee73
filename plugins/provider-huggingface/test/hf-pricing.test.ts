/** Hugging Face calls are priced (x-litellm-response-cost) from the upstream's usage, with the cost map's or the deployment's prices. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { HF_TOKEN, startFakeHuggingface, type FakeHuggingface } from './support/fake-huggingface.js';
import { CLEAN_HF_ENV } from './support/hf-gateway.js';

let hf: FakeHuggingface;
let sluice: TestGateway;

beforeAll(async () => {
  hf = await startFakeHuggingface();
  hf.mappings.set('deepseek-ai/DeepSeek-R1', { together: { status: 'live', providerId: 'deepseek-ai/DeepSeek-R1', task: 'conversational' } });
  sluice = await startGateway(
    {
      model_list: [
        // Priced as the cost map prices the model at Together AI.
        { model_name: 'r1', litellm_params: { model: 'huggingface/together/deepseek-ai/DeepSeek-R1' }, model_info: { base_model: 'together_ai/deepseek-ai/DeepSeek-R1' } },
        { model_name: 'tgi', litellm_params: { model: 'huggingface/tgi', api_base: hf.url, api_key: HF_TOKEN, input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
      ],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: 'provider-huggingface', config: { router_url: hf.url, hub_url: hf.url } }],
    } as never,
    { env: { ...CLEAN_HF_ENV, HF_TOKEN } },
  );
});

afterAll(async () => {
  await sluice?.close();
  await hf?.close();
});

async function cost(model: string): Promise<number> {
  const res = await fetch(`${sluice.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  expect(res.status).toBe(200);
  return Number(res.headers.get('x-litellm-response-cost'));
}

describe('pricing Hugging Face calls', () => {
  it('prices the usage TGI reports (10 prompt, 6 completion tokens) from the cost map', async () => {
    expect(await cost('r1')).toBeCloseTo(10 * 3e-6 + 6 * 7e-6, 12);
  });

  it('and at the deployment’s own per-token prices', async () => {
    expect(await cost('tgi')).toBeCloseTo(10 * 0.001 + 6 * 0.002, 10);
  });
});
