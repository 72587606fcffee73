/**
 * Azure serves the Responses API per resource (`{api_base}/openai/responses?api-version=…`, the
 * deployment name as `model`), not under `/openai/deployments/{name}` as chat: Sluice calls it
 * there, and forwards GET/DELETE of its responses to `/openai/responses/{id}` with the api-version.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeResponses, type FakeResponses } from './fake-openai-responses.js';

const AZURE_KEY = 'azure-resource-key-0042';
let fake: FakeResponses;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeResponses(AZURE_KEY, { prefix: '/openai', auth: 'api-key' });
  gw = await startGateway({
    model_list: [
      { model_name: 'azure-gpt', litellm_params: { model: 'azure/my-gpt5-deployment', api_base: fake.url, api_key: AZURE_KEY } },
      { model_name: 'azure-pinned', litellm_params: { model: 'azure/pinned-deployment', api_base: `${fake.url}/openai/`, api_key: AZURE_KEY, api_version: '2025-04-01-preview' } },
    ],
    general_settings: { master_key: MASTER_KEY },
  } as SluiceConfig);
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await fake?.close();
});

describe('Responses API on Azure', () => {
  it('calls {api_base}/openai/responses?api-version=preview with the deployment name as model, and forwards GET/DELETE there', async () => {
    const r = await client.responses.create({ model: 'azure-gpt', input: 'hi' });
    expect(r.output_text).toBe('fake saw 1 items');
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/openai/responses?api-version=preview');
    expect(sent.body.model).toBe('my-gpt5-deployment');
    expect(sent.headers['api-key']).toBe(AZURE_KEY);

    expect((await client.responses.retrieve(r.id)).id).toBe(r.id);
    expect(fake.requests[1]!.path).toBe(`/openai/responses/${r.id}?api-version=preview`);
    await client.responses.inputItems.list(r.id, { limit: 5 });
    expect(fake.requests[2]!.path).toBe(`/openai/responses/${r.id}/input_items?api-version=preview&limit=5`);
  });

  it("uses the deployment's own api_version when it sets one", async () => {
    fake.requests.length = 0;
    await client.responses.create({ model: 'azure-pinned', input: 'hi' });
    expect(fake.requests[0]!.path).toBe('/openai/responses?api-version=2025-04-01-preview');
    expect(fake.requests[0]!.body.model).toBe('pinned-deployment');
  });
});
