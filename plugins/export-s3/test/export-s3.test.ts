/**
 * export-s3 end to end: gateways configured the LiteLLM way (`callbacks: ["s3"]`,
 * `s3_callback_params` with os.environ/ credentials) write StandardLoggingPayload objects into a
 * real local S3 server (s3rver) under LiteLLM's key layout; SSE headers go on the wire; a call that
 * turned the callback off or whose team disabled logging writes nothing; S3 down → the logs wait,
 * are spilled at shutdown and delivered by the next gateway once S3 is back.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { tcpRelay, type TcpRelay } from '../../../test/support/tcp-relay.js';
import { S3RVER_CREDENTIALS, startS3Store, type S3Store } from './s3-store.js';

const ENV = { LOGS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, LOGS_SECRET: S3RVER_CREDENTIALS.secretAccessKey };
const KEY_PATTERN = /^llm-logs\/(?:([^/]+)\/)?(\d{4}-\d{2}-\d{2})\/time-(\d{2}-\d{2}-\d{2}-\d{6})_([^/]+)\.json$/;

function s3Config(upstream: FakeUpstream, endpoint: string, params: Record<string, unknown> = {}, extra: Partial<SluiceConfig> = {}): SluiceConfig {
  return proxyConfig(upstream.url, {
    litellm_settings: {
      callbacks: ['s3'],
      s3_callback_params: {
        s3_bucket_name: 'llm-logs',
        s3_region_name: 'us-east-1',
        s3_endpoint_url: endpoint,
        s3_aws_access_key_id: 'os.environ/LOGS_KEY_ID',
        s3_aws_secret_access_key: 'os.environ/LOGS_SECRET',
        s3_path: 'llm-logs',
        s3_flush_interval: 0.2,
        ...params,
      },
    },
    ...extra,
  });
}

async function chat(gw: TestGateway, key: string, content: string, headers: Record<string, string> = {}): Promise<{ status: number; id: string; body: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, id: res.headers.get('x-litellm-call-id') ?? '', body: (await res.json()) as Record<string, unknown> };
}

async function admin(gw: TestGateway, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

function reader(store: S3Store): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: store.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
}

async function keysIn(client: S3Client, bucket: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

/** Waits until an object for each request id exists; returns all keys. */
async function waitForObjects(client: S3Client, bucket: string, ids: string[], timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const keys = await keysIn(client, bucket);
    if (ids.every((id) => keys.some((k) => k.endsWith(`_${id}.json`)))) return keys;
    if (Date.now() > deadline) throw new Error(`objects for ${ids.join(', ')} not written; bucket holds ${JSON.stringify(keys)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readObject(client: S3Client, bucket: string, key: string) {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { json: JSON.parse(await got.Body!.transformToString()) as Record<string, any>, contentType: got.ContentType, disposition: got.ContentDisposition, cacheControl: got.CacheControl };
}

describe('export-s3 against a local S3 server', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      const text = JSON.stringify(req.body);
      if (text.includes('please fail')) return sendJson(res, 429, { error: { message: 'slow down', type: 'rate_limit_error' } });
      sendJson(res, 200, {
        id: `chatcmpl-${upstream.requests.length}`,
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'the answer is 42' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
      });
    });
  });
  afterAll(() => upstream.close());

  describe('one gateway, callbacks: ["s3"]', () => {
    let store: S3Store;
    let gw: TestGateway;
    let client: S3Client;
    let teamKey: string;
    let quietTeamKey: string;
    beforeAll(async () => {
      store = await startS3Store('llm-logs');
      gw = await startGateway(s3Config(upstream, store.url, { s3_use_team_prefix: true, s3_server_side_encryption: 'aws:kms', s3_sse_kms_key_id: 'alias/llm-logs' }), { env: ENV });
      client = reader(store);
      const team = await admin(gw, '/team/new', { team_id: 'team-research', team_alias: 'Research' });
      expect(team.team_id).toBe('team-research');
      teamKey = (await admin(gw, '/key/generate', { team_id: 'team-research', key_alias: 'research-bot' })).key as string;
      await admin(gw, '/team/new', { team_id: 'team-quiet', team_alias: 'Quiet' });
      quietTeamKey = (await admin(gw, '/key/generate', { team_id: 'team-quiet' })).key as string;
      await admin(gw, '/team/team-quiet/disable_logging', {});
    });
    afterAll(async () => {
      await gw?.close();
      client?.destroy();
      await store?.close();
    });

    it("writes one StandardLoggingPayload object per call under LiteLLM's key layout, in the team's folder", async () => {
      const call = await chat(gw, teamKey, 'what is six times seven?');
      expect(call.status).toBe(200);
      const keys = await waitForObjects(client, store.bucket, [call.id]);
      const key = keys.find((k) => k.endsWith(`_${call.id}.json`))!;
      const m = KEY_PATTERN.exec(key)!;
      expect(m, key).not.toBeNull();
      expect(m[1]).toBe('Research');
      expect(m[2]).toBe(new Date().toISOString().slice(0, 10));
      const obj = await readObject(client, store.bucket, key);
      expect(obj.contentType).toBe('application/json');
      expect(obj.cacheControl).toBe('private, immutable, max-age=31536000, s-maxage=0');
      expect(obj.disposition).toBe(`inline; filename="time-${m[2]}T${m[3]}_${call.id}.json"`);
      expect(obj.json).toMatchObject({
        id: call.id,
        call_type: 'acompletion',
        status: 'success',
        model_group: 'gpt-4o-mini',
        total_tokens: 12,
        messages: [{ role: 'user', content: 'what is six times seven?' }],
        metadata: { user_api_key_team_id: 'team-research', user_api_key_team_alias: 'Research', user_api_key_alias: 'research-bot' },
      });
      expect(JSON.stringify(obj.json.response)).toContain('the answer is 42');
      // The key's layout follows the payload's own start time.
      expect(m[3]).toBe(new Date(obj.json.startTime * 1000).toISOString().slice(11, 23).replace(/[:.]/g, '-') + '000');
      // Neither the upstream key nor the S3 secret ends up in the log.
      expect(JSON.stringify(obj.json)).not.toContain('sk-upstream-secret-9876');
    });

    it('sends the server-side encryption headers with every PutObject', async () => {
      const puts = store.requests.filter((r) => r.method === 'PUT' && r.url.startsWith('/llm-logs/llm-logs/'));
      expect(puts.length).toBeGreaterThan(0);
      for (const put of puts) {
        expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
        expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/llm-logs');
        expect(put.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\//);
      }
    });

    it('writes a failure payload with the error for a call the upstream refused', async () => {
      const call = await chat(gw, MASTER_KEY, 'please fail');
      expect(call.status).toBe(429);
      const keys = await waitForObjects(client, store.bucket, [call.id]);
      const key = keys.find((k) => k.endsWith(`_${call.id}.json`))!;
      // No team: no team folder.
      expect(KEY_PATTERN.exec(key)![1]).toBeUndefined();
      const { json } = await readObject(client, store.bucket, key);
      expect(json).toMatchObject({ id: call.id, status: 'failure', error_information: { error_code: '429', error_class: 'Openai.RateLimitError' } });
      expect(json.error_str).toContain('slow down');
    });

    it('writes nothing for a call that turned s3 off, nor for a team that disabled logging', async () => {
      const off = await chat(gw, MASTER_KEY, 'not logged', { 'x-litellm-disable-callbacks': 's3' });
      const quiet = await chat(gw, quietTeamKey, 'gdpr opt-out');
      const marker = await chat(gw, MASTER_KEY, 'logged after them');
      expect([off.status, quiet.status, marker.status]).toEqual([200, 200, 200]);
      const keys = await waitForObjects(client, store.bucket, [marker.id]);
      // The later call is written: the earlier two had their chance and were not.
      expect(keys.some((k) => k.includes(off.id))).toBe(false);
      expect(keys.some((k) => k.includes(quiet.id))).toBe(false);
      expect(keys.some((k) => k.includes('/Quiet/'))).toBe(false);
    });
  });

  it("honours s3_use_key_prefix, s3_strip_base64_files and s3_log_prompts_only (string values, as from the environment)", async () => {
    const store = await startS3Store('llm-logs');
    const client = reader(store);
    const gw = await startGateway(s3Config(upstream, store.url, { s3_use_team_prefix: 'true', s3_use_key_prefix: 'true', s3_strip_base64_files: 'true', s3_log_prompts_only: 'true' }), { env: ENV });
    try {
      const key = (await admin(gw, '/key/generate', { key_alias: 'vision-bot' })).key as string;
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'describe data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB and this' },
                { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB' } },
                { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
              ],
            },
          ],
        }),
      });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-litellm-call-id')!;
      const keys = await waitForObjects(client, store.bucket, [id]);
      const objectKey = keys.find((k) => k.endsWith(`_${id}.json`))!;
      // No team: only the key alias folder.
      expect(objectKey).toMatch(new RegExp(`^llm-logs/vision-bot/\\d{4}-\\d{2}-\\d{2}/time-`));
      const { json } = await readObject(client, store.bucket, objectKey);
      expect(json.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'describe [BASE64_REDACTED] and this' }] }]);
      expect(json.response).toBeNull();
    } finally {
      await gw.close();
      client.destroy();
      await store.close();
    }
  });

  it('keeps the logs while S3 is down, spills them at shutdown and the next gateway delivers them', async () => {
    const store = await startS3Store('llm-logs');
    const relay: TcpRelay = await tcpRelay('127.0.0.1', store.port);
    const client = reader(store);
    const dataDir = tempDir('export-s3-data-');
    const config = s3Config(upstream, `http://127.0.0.1:${relay.port}`, {}, { storage: { data_dir: dataDir } });
    const gw1 = await startGateway(config, { env: ENV });
    try {
      // Down, then back: the queued log is retried and written by the same gateway.
      relay.cut();
      const a = await chat(gw1, MASTER_KEY, 'while down');
      expect(a.status).toBe(200);
      await expect.poll(() => gw1.gateway.metrics.registry.value('logging_failures_total', { integration: 's3' }) ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
      relay.restore();
      await waitForObjects(client, store.bucket, [a.id]);

      // Down until shutdown: the log goes to the spill file.
      relay.cut();
      const b = await chat(gw1, MASTER_KEY, 'spilled');
      const c = await chat(gw1, MASTER_KEY, 'spilled too');
      expect([b.status, c.status]).toEqual([200, 200]);
    } finally {
      await gw1.close();
    }
    const spill = join(dataDir, 'plugins', 'export-s3', 's3.spill.jsonl');
    expect(existsSync(spill), `spill file in ${readdirSync(join(dataDir, 'plugins', 'export-s3')).join(', ')}`).toBe(true);
    const before = await keysIn(client, store.bucket);
    expect(before).toHaveLength(1);

    relay.restore();
    const gw2 = await startGateway(config, { env: ENV });
    try {
      // No new call: the spill file is replayed on its own.
      await expect.poll(async () => (await keysIn(client, store.bucket)).length, { timeout: 15_000 }).toBe(3);
      const keys = await keysIn(client, store.bucket);
      for (const k of keys) expect(k).toMatch(KEY_PATTERN);
      const bodies = await Promise.all(keys.map((k) => readObject(client, store.bucket, k)));
      expect(bodies.map((o) => (o.json.messages as Array<{ content: string }>)[0]!.content).sort()).toEqual(['spilled', 'spilled too', 'while down']);
    } finally {
      await gw2.close();
      client.destroy();
      await relay.close();
      await store.close();
    }
  });

  it('refuses to start without s3_bucket_name, with a clear message', async () => {
    const store = await startS3Store('llm-logs');
    try {
      await expect(startGateway(s3Config(upstream, store.url, { s3_bucket_name: undefined }), { env: ENV })).rejects.toThrow(/s3_bucket_name is required/);
    } finally {
      await store.close();
    }
  });
});
