/** SageMaker calls are priced (x-litellm-response-cost) from the usage the plugin reports, with the deployment's or the cost map's prices. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeSagemaker, type FakeSagemaker } from './support/fake-sagemaker.js';
import { AWS_PARAMS, CLEAN_AWS_ENV, TGI_ENDPOINT } from './support/sagemaker-gateway.js';

let sagemaker: FakeSagemaker;
let sluice: TestGateway;

beforeAll(async () => {
  sagemaker = await startFakeSagemaker();
  sluice = await startGateway(
    {
      model_list: [
        { model_name: 'priced', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, api_base: sagemaker.url, input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
        // In LiteLLM's cost map (at 0: SageMaker bills instance time, not tokens).
        { model_name: 'jumpstart', litellm_params: { model: 'sagemaker/meta-textgeneration-llama-2-7b-f', ...AWS_PARAMS, api_base: sagemaker.url } },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { env: CLEAN_AWS_ENV },
  );
});

afterAll(async () => {
  await sluice?.close();
  await sagemaker?.close();
});

async function cost(model: string): Promise<string | null> {
  const res = await fetch(`${sluice.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
  expect(body.usage.completion_tokens).toBeGreaterThan(0);
  return res.headers.get('x-litellm-response-cost');
}

describe('pricing SageMaker calls', () => {
  it('prices the reported usage at the deployment’s per-token prices', async () => {
    // 1 prompt token ("Hi") and 7 completion tokens ("Hello from fake SageMaker.").
    expect(Number(await cost('priced'))).toBeCloseTo(0.001 * 1 + 0.002 * 7, 10);
  });

  it('finds sagemaker/<endpoint> in the cost map', async () => {
    expect(await cost('jumpstart')).toBe('0');
  });
});
