/**
 * The fake LangSmith API, proven with the official `langsmith` npm client before the plugin is
 * tested against it: the client's runs (through its auto-batching to /runs/batch, and single
 * POST /runs) arrive with its API key, and the fake refuses what LangSmith refuses.
 */
import { Client, RunTree } from 'langsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLangsmith, type FakeLangsmith } from './fake-langsmith-server.js';

let fake: FakeLangsmith;
beforeAll(async () => {
  fake = await startFakeLangsmith();
});
afterAll(async () => {
  await fake.close();
});

describe('fake LangSmith driven by the official langsmith client', () => {
  it('a RunTree posted and ended through the auto-batching client arrives through /runs/batch with its key', async () => {
    const client = new Client({ apiUrl: fake.url, apiKey: 'lsv2-sdk-key', autoBatchTracing: true });
    const run = new RunTree({ name: 'sdk-run', run_type: 'llm', inputs: { messages: [{ role: 'user', content: 'hi' }] }, project_name: 'sdk-project', client });
    await run.postRun();
    await run.end({ content: 'hello' });
    await run.patchRun();
    await client.awaitPendingTraceBatches();
    const got = fake.runs.find((r) => r.run.id === run.id);
    expect(got).toBeDefined();
    expect(got!.apiKey).toBe('lsv2-sdk-key');
    expect(got!.run).toMatchObject({ name: 'sdk-run', run_type: 'llm', session_name: 'sdk-project', trace_id: run.id, outputs: { content: 'hello' } });
    expect(got!.run.dotted_order).toMatch(new RegExp(`Z${run.id}$`));
    expect(fake.requests.some((q) => q.path === '/runs/batch' && q.status === 202)).toBe(true);
  });

  it('createRun without batching posts to /runs; a run LangSmith would refuse is a 422 the client reports', async () => {
    const client = new Client({ apiUrl: fake.url, apiKey: 'lsv2-sdk-key', autoBatchTracing: false });
    const id = '0b4c4a52-7a86-4a36-9d2c-3f1a4c1b0d11';
    await client.createRun({ id, name: 'single', run_type: 'llm', inputs: {}, start_time: Date.now() });
    expect(fake.runs.find((r) => r.run.id === id)).toBeDefined();
    await expect(client.createRun({ id: 'not-a-uuid', name: 'bad', run_type: 'llm', inputs: {}, start_time: Date.now() })).rejects.toThrow(/422/);
  });

  it('down: 503, nothing recorded; no key: 401', async () => {
    fake.setDown(true);
    const down = await fetch(`${fake.url}/runs/batch`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '{"post":[]}' });
    expect(down.status).toBe(503);
    fake.setDown(false);
    const noKey = await fetch(`${fake.url}/runs/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"post":[]}' });
    expect(noKey.status).toBe(401);
  });
});
