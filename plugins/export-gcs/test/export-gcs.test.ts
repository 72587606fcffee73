/**
 * export-gcs end to end: gateways configured the LiteLLM way (`callbacks: ["gcs_bucket"]`,
 * GCS_BUCKET_NAME with a folder, GCS_PATH_SERVICE_ACCOUNT) write StandardLoggingPayloads into a
 * local GCS (fake-gcs.ts, proven with the official client first) through @google-cloud/storage,
 * authenticated with tokens the service account obtained at the key's token_uri: NDJSON batches by
 * default, one object per call with GCS_USE_BATCHED_LOGGING=false, a team's own bucket from its
 * callback_vars, and logs kept while GCS is down, delivered when it is back or replayed from the
 * spill file by the next gateway.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { startFakeGcs, type FakeGcs, type StoredObject } from './fake-gcs.js';

const today = () => new Date().toISOString().slice(0, 10);

async function chat(gw: TestGateway, key: string, content: string): Promise<{ status: number; id: string; body: Record<string, unknown> }> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, id: res.headers.get('x-litellm-call-id') ?? '', body: (await res.json()) as Record<string, unknown> };
}

async function admin(gw: TestGateway, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, `${path}: ${JSON.stringify(json)}`).toBe(200);
  return json;
}

/** Every logged payload in a bucket, whichever object (NDJSON batch or single) holds it. */
function logged(fake: FakeGcs, bucket: string): { object: StoredObject; payload: Record<string, any> }[] {
  const out: { object: StoredObject; payload: Record<string, any> }[] = [];
  for (const o of fake.objects.values()) {
    if (o.bucket !== bucket) continue;
    for (const line of o.data.toString('utf8').split('\n')) if (line.trim()) out.push({ object: o, payload: JSON.parse(line) as Record<string, any> });
  }
  return out;
}

async function waitForLogged(fake: FakeGcs, bucket: string, ids: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = logged(fake, bucket);
    if (ids.every((id) => all.some((l) => l.payload.id === id))) return all;
    if (Date.now() > deadline) throw new Error(`${ids.join(', ')} not logged in ${bucket}; it holds ${JSON.stringify([...fake.objects.keys()])}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('export-gcs against a local GCS', () => {
  let upstream: FakeUpstream;
  let fake: FakeGcs;
  const gcsConfig = () => proxyConfig(upstream.url, { litellm_settings: { callbacks: ['gcs_bucket'] } });
  const env = (extra: Record<string, string> = {}) => ({
    GCS_BUCKET_NAME: 'llm-logs/sluice/prod',
    GCS_PATH_SERVICE_ACCOUNT: fake.serviceAccountFile,
    GCS_FLUSH_INTERVAL: '0.2',
    STORAGE_EMULATOR_HOST: fake.url,
    ...extra,
  });

  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      if (JSON.stringify(req.body).includes('please fail')) return sendJson(res, 400, { error: { message: 'bad prompt', type: 'invalid_request_error' } });
      sendJson(res, 200, {
        id: `chatcmpl-gcs-${upstream.requests.length}`,
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'logged answer' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      });
    });
    fake = await startFakeGcs(['llm-logs', 'team-a-logs']);
    fake.requireToken = true;
  });
  afterAll(async () => {
    await upstream.close();
    await fake.close();
  });

  it('writes NDJSON batches under the bucket folder, authenticated with the service account', async () => {
    const gw = await startGateway(gcsConfig(), { env: env() });
    try {
      const ok = await chat(gw, MASTER_KEY, 'batched hello');
      const bad = await chat(gw, MASTER_KEY, 'please fail');
      expect([ok.status, bad.status]).toEqual([200, 400]);
      const all = await waitForLogged(fake, 'llm-logs', [ok.id, bad.id]);
      for (const { object } of all) {
        expect(object.name).toMatch(new RegExp(`^sluice/prod/${today()}/batch-\\d{13}-[0-9a-f]{8}\\.ndjson$`));
        expect(object.contentType).toBe('application/json');
      }
      const success = all.find((l) => l.payload.id === ok.id)!.payload;
      expect(success).toMatchObject({ status: 'success', call_type: 'acompletion', messages: [{ role: 'user', content: 'batched hello' }], total_tokens: 5 });
      expect(JSON.stringify(success.response)).toContain('logged answer');
      const failure = all.find((l) => l.payload.id === bad.id)!.payload;
      expect(failure).toMatchObject({ status: 'failure', error_information: { error_code: '400', error_class: 'Openai.BadRequestError' } });
      // Every upload carried a token the service account got from the key's token_uri.
      expect(fake.tokensIssued.length).toBeGreaterThan(0);
      const uploads = fake.calls.filter((c) => c.path.startsWith('/upload/storage/v1/b/llm-logs/o'));
      expect(uploads.length).toBeGreaterThan(0);
      for (const u of uploads) expect(fake.tokensIssued.map((t) => `Bearer ${t}`)).toContain(u.authorization);
      // The token never shows in the gateway's logs.
      for (const t of fake.tokensIssued) expect(gw.logs.join('\n')).not.toContain(t);
    } finally {
      await gw.close();
    }
  });

  it('writes one object per call with GCS_USE_BATCHED_LOGGING=false: {date}/{response id}, {date}/failure-{id}', async () => {
    const gw = await startGateway(gcsConfig(), { env: env({ GCS_USE_BATCHED_LOGGING: 'false' }) });
    try {
      const ok = await chat(gw, MASTER_KEY, 'single hello');
      const bad = await chat(gw, MASTER_KEY, 'please fail again');
      const all = await waitForLogged(fake, 'llm-logs', [ok.id, bad.id]);
      const responseId = ok.body.id as string;
      expect(responseId).toMatch(/^chatcmpl-gcs-/);
      const single = all.find((l) => l.payload.id === ok.id)!;
      expect(single.object.name).toBe(`sluice/prod/${today()}/${responseId}`);
      expect(single.object.data.toString('utf8').split('\n')).toHaveLength(1);
      expect(all.find((l) => l.payload.id === bad.id)!.object.name).toBe(`sluice/prod/${today()}/failure-${bad.id}`);
    } finally {
      await gw.close();
    }
  });

  it("sends a team's calls to the team's own bucket (callback_vars), never to the gateway's", async () => {
    const gw = await startGateway(gcsConfig(), { env: env({ GCS_TEAM_A_BUCKET: 'team-a-logs' }) });
    try {
      await admin(gw, '/team/new', { team_id: 'team-a', team_alias: 'Team A' });
      await admin(gw, '/team/team-a/callback', { callback_name: 'gcs_bucket', callback_type: 'success_and_failure', callback_vars: { gcs_bucket_name: 'os.environ/GCS_TEAM_A_BUCKET' } });
      const teamKey = (await admin(gw, '/key/generate', { team_id: 'team-a' })).key as string;
      const teamCall = await chat(gw, teamKey, 'team a secret plans');
      const gatewayCall = await chat(gw, MASTER_KEY, 'gateway call');
      expect([teamCall.status, gatewayCall.status]).toEqual([200, 200]);
      const teamLogs = await waitForLogged(fake, 'team-a-logs', [teamCall.id]);
      await waitForLogged(fake, 'llm-logs', [gatewayCall.id]);
      expect(teamLogs.find((l) => l.payload.id === teamCall.id)!.payload.metadata).toMatchObject({ user_api_key_team_id: 'team-a' });
      // The team's bucket name has no folder: objects sit at the bucket's root.
      expect(teamLogs[0]!.object.name).toMatch(new RegExp(`^${today()}/batch-`));
      expect(logged(fake, 'llm-logs').some((l) => l.payload.id === teamCall.id)).toBe(false);
      expect(logged(fake, 'team-a-logs').some((l) => l.payload.id === gatewayCall.id)).toBe(false);
    } finally {
      await gw.close();
    }
  });

  it('keeps the logs while GCS is down, delivers them when it is back, and replays a shutdown spill at the next start', async () => {
    const dataDir = tempDir('export-gcs-data-');
    const config = { ...gcsConfig(), storage: { data_dir: dataDir } };
    const gw = await startGateway(config, { env: env() });
    let spilled: { id: string };
    try {
      fake.down = true;
      const call = await chat(gw, MASTER_KEY, 'while gcs is down');
      expect(call.status).toBe(200);
      await expect.poll(() => gw.gateway.metrics.registry.value('logging_failures_total', { integration: 'gcs_bucket' }) ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(logged(fake, 'llm-logs').some((l) => l.payload.id === call.id)).toBe(false);
      fake.down = false;
      await waitForLogged(fake, 'llm-logs', [call.id]);

      fake.down = true;
      spilled = await chat(gw, MASTER_KEY, 'down at shutdown');
    } finally {
      await gw.close();
      fake.down = false;
    }
    expect(existsSync(join(dataDir, 'plugins', 'export-gcs', 'gcs_bucket.spill.jsonl'))).toBe(true);
    expect(logged(fake, 'llm-logs').some((l) => l.payload.id === spilled.id)).toBe(false);
    const next = await startGateway(config, { env: env() });
    try {
      // No call needed: the gateway's own bucket is opened at start and its spill replayed.
      await waitForLogged(fake, 'llm-logs', [spilled.id]);
    } finally {
      await next.close();
    }
  });

  it('refuses to start with an unreadable GCS_PATH_SERVICE_ACCOUNT, naming the variable', async () => {
    await expect(startGateway(gcsConfig(), { env: env({ GCS_PATH_SERVICE_ACCOUNT: '/nonexistent/sa.json' }) })).rejects.toThrow(/GCS_PATH_SERVICE_ACCOUNT: cannot read the service-account key file/);
  });
});
