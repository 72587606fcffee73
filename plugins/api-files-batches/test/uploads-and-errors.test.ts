/**
 * Uploads stream through the gateway (the provider receives the file while the client is still
 * sending it, and memory stays flat), are bounded (413), and a client's mistakes get clear OpenAI
 * errors that never reach the provider; create calls are admitted through the gateway's limits.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeOpenAIFiles, type FakeOpenAIFiles } from './fake-openai-files.js';

const DEPLOYMENT_KEY = 'sk-deployment-files-0002';

// A collector to call in this process, so memory is measured as what is still held, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Bytes the process holds after a full collection: the JS heap and every Buffer/ArrayBuffer. */
function retained(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
const MAX_UPLOAD = 160 * 1024 * 1024;

let fake: FakeOpenAIFiles;
let sluice: TestGateway;

beforeAll(async () => {
  fake = await startFakeOpenAIFiles({ apiKey: DEPLOYMENT_KEY });
  sluice = await startGateway({
    model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${fake.url}/v1`, api_key: DEPLOYMENT_KEY } }],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'api-files-batches', config: { max_upload_bytes: MAX_UPLOAD } }],
  } as never);
});
afterAll(async () => {
  await sluice?.close();
  await fake?.close();
});

const client = (key = MASTER_KEY) => new OpenAI({ apiKey: key, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
const line = JSON.stringify({ custom_id: 'r', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [] } }) + '\n';

async function generateKey(body: object): Promise<string> {
  const res = await fetch(`${sluice.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { key: string }).key;
}

/** A multipart body from parts, sent with fetch (content-length known). */
async function postForm(parts: { name: string; value: string; filename?: string }[], path = '/v1/files'): Promise<{ status: number; body: { error: { message: string; type: string; param: string | null; code: string } } }> {
  const boundary = 'test-boundary-123';
  const text =
    parts
      .map((p) => `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"\r\nContent-Type: application/jsonl` : ''}\r\n\r\n${p.value}\r\n`)
      .join('') + `--${boundary}--\r\n`;
  const res = await fetch(`${sluice.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: text });
  return { status: res.status, body: (await res.json()) as never };
}

/**
 * Sends `total` bytes of file through a raw HTTP request (chunked, so the gateway cannot know the
 * size up front), one reused 1 MiB buffer at a time: nothing in the client holds the file. After
 * `pauseAt` bytes it waits, up to 10 s, for `whilePaused` to hold.
 */
function streamUpload(total: number, opts: { pauseAt?: number; whilePaused?: () => boolean; to?: TestGateway } = {}): Promise<{ status: number; text: string; sha256: string; waitedForProvider: boolean }> {
  const { hostname, port } = new URL((opts.to ?? sluice).url);
  const boundary = 'stream-boundary-456';
  const chunk = Buffer.alloc(1024 * 1024, 'abcdefghijklmnopqrstuvwxyz\n');
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, agent: false, path: '/v1/files', method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8'), sha256: hash.digest('hex'), waitedForProvider }));
    });
    req.on('error', reject);
    let waitedForProvider = false;
    const write = (b: Buffer | string) => (req.write(b) ? Promise.resolve() : new Promise<void>((r) => req.once('drain', () => r())));
    void (async () => {
      await write(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n`);
      let sent = 0;
      while (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        hash.update(piece);
        await write(piece);
        sent += piece.length;
        if (opts.pauseAt !== undefined && sent >= opts.pauseAt && !waitedForProvider) {
          const end = Date.now() + 10_000;
          while (!opts.whilePaused!() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
          waitedForProvider = opts.whilePaused!();
          if (!waitedForProvider) {
            req.destroy();
            return;
          }
        }
      }
      req.end(`\r\n--${boundary}--\r\n`);
    })().catch(reject);
  });
}

describe('uploads stream through', () => {
  it('a 128 MB upload reaches the provider while the client is still sending it, with flat memory', async () => {
    // Large against the bound below: bytes in flight between client, gateway and fake (all in this
    // process) reach ~37 MiB on a busy machine; a gateway holding the file whole would pass 128.
    const total = 128 * 1024 * 1024;
    const before = fake.files.size;
    const baseline = retained();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, retained())), 250);
    // Half the file is sent, then the client waits until the provider has received a part of it:
    // a gateway that buffered the upload whole would never forward anything before the end.
    const result = await streamUpload(total, { pauseAt: total / 2, whilePaused: () => fake.uploadedBytes >= 1024 * 1024 }).finally(() => clearInterval(sampler));
    expect(result.waitedForProvider).toBe(true);
    expect(result.status).toBe(200);
    const created = JSON.parse(result.text) as { id: string; bytes: number };
    expect(created.bytes).toBe(total);
    expect(fake.files.size).toBe(before + 1);
    expect(fake.files.get(created.id)!.sha256).toBe(result.sha256);
    // Gateway, fake (which keeps 4 MiB of a file) and client share this process: what they held
    // at any moment grew by far less than the file.
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
  }, 90_000);

  it('an upload over max_upload_bytes is refused with 413: up front with a content-length, mid-stream without', async () => {
    const limit = 1024 * 1024;
    const small = await startGateway({
      model_list: [{ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${fake.url}/v1`, api_key: DEPLOYMENT_KEY } }],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: 'api-files-batches', config: { max_upload_bytes: limit } }],
    } as never);
    try {
      const before = fake.files.size;
      const big = Buffer.alloc(limit + 1024, 'x');
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${small.url}/v1`, maxRetries: 0 });
      await expect(sdk.files.create({ file: await toFile(big, 'big.jsonl'), purpose: 'batch' })).rejects.toMatchObject({ status: 413 });
      const chunked = await streamUpload(limit + 2 * 1024 * 1024, { to: small });
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.text).error).toMatchObject({ type: 'invalid_request_error', code: '413' });
      expect(fake.files.size).toBe(before);
    } finally {
      await small.close();
    }
  });
});

describe("a client's mistakes", () => {
  it('no file, no purpose, a bad purpose, a non-multipart body: 400s and 415, and the provider stores nothing', async () => {
    const before = fake.files.size;
    const noFile = await postForm([{ name: 'purpose', value: 'batch' }]);
    expect(noFile.status).toBe(400);
    expect(noFile.body.error).toMatchObject({ message: "Missing required parameter: 'file'.", type: 'invalid_request_error', param: 'file', code: '400' });

    const noPurpose = await postForm([{ name: 'file', value: line, filename: 'a.jsonl' }]);
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.body.error).toMatchObject({ message: "Missing required parameter: 'purpose'.", param: 'purpose' });

    const badPurpose = await postForm([{ name: 'purpose', value: 'cats' }, { name: 'file', value: line, filename: 'a.jsonl' }]);
    expect(badPurpose.status).toBe(400);
    expect(badPurpose.body.error.message).toMatch(/^Invalid purpose: cats\. Must be one of: \('assistants'/);

    const json = await fetch(`${sluice.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: '{"purpose":"batch"}' });
    expect(json.status).toBe(415);
    expect(fake.files.size).toBe(before);
  });

  it('a routing field after the file part that would send it elsewhere is refused; one that agrees is fine', async () => {
    const before = fake.files.size;
    const late = await postForm([{ name: 'file', value: line, filename: 'a.jsonl' }, { name: 'purpose', value: 'batch' }, { name: 'model', value: 'gpt-4o-mini' }]);
    expect(late.status).toBe(400);
    expect(late.body.error.message).toMatch(/^The form field 'model' came after the file part/);
    expect(fake.files.size).toBe(before);
    const agreeing = await postForm([{ name: 'file', value: line, filename: 'a.jsonl' }, { name: 'purpose', value: 'batch' }, { name: 'custom_llm_provider', value: 'openai' }]);
    expect(agreeing.status).toBe(200);
  });

  it('unknown ids: 404 in OpenAI’s words; a batch without input_file_id: 400', async () => {
    await expect(client().files.retrieve('file-unknown')).rejects.toMatchObject({ status: 404, error: { message: 'No such File object: file-unknown' } });
    await expect(client().files.content('file-unknown')).rejects.toMatchObject({ status: 404 });
    await expect(client().batches.retrieve('batch_unknown')).rejects.toMatchObject({ status: 404 });
    await expect(client().batches.create({ input_file_id: 'file-unknown', endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({
      status: 404,
      error: { message: 'No such File object: file-unknown', param: 'input_file_id' },
    });
    await expect(client().batches.create({ endpoint: '/v1/chat/completions', completion_window: '24h' } as never)).rejects.toMatchObject({
      status: 400,
      error: { message: "Missing required parameter: 'input_file_id'." },
    });
    await expect(client().files.list({ limit: 0 } as never)).rejects.toMatchObject({ status: 400 });
  });
});

describe('governance', () => {
  it("a key's rate limit applies to uploads and batch creates; a blocked key is refused", async () => {
    const key = await generateKey({ rpm_limit: 2 });
    const c = client(key);
    const file = await c.files.create({ file: await toFile(Buffer.from(line), 'a.jsonl'), purpose: 'batch' });
    await c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const before = fake.calls.length;
    await expect(c.files.create({ file: await toFile(Buffer.from(line), 'b.jsonl'), purpose: 'batch' })).rejects.toMatchObject({ status: 429 });
    await expect(c.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' })).rejects.toMatchObject({ status: 429 });
    expect(fake.calls.length).toBe(before);

    const blocked = await generateKey({});
    const res = await fetch(`${sluice.url}/key/block`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: blocked }) });
    expect(res.status).toBe(200);
    await until(async () => {
      const r = await fetch(`${sluice.url}/v1/files`, { headers: { authorization: `Bearer ${blocked}` } });
      return r.status >= 400;
    });
    await expect(client(blocked).files.create({ file: await toFile(Buffer.from(line), 'c.jsonl'), purpose: 'batch' })).rejects.toMatchObject({
      status: 401,
      error: { message: expect.stringMatching(/Key is blocked/) },
    });
    expect(fake.calls.length).toBe(before);
  });
});
