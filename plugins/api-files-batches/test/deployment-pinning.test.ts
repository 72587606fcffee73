/**
 * A model group whose two deployments are two provider accounts: a file uploaded through the
 * group lives in one of them, and every later call about it (retrieve, content, a batch from it,
 * the batch's retrieve) must reach that one, whichever the router would pick.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeOpenAIFiles, type FakeOpenAIFiles } from './fake-openai-files.js';

let east: FakeOpenAIFiles;
let west: FakeOpenAIFiles;
let sluice: TestGateway;

beforeAll(async () => {
  east = await startFakeOpenAIFiles({ apiKey: 'sk-account-east' });
  west = await startFakeOpenAIFiles({ apiKey: 'sk-account-west' });
  sluice = await startGateway({
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${east.url}/v1`, api_key: 'sk-account-east' } },
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${west.url}/v1`, api_key: 'sk-account-west' } },
    ],
    general_settings: { master_key: MASTER_KEY },
  });
});
afterAll(async () => {
  await sluice?.close();
  await east?.close();
  await west?.close();
});

describe('objects stay with the deployment that took them', () => {
  it('every follow-up of a model-routed file and its batch reaches the same account', async () => {
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
    const line = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [] } }) + '\n';
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const file = await client.files.create({ purpose: 'batch', model: 'gpt-4o-mini', file: await toFile(Buffer.from(line), `f${i}.jsonl`) } as never);
      ids.push(file.id);
      for (let j = 0; j < 4; j++) expect((await client.files.retrieve(file.id)).id).toBe(file.id);
      expect(await (await client.files.content(file.id)).text()).toBe(line);
      const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
      for (let j = 0; j < 3; j++) expect((await client.batches.retrieve(batch.id)).id).toBe(batch.id);
    }
    // The uploads themselves were spread by the router: both accounts hold files.
    expect(east.files.size + west.files.size).toBe(4);
  });
});
