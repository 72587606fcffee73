/**
 * LiteLLM's `callbacks: ["azure_storage"]` against Azurite 3.35, the Azure Storage emulator, run by
 * the test itself. First Azurite is checked with the official SDK alone (@azure/storage-blob, the
 * well-known dev account), then real gateways log through it: success and failure payloads land as
 * `<YYYY-MM-DD>/<call id>.json` blobs holding LiteLLM's StandardLoggingPayload; message logging
 * turned off redacts content; `x-litellm-disable-callbacks` sends nothing; with Azurite stopped the
 * payloads wait in the queue (and in the spill file across a gateway restart) and land once it is
 * back on the same data folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { killLeftovers, sleep } from '../../../test/support/processes.js';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from './azurite.js';

const CONTAINER = 'litellm-logs';

function containerOf(az: Azurite, name = CONTAINER): ContainerClient {
  return new BlobServiceClient(az.accountUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY), { retryOptions: { maxTries: 1 } }).getContainerClient(name);
}

async function blobNames(container: ContainerClient): Promise<string[]> {
  if (!(await container.exists())) return [];
  const names: string[] = [];
  for await (const b of container.listBlobsFlat()) names.push(b.name);
  return names.sort();
}

async function readBlob(container: ContainerClient, name: string): Promise<any> {
  const buf = await container.getBlobClient(name).downloadToBuffer();
  return JSON.parse(buf.toString('utf8'));
}

async function until<T>(check: () => Promise<T | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} not met in time`);
    await sleep(100);
  }
}

function config(upstream: string, litellm: Record<string, unknown> = {}): SluiceConfig {
  const params = { api_base: upstream, api_key: 'sk-upstream-secret-9876' };
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', ...params }, model_info: { id: 'dep-ok' } },
      { model_name: 'gpt-fail', litellm_params: { model: 'openai/gpt-fail', ...params }, model_info: { id: 'dep-fail' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { num_retries: 0 },
    litellm_settings: { num_retries: 0, callbacks: ['azure_storage'], ...litellm },
  } as SluiceConfig;
}

function env(az: Azurite, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_STORAGE_ACCOUNT_NAME: DEV_ACCOUNT,
    AZURE_STORAGE_FILE_SYSTEM: CONTAINER,
    AZURE_STORAGE_ACCOUNT_KEY: DEV_KEY,
    AZURE_STORAGE_ACCOUNT_URL: az.accountUrl,
    DEFAULT_FLUSH_INTERVAL_SECONDS: '0.2',
    ...extra,
  };
}

async function chat(gw: TestGateway, model: string, content: string, headers: Record<string, string> = {}): Promise<{ status: number; id: string; body: any }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], temperature: 0.2 }),
  });
  return { status: res.status, id: res.headers.get('x-litellm-call-id') ?? '', body: await res.json() };
}

const today = () => new Date().toISOString().slice(0, 10);

let upstream: FakeUpstream;
let azurite: Azurite;

beforeAll(async () => {
  upstream = await startFakeUpstream((req, res) => {
    if (req.body?.model === 'gpt-fail') return sendJson(res, 500, { error: { message: 'upstream exploded', type: 'server_error' } });
    sendJson(res, 200, {
      id: 'chatcmpl-az1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${req.body?.messages?.[0]?.content}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
  });
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
  await upstream?.close();
  // Whatever a failed test left running (Azurite restarts): killed by process group.
  await killLeftovers();
});

describe('Azurite through the official SDK alone', () => {
  it('creates a container, writes a blob under a day folder, lists it, reads it back, and overwrites it in place', async () => {
    const container = containerOf(azurite, 'sdk-smoke');
    await container.create();
    const blob = container.getBlockBlobClient('2026-01-31/call-1.json');
    await blob.upload('{"v":1}\n', 8, { blobHTTPHeaders: { blobContentType: 'application/json' } });
    await blob.upload('{"v":2}\n', 8, { blobHTTPHeaders: { blobContentType: 'application/json' } });
    expect(await blobNames(container)).toEqual(['2026-01-31/call-1.json']);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix: '2026-01-31/' })) names.push(b.name);
    expect(names).toEqual(['2026-01-31/call-1.json']);
    expect(await readBlob(container, '2026-01-31/call-1.json')).toEqual({ v: 2 });
    expect((await blob.getProperties()).contentType).toBe('application/json');
    // The emulator checks the shared key: a wrong one is refused.
    const forged = new BlobServiceClient(azurite.accountUrl, new StorageSharedKeyCredential(DEV_ACCOUNT, Buffer.from('not-the-key').toString('base64')), { retryOptions: { maxTries: 1 } });
    await expect(forged.getContainerClient('sdk-smoke').getBlockBlobClient('x.json').upload('{}', 2)).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('callbacks: ["azure_storage"]', () => {
  it('writes each success and failure as <day>/<call id>.json holding the StandardLoggingPayload', async () => {
    const gw = await startGateway(config(upstream.url), { env: env(azurite) });
    const container = containerOf(azurite);
    try {
      const ok = await chat(gw, 'gpt-4o-mini', 'hello azure');
      expect(ok.status).toBe(200);
      const failed = await chat(gw, 'gpt-fail', 'this one fails');
      expect(failed.status).toBeGreaterThanOrEqual(500);
      const okName = `${today()}/${ok.id}.json`;
      const failName = `${today()}/${failed.id}.json`;
      await until(async () => {
        const names = await blobNames(container);
        return names.includes(okName) && names.includes(failName);
      }, 20_000, 'both blobs');

      const success = await readBlob(container, okName);
      expect(success).toMatchObject({
        id: ok.id,
        call_type: 'acompletion',
        status: 'success',
        model_group: 'gpt-4o-mini',
        model_id: 'dep-ok',
        custom_llm_provider: 'openai',
        prompt_tokens: 7,
        completion_tokens: 3,
        total_tokens: 10,
        messages: [{ role: 'user', content: 'hello azure' }],
        model_parameters: { temperature: 0.2 },
        error_information: null,
      });
      expect(success.response.choices[0].message.content).toBe('echo: hello azure');
      expect(typeof success.startTime).toBe('number');
      expect(success.metadata).toHaveProperty('user_api_key_hash');

      const failure = await readBlob(container, failName);
      expect(failure).toMatchObject({ id: failed.id, status: 'failure', model_group: 'gpt-fail', messages: [{ role: 'user', content: 'this one fails' }] });
      expect(failure.error_information.error_code).toBe(String(failed.status));
      expect(failure.error_information.error_class).toMatch(/^Openai\.\w+Error$/);
      expect(failure.status_fields).toEqual({ llm_api_status: 'failure', error_code: String(failed.status) });
      expect(typeof failure.error_str).toBe('string');
      // Nothing secret reached the blobs.
      const all = JSON.stringify([success, failure]);
      expect(all).not.toContain('sk-upstream-secret-9876');
      expect(all).not.toContain(MASTER_KEY);

      // The request header that turns callbacks off for one call: no blob.
      const quiet = await chat(gw, 'gpt-4o-mini', 'not logged', { 'x-litellm-disable-callbacks': 'azure_storage' });
      expect(quiet.status).toBe(200);
      const marker = await chat(gw, 'gpt-4o-mini', 'logged after');
      await until(async () => (await blobNames(container)).includes(`${today()}/${marker.id}.json`), 20_000, 'marker blob');
      expect(await blobNames(container)).not.toContain(`${today()}/${quiet.id}.json`);
    } finally {
      await gw.close();
    }
  });

  it('honours turn_off_message_logging: messages and response are logged as redacted-by-litellm', async () => {
    const gw = await startGateway(config(upstream.url, { turn_off_message_logging: true }), { env: env(azurite, { AZURE_STORAGE_FILE_SYSTEM: 'redacted-logs' }) });
    const container = containerOf(azurite, 'redacted-logs');
    try {
      const ok = await chat(gw, 'gpt-4o-mini', 'my secret diary');
      const name = `${today()}/${ok.id}.json`;
      await until(async () => (await blobNames(container)).includes(name), 20_000, 'redacted blob');
      const payload = await readBlob(container, name);
      expect(payload.messages).toBe('redacted-by-litellm');
      expect(payload.response).toBe('redacted-by-litellm');
      expect(payload.total_tokens).toBe(10);
      expect(JSON.stringify(payload)).not.toContain('my secret diary');
    } finally {
      await gw.close();
    }
  });

  it('refuses to start without AZURE_STORAGE_FILE_SYSTEM, naming the variable', async () => {
    await expect(startGateway(config(upstream.url), { env: { ...env(azurite), AZURE_STORAGE_FILE_SYSTEM: '' } })).rejects.toThrow(/AZURE_STORAGE_FILE_SYSTEM/);
  });
});

describe('team- and key-based logging', () => {
  async function post(gw: TestGateway, path: string, body: unknown): Promise<any> {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  }

  async function callAs(gw: TestGateway, key: string, content: string): Promise<string> {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
    });
    expect(res.status).toBe(200);
    return res.headers.get('x-litellm-call-id')!;
  }

  it("sends a team's calls to the container of its default_team_settings, a key naming azure_storage uses the gateway's, an opted-out team's reach none, and nothing crosses over", async () => {
    const cfg = config(upstream.url, {
      default_team_settings: [
        {
          team_id: 'team-a',
          success_callback: ['azure_storage'],
          azure_storage_account_name: DEV_ACCOUNT,
          azure_storage_account_url: azurite.accountUrl,
          azure_storage_file_system: 'team-a-logs',
          // An AZURE_STORAGE_* reference is resolved; the team's destination takes nothing else from the gateway's.
          azure_storage_account_key: 'os.environ/AZURE_STORAGE_ACCOUNT_KEY',
        },
      ],
    });
    const gw = await startGateway(cfg, { env: env(azurite, { AZURE_STORAGE_FILE_SYSTEM: 'gateway-logs' }) });
    try {
      await post(gw, '/team/new', { team_id: 'team-a' });
      const teamKey = (await post(gw, '/key/generate', { team_id: 'team-a' })).key;
      // LiteLLM's key-based logging naming azure_storage without vars: the gateway's destination.
      const keyOn = (await post(gw, '/key/generate', { metadata: { logging: [{ callback_name: 'azure_storage', callback_type: 'success', callback_vars: {} }] } })).key;
      // A team that turned logging off (LiteLLM's GDPR opt-out): its calls reach no destination.
      await post(gw, '/team/new', { team_id: 'team-quiet' });
      await post(gw, '/team/team-quiet/disable_logging', {});
      const keyOff = (await post(gw, '/key/generate', { team_id: 'team-quiet' })).key;

      const t = await callAs(gw, teamKey, 'from team a');
      const on = await callAs(gw, keyOn, 'key on');
      const off = await callAs(gw, keyOff, 'key off');
      const g = (await chat(gw, 'gpt-4o-mini', 'from the master key')).id;
      const nameOf = (id: string) => `${today()}/${id}.json`;
      await until(async () => (await blobNames(containerOf(azurite, 'team-a-logs'))).includes(nameOf(t)), 20_000, "the team's blob");
      await until(async () => {
        const names = await blobNames(containerOf(azurite, 'gateway-logs'));
        return names.includes(nameOf(on)) && names.includes(nameOf(g));
      }, 20_000, "the gateway's blobs");
      await gw.gateway.close();
      expect(await blobNames(containerOf(azurite, 'team-a-logs'))).toEqual([nameOf(t)]);
      expect(await blobNames(containerOf(azurite, 'gateway-logs'))).toEqual([nameOf(on), nameOf(g)].sort());
      expect(JSON.stringify(await Promise.all(['team-a-logs', 'gateway-logs'].map(async (c) => blobNames(containerOf(azurite, c)))))).not.toContain(off);
      expect((await readBlob(containerOf(azurite, 'team-a-logs'), nameOf(t))).metadata.user_api_key_team_id).toBe('team-a');
    } finally {
      await gw.close().catch(() => undefined);
    }
  });
});

describe('Azurite down for a while', () => {
  it('keeps the payloads queued, spills them at shutdown, and delivers all of them once Azurite is back on its data folder', async () => {
    const location = tempDir('sluice-azurite-');
    const dataDir = tempDir('sluice-azure-data-');
    let az = await startAzurite({ location });
    const port = az.port;
    const cfg = { ...config(upstream.url), storage: { data_dir: dataDir } } as SluiceConfig;
    let gw = await startGateway(cfg, { env: env(az) });
    const ids: string[] = [];
    try {
      ids.push((await chat(gw, 'gpt-4o-mini', 'before the outage')).id);
      await until(async () => (await blobNames(containerOf(az))).length === 1, 20_000, 'first blob');
      await az.stop();

      // Down: the calls still answer; their payloads wait in the queue.
      for (let i = 0; i < 5; i++) {
        const r = await chat(gw, 'gpt-4o-mini', `during outage ${i}`);
        expect(r.status).toBe(200);
        ids.push(r.id);
      }
      await until(async () => gw.logs.some((l) => /azure_storage/.test(l) && /fail/i.test(l)), 20_000, 'a logged delivery failure');
      // Back on the same folder and port: the queue drains into it; the first blob is still there.
      az = await startAzurite({ location, port });
      await until(async () => (await blobNames(containerOf(az))).length === 6, 30_000, 'queued blobs after restart');
      expect(await blobNames(containerOf(az))).toEqual(ids.map((id) => `${today()}/${id}.json`).sort());

      // Down again, and the gateway stops meanwhile: the payloads go to the spill file ...
      await az.stop();
      const late: string[] = [];
      for (let i = 0; i < 3; i++) late.push((await chat(gw, 'gpt-4o-mini', `spilled ${i}`)).id);
      await gw.close();
      const spill = join(dataDir, 'plugins', 'export-azure-blob', 'azure_storage.spill.jsonl');
      expect(existsSync(spill)).toBe(true);
      const spilled = readFileSync(spill, 'utf8').trim().split('\n').map((l) => {
        // A line is the payload's JSON text as one JSON string (LogDelivery queues texts).
        const row = JSON.parse(l);
        return (typeof row === 'string' ? JSON.parse(row) : row).id;
      });
      expect(spilled.sort()).toEqual([...late].sort());

      // ... and a new gateway on the same data dir replays them once Azurite is back.
      az = await startAzurite({ location, port });
      gw = await startGateway(cfg, { env: env(az) });
      await until(async () => (await blobNames(containerOf(az))).length === 9, 30_000, 'replayed blobs');
      const names = await blobNames(containerOf(az));
      for (const id of late) {
        expect(names).toContain(`${today()}/${id}.json`);
        expect((await readBlob(containerOf(az), `${today()}/${id}.json`)).messages[0].content).toMatch(/^spilled /);
      }
      await until(async () => !existsSync(spill), 10_000, 'spill file removed after replay');
    } finally {
      await gw.close();
      await az.stop();
    }
  }, 90_000);
});
