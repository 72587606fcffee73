/**
 * Files and batches through a real gateway, with the `openai` SDK as the client and the stateful
 * fake OpenAI behind it, on SQLite and Postgres: the upstream sees the deployment's key, ids
 * route later calls back to where the object lives, every file and batch is its creator's (other
 * keys get 404s, the master key sees all), and a finished batch is priced once at batch rates.
 */
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS, until } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeOpenAIFiles, type FakeOpenAIFiles } from './fake-openai-files.js';

const DEPLOYMENT_KEY = 'sk-deployment-files-0001';

const jsonl = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `q${i}` }] } })).join('\n') + '\n';

describe.each(DATABASE_BACKENDS)('files and batches ($name)', (backend) => {
  let fake: FakeOpenAIFiles;
  let sluice: TestGateway;
  let db: Awaited<ReturnType<typeof backend.open>>;
  let keyA: string;
  let keyB: string;

  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
  const generateKey = async (body: object = {}) => {
    const res = await fetch(`${sluice.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { key: string }).key;
  };

  beforeAll(async () => {
    if (backend.skip) return;
    fake = await startFakeOpenAIFiles({ apiKey: DEPLOYMENT_KEY });
    db = await backend.open();
    sluice = await startGateway(
      {
        model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${fake.url}/v1`, api_key: DEPLOYMENT_KEY } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: 'spend-logs', config: { flush_interval_ms: 50 } }],
      } as never,
      { env: db.env },
    );
    keyA = await generateKey();
    keyB = await generateKey();
  });
  afterAll(async () => {
    await sluice?.close();
    await db?.drop();
    await fake?.close();
  });

  it.skipIf(backend.skip)('files: create, list, retrieve, content, delete with the openai SDK; the provider sees the deployment key', async () => {
    const a = client(keyA);
    const text = jsonl(3);
    const created = await a.files.create({ file: await toFile(Buffer.from(text), 'input.jsonl', { type: 'application/jsonl' }), purpose: 'batch' });
    expect(created).toMatchObject({ object: 'file', purpose: 'batch', bytes: Buffer.byteLength(text), filename: 'input.jsonl' });
    // Routed by provider (openai, the default): the provider's own id, as LiteLLM returns it.
    const stored = fake.files.get(created.id)!;
    expect(stored.data!.toString('utf8')).toBe(text);
    const upload = fake.calls.find((c) => c.method === 'POST' && c.path === '/v1/files')!;
    expect(upload.authorization).toBe(`Bearer ${DEPLOYMENT_KEY}`);
    // Only the fields OpenAI takes reach it.
    expect(upload.fields).toEqual([['file', '<file input.jsonl>'], ['purpose', 'batch']]);

    expect((await a.files.list()).data.map((f) => f.id)).toContain(created.id);
    expect((await a.files.list({ purpose: 'fine-tune' })).data).toEqual([]);
    expect((await a.files.retrieve(created.id)).bytes).toBe(Buffer.byteLength(text));
    expect(await (await a.files.content(created.id)).text()).toBe(text);
    expect(await a.files.delete(created.id)).toMatchObject({ id: created.id, deleted: true });
    expect(fake.files.has(created.id)).toBe(false);
    await expect(a.files.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    expect(new Set(fake.calls.map((c) => c.authorization))).toEqual(new Set([`Bearer ${DEPLOYMENT_KEY}`]));
  });

  it.skipIf(backend.skip)("ownership: another key gets 404s and an empty list; the master key sees everyone's", async () => {
    const a = client(keyA);
    const b = client(keyB);
    const file = await a.files.create({ file: await toFile(Buffer.from(jsonl(1)), 'mine.jsonl'), purpose: 'batch' });
    const batch = await a.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });

    await expect(b.files.retrieve(file.id)).rejects.toMatchObject({ status: 404, error: { message: `No such File object: ${file.id}` } });
    await expect(b.files.content(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.files.delete(file.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 404 });
    await expect(b.batches.retrieve(batch.id)).rejects.toMatchObject({ status: 404, error: { message: `No batch found with id '${batch.id}'.` } });
    await expect(b.batches.cancel(batch.id)).rejects.toMatchObject({ status: 404 });
    expect((await b.files.list()).data.map((f) => f.id)).not.toContain(file.id);
    expect((await b.batches.list()).data.map((x) => x.id)).not.toContain(batch.id);
    expect(fake.files.has(file.id)).toBe(true); // B's delete never reached the provider

    const admin = client(MASTER_KEY);
    expect((await admin.files.retrieve(file.id)).id).toBe(file.id);
    expect((await admin.files.list()).data.map((f) => f.id)).toContain(file.id);
    expect((await admin.batches.list()).data.map((x) => x.id)).toContain(batch.id);
    expect((await a.batches.list()).data.map((x) => x.id)).toContain(batch.id);
  });

  it.skipIf(backend.skip)("a team's keys see each other's files (LiteLLM's team visibility); a key outside the team does not", async () => {
    const team = await fetch(`${sluice.url}/team/new`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team_alias: `files-${backend.name}` }) });
    expect(team.status).toBe(200);
    const teamId = ((await team.json()) as { team_id: string }).team_id;
    const member1 = client(await generateKey({ team_id: teamId }));
    const member2 = client(await generateKey({ team_id: teamId }));
    const file = await member1.files.create({ file: await toFile(Buffer.from(jsonl(1)), 'team.jsonl'), purpose: 'batch' });
    expect((await member2.files.retrieve(file.id)).id).toBe(file.id);
    expect((await member2.files.list()).data.map((f) => f.id)).toContain(file.id);
    await expect(client(keyB).files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it.skipIf(backend.skip)('LiteLLM’s other paths: without /v1, and /{provider}/v1 (winning over a provider pass-through route)', async () => {
    const headers = { authorization: `Bearer ${keyA}` };
    const file = await client(keyA).files.create({ file: await toFile(Buffer.from(jsonl(1)), 'paths.jsonl'), purpose: 'batch' });
    for (const path of ['/files', '/openai/v1/files', '/custom/v1/files']) {
      const res = await fetch(`${sluice.url}${path}`, { headers });
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as { data: { id: string }[] }).data.map((f) => f.id)).toContain(file.id);
    }
    // pass-through-providers serves /openai/*: had it taken these, B would see the provider's
    // whole file list and download A's file.
    const asB = { authorization: `Bearer ${keyB}` };
    const listedForB = (await (await fetch(`${sluice.url}/openai/v1/files`, { headers: asB })).json()) as { data: { id: string }[] };
    expect(listedForB.data.map((f) => f.id)).not.toContain(file.id);
    expect((await fetch(`${sluice.url}/openai/v1/files/${file.id}/content`, { headers: asB })).status).toBe(404);
    const content = await fetch(`${sluice.url}/openai/v1/files/${file.id}/content`, { headers });
    expect(await content.text()).toBe(jsonl(1));
    const batches = await fetch(`${sluice.url}/batches`, { headers });
    expect(batches.status).toBe(200);
  });

  it.skipIf(backend.skip)('batches: create, list, cancel; model-routed ids carry the group (LiteLLM encoding) and route back', async () => {
    const a = client(keyA);
    // target_model_names before the file part, as Python's SDK sends form fields: a managed file.
    const file = await a.files.create({ purpose: 'batch', target_model_names: 'gpt-4o-mini', file: await toFile(Buffer.from(jsonl(2)), 'in.jsonl') } as never);
    const unified = Buffer.from(file.id, 'base64url').toString('utf8');
    expect(unified).toMatch(/^litellm_proxy:application\/octet-stream;unified_id,[0-9a-f-]{36};target_model_names,gpt-4o-mini$/);
    const batch = await a.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });
    expect(batch).toMatchObject({ object: 'batch', input_file_id: file.id, metadata: { job: 'nightly' } });
    const raw = Buffer.from(batch.id.slice('batch_'.length), 'base64url').toString('utf8');
    expect(raw).toMatch(/^litellm:batch_[0-9a-f]+;model,gpt-4o-mini$/);
    const upstreamId = raw.slice('litellm:'.length, raw.indexOf(';'));
    expect(fake.batches.get(upstreamId)!.input_file_id).toBe([...fake.files.values()].at(-1)!.id);

    expect((await a.batches.retrieve(batch.id)).status).toBe('validating');
    expect((await a.batches.list()).data.map((x) => x.id)).toContain(batch.id);
    const cancelled = await a.batches.cancel(batch.id);
    expect(cancelled).toMatchObject({ id: batch.id, status: 'cancelled', input_file_id: file.id });

    // x-litellm-model routes a plain upload to the group: LiteLLM's model-encoded file id.
    const byModel = await a.files.create({ file: await toFile(Buffer.from(jsonl(1)), 'm.jsonl'), purpose: 'batch' }, { headers: { 'x-litellm-model': 'gpt-4o-mini' } });
    expect(Buffer.from(byModel.id.slice('file-'.length), 'base64url').toString('utf8')).toMatch(/^litellm:file-[0-9a-f]+;model,gpt-4o-mini$/);
    expect((await a.files.retrieve(byModel.id)).id).toBe(byModel.id);
  });

  it.skipIf(backend.skip)('a finished batch is priced once at batch rates, even with concurrent retrieves', async () => {
    const a = client(keyA);
    const file = await a.files.create({ purpose: 'batch', model: 'gpt-4o-mini', file: await toFile(Buffer.from(jsonl(4)), 'priced.jsonl') } as never);
    const batch = await a.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const upstreamId = Buffer.from(batch.id.slice('batch_'.length), 'base64url').toString('utf8').split(';')[0]!.slice('litellm:'.length);
    fake.complete(upstreamId);

    const [first, second] = await Promise.all([a.batches.retrieve(batch.id), a.batches.retrieve(batch.id)]);
    expect(first.status).toBe('completed');
    expect(second.status).toBe('completed');
    expect(first.output_file_id).toMatch(/^file-/);
    // The output file is the batch owner's: downloadable by A through its model-encoded id, not by B.
    const output = await (await a.files.content(first.output_file_id!)).text();
    expect(output.trim().split('\n')).toHaveLength(4);
    await expect(client(keyB).files.content(first.output_file_id!)).rejects.toMatchObject({ status: 404 });
    expect((await a.batches.retrieve(batch.id)).status).toBe('completed');

    // 4 lines: prompt 10..13 = 46 tokens, completion 5..8 = 26 tokens, at gpt-4o-mini's batch
    // prices (input_cost_per_token_batches 7.5e-8, output_cost_per_token_batches 3e-7).
    const expected = 46 * 7.5e-8 + 26 * 3e-7;
    await until(async () => (await db.knex('sluice_spend_logs').where({ call_type: 'aretrieve_batch' })).length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await db.knex('sluice_spend_logs').where({ call_type: 'aretrieve_batch' });
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].spend)).toBeCloseTo(expected, 12);
    expect(Number(rows[0].prompt_tokens)).toBe(46);
    expect(Number(rows[0].completion_tokens)).toBe(26);
    expect(rows[0].model_group).toBe('gpt-4o-mini');
  });
});
