/**
 * The fake OpenAI Files and Batches API, driven straight by the `openai` SDK: it must answer as
 * OpenAI does before Sluice is tested against it.
 */
import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIFiles, type FakeOpenAIFiles } from './fake-openai-files.js';

const KEY = 'sk-fake-deployment-key';
let fake: FakeOpenAIFiles | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const jsonl = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `q${i}` }] } })).join('\n') + '\n';

describe('fake OpenAI files and batches, through the openai SDK', () => {
  it('stores, lists, retrieves, downloads and deletes files, with the auth header it was given', async () => {
    fake = await startFakeOpenAIFiles({ apiKey: KEY });
    const client = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const text = jsonl(3);
    const created = await client.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl'), purpose: 'batch' });
    expect(created).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(text), filename: 'input.jsonl' });
    expect(created.id).toMatch(/^file-/);

    const listed = await client.files.list({ purpose: 'batch' });
    expect(listed.data.map((f) => f.id)).toEqual([created.id]);
    expect((await client.files.retrieve(created.id)).bytes).toBe(Buffer.byteLength(text));
    expect(await (await client.files.content(created.id)).text()).toBe(text);
    expect(await client.files.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    await expect(client.files.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    expect(new Set(fake.calls.map((c) => c.authorization))).toEqual(new Set([`Bearer ${KEY}`]));
  });

  it('refuses another key', async () => {
    fake = await startFakeOpenAIFiles({ apiKey: KEY });
    const client = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    await expect(client.files.list()).rejects.toMatchObject({ status: 401 });
  });

  it('creates, retrieves, lists, completes and cancels batches', async () => {
    fake = await startFakeOpenAIFiles({ apiKey: KEY });
    const client = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
    const input = await client.files.create({ file: await toFile(Buffer.from(jsonl(2)), 'in.jsonl'), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'a' } });
    expect(batch).toMatchObject({ object: 'batch', status: 'validating', input_file_id: input.id, metadata: { job: 'a' } });
    expect((await client.batches.list()).data.map((b) => b.id)).toEqual([batch.id]);

    fake.complete(batch.id);
    const done = await client.batches.retrieve(batch.id);
    expect(done).toMatchObject({ status: 'completed', request_counts: { total: 2, completed: 2, failed: 0 } });
    const lines = (await (await client.files.content(done.output_file_id!)).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.custom_id, l.response.body.usage])).toEqual([
      ['req-0', { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }],
      ['req-1', { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 }],
    ]);

    const other = await client.batches.create({ input_file_id: input.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect((await client.batches.cancel(other.id)).status).toBe('cancelled');
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
  });
});
