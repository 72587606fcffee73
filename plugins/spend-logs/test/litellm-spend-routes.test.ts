/**
 * Issue 14, item 3 (spend): rows keyed by the provider's response id as LiteLLM keys `request_id`
 * (the `chatcmpl-…` the client got back finds its row), every LiteLLM_SpendLogs field in the
 * answer, and LiteLLM's global spend views (/global/spend/logs, /global/spend/keys,
 * /global/spend/models, /global/spend) read from the rollups.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';

let gw: TestGateway;

async function call(method: string, path: string, body?: unknown, key = MASTER_KEY) {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), text };
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('not written in time');
}

beforeAll(async () => {
  gw = await startGateway({
    model_list: [{ model_name: 'priced', litellm_params: { model: 'fake/priced', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } }],
    general_settings: { master_key: MASTER_KEY },
    plugins: [{ use: 'spend-logs@^1', config: { flush_interval_ms: 50 } }],
  } as SluiceConfig);
});
afterAll(async () => {
  await gw?.close();
});

describe('spend logs as LiteLLM keys and shows them', () => {
  let key: string;
  let responseId: string;

  it("finds a call's row by the id its client got back, with every LiteLLM_SpendLogs field", async () => {
    key = (await call('POST', '/key/generate', { key_alias: 'spend-routes' })).json.key;
    const answer = await call('POST', '/v1/chat/completions', { model: 'priced', messages: [{ role: 'user', content: 'find me by my id' }] }, key);
    expect(answer.status).toBe(200);
    responseId = answer.json.id;
    expect(responseId).toMatch(/^chatcmpl-/);
    const rows = await until(async () => {
      const r = await call('GET', `/spend/logs?request_id=${responseId}`);
      return r.json.length > 0 ? r.json : undefined;
    });
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row.request_id).toBe(responseId);
    expect(row.api_key).toBe(createHash('sha256').update(key).digest('hex'));
    for (const f of ['call_type', 'spend', 'total_tokens', 'prompt_tokens', 'completion_tokens', 'startTime', 'endTime', 'completionStartTime', 'model', 'model_id', 'model_group', 'api_base', 'user', 'metadata', 'cache_hit', 'cache_key', 'request_tags', 'team_id', 'end_user', 'requester_ip_address', 'messages', 'response', 'proxy_server_request', 'session_id', 'status']) {
      expect(row, f).toHaveProperty(f);
    }
    // store_prompts_in_spend_logs off (LiteLLM's default): no prompt, no answer stored.
    expect(row.messages).toEqual({});
    expect(row.response).toEqual({});
    // The gateway's own id still finds it.
    expect((await call('GET', `/spend/logs?request_id=${row.sluice_request_id}`)).json[0].request_id).toBe(responseId);
  });

  it('answers /global/spend/logs, /global/spend/keys, /global/spend/models and /global/spend from the rollups', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const days = await until(async () => {
      const r = (await call('GET', '/global/spend/logs')).json as Array<{ date: string; spend: number }>;
      return r.some((d) => d.date.startsWith(today) && d.spend > 0) ? r : undefined;
    });
    expect(days.at(-1)!.date).toBe(`${today}T00:00:00+00:00`);
    const ofKey = (await call('GET', `/global/spend/logs?api_key=${key}`)).json;
    expect(ofKey).toHaveLength(1);
    expect(ofKey[0].spend).toBeGreaterThan(0);
    expect((await call('GET', '/global/spend/logs?api_key=sk-not-a-key-that-spent')).json).toEqual([]);

    const keys = (await call('GET', '/global/spend/keys?limit=1')).json;
    expect(keys).toEqual([{ api_key: createHash('sha256').update(key).digest('hex'), key_alias: null, key_name: null, total_spend: expect.any(Number) }]);
    const models = (await call('GET', '/global/spend/models?limit=5')).json;
    expect(models).toEqual([{ model: 'priced', total_spend: keys[0].total_spend }]);
    const total = (await call('GET', '/global/spend')).json;
    expect(total.spend).toBeCloseTo(keys[0].total_spend, 12);
    expect(total).toHaveProperty('max_budget');
    expect((await call('GET', '/global/spend/keys?limit=0')).status).toBe(400);
  });
});
