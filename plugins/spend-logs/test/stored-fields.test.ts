/**
 * LiteLLM_SpendLogs fields beyond the spend itself, end to end on SQLite and Postgres through the
 * openai SDK: a streamed call's row is found by the `chatcmpl-…` id the client got back; its
 * `completionStartTime` is when the stream began; `requester_ip_address` is the client's; with
 * `store_prompts_in_spend_logs` the row keeps `messages`, `response` (assembled for a stream) and
 * `proxy_server_request`, long strings cut as LiteLLM cuts them and secrets scrubbed; without it,
 * those fields are `{}` as in LiteLLM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { DATABASE_BACKENDS, until, type DatabaseBackend } from '../../../test/support/database-backends.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const PROVIDER_KEY = 'sk-provider-key-never-stored-77';

function config(upstream: MockOpenAI, generalSettings: object) {
  return {
    model_list: [{ model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o', api_base: upstream.url, api_key: PROVIDER_KEY } }],
    general_settings: { master_key: MASTER_KEY, ...generalSettings },
    plugins: [{ use: 'spend-logs', config: { flush_interval_ms: 50 } }],
  } as never;
}

async function logOf(gw: TestGateway, requestId: string): Promise<Json> {
  let rows: Json[] = [];
  await until(async () => {
    const res = await fetch(`${gw.url}/spend/logs?request_id=${encodeURIComponent(requestId)}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    rows = (await res.json()) as Json[];
    return Array.isArray(rows) && rows.length > 0;
  });
  return rows[0];
}

async function streamed(client: OpenAI, content: string, extra: object = {}): Promise<{ id: string; text: string }> {
  const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content }], ...extra } as never);
  let id = '';
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<Json>) {
    id ||= chunk.id;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  return { id, text };
}

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(`spend log fields on ${backend.name}`, () => {
    let upstream: MockOpenAI;
    let db: Awaited<ReturnType<DatabaseBackend['open']>>;
    let plain: TestGateway;
    let stored: TestGateway;
    let client: OpenAI;
    let storing: OpenAI;

    beforeAll(async () => {
      upstream = await startMockOpenAI({ uniqueIds: true, reply: 'streamed answer here' });
      db = await backend.open();
      plain = await startGateway(config(upstream, {}), { env: db.env });
      // As a LiteLLM config sets it: general_settings and LiteLLM's environment variable.
      stored = await startGateway(config(upstream, { store_prompts_in_spend_logs: true }), { env: { ...db.env, MAX_STRING_LENGTH_PROMPT_IN_DB: '100' } });
      client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${plain.url}/v1`, maxRetries: 0 });
      storing = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${stored.url}/v1`, maxRetries: 0 });
    }, 30_000);
    afterAll(async () => {
      await plain?.close();
      await stored?.close();
      await db?.drop();
      await upstream?.close();
    });

    it('finds a streamed call by the chatcmpl id the client got, with its first-chunk time and the client address', async () => {
      const { id } = await streamed(client, 'hello stream');
      expect(id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
      const row = await logOf(plain, id);
      expect(row.request_id).toBe(id);
      const start = Date.parse(row.startTime);
      const first = Date.parse(row.completionStartTime);
      const end = Date.parse(row.endTime);
      expect(first).toBeGreaterThanOrEqual(start);
      expect(first).toBeLessThanOrEqual(end);
      expect(row.requester_ip_address).toMatch(/127\.0\.0\.1$/);
      // Off by default, as in LiteLLM.
      expect(row.messages).toEqual({});
      expect(row.response).toEqual({});
      expect(row.proxy_server_request).toEqual({});
    });

    it('a plain call: completionStartTime is its end, as in LiteLLM', async () => {
      const answer = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      const row = await logOf(plain, answer.id);
      expect(row.completionStartTime).toBe(row.endTime);
    });

    it('store_prompts_in_spend_logs keeps messages, the assembled response and the request body, cut and scrubbed', async () => {
      const long = `${'a'.repeat(50)}${'b'.repeat(100)}${'c'.repeat(50)}`; // 200 chars, over the limit of 100
      const content = `my key is ${MASTER_KEY} and ${long}`;
      const { id, text } = await streamed(storing, content, { api_key: 'client-body-credential', metadata: { note: 'kept' } });
      expect(text).toBe('streamed answer here');
      const row = await logOf(stored, id);
      const cut = row.messages[0].content as string;
      // LiteLLM: 35 chars, the marker, 65 chars.
      expect(cut).toBe(`${content.slice(0, 35)}... (litellm_truncated skipped ${content.length - 100} chars) ...${content.slice(-65)}`.replace(MASTER_KEY, '[REDACTED]'));
      expect(JSON.stringify(row)).not.toContain(MASTER_KEY);
      expect(row.messages).toEqual([{ role: 'user', content: cut }]);
      expect(row.proxy_server_request).toMatchObject({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: cut }], metadata: { note: 'kept' } });
      expect(row.proxy_server_request).not.toHaveProperty('api_key');
      expect(JSON.stringify(row)).not.toContain('client-body-credential');
      expect(JSON.stringify(row)).not.toContain(PROVIDER_KEY);
      expect(row.response).toMatchObject({ id, object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'streamed answer here' } }] });
    });

    it('store_prompts_in_spend_logs on a plain call stores the response as sent', async () => {
      const answer = await storing.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'plain one' }] });
      const row = await logOf(stored, answer.id);
      expect(row.messages).toEqual([{ role: 'user', content: 'plain one' }]);
      expect(row.response).toMatchObject({ id: answer.id, choices: [{ message: { content: 'streamed answer here' } }] });
    });
  });
}
