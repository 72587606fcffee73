/**
 * The SDK's logging contract on its own: the StandardLoggingPayload built from a spend event
 * (LiteLLM's fields, redaction, failures), the routing of a call to global / team / key
 * destinations, and LogDelivery's promises (batches, retries, byte bound, spill and replay).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewaySettings, SpendEvent } from './index.js';
import { REDACTED_CONTENT, loggingTargets, resolveCallbackVars, standardLoggingPayload, ResponseRecorder } from './index.js';
import { LogDelivery } from './log-delivery.js';
import { MetricsRegistry } from './metrics.js';

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => silent } as never;

function event(over: Partial<SpendEvent> = {}, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): SpendEvent {
  const reqBody: Record<string, unknown> = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }], temperature: 0.2, api_key: 'sk-client', ...body };
  return {
    requestId: 'req-1',
    endpoint: 'chat',
    principal: { id: 'h', authenticatedBy: 'governance-tenancy', role: 'internal_user', keyHash: 'h', keyAlias: 'alias', userId: 'u1', teamId: 't1', metadata: { team_alias: 'Team One' } },
    model: 'gpt-4o',
    deployment: { id: 'dep-1', modelName: 'gpt-4o', provider: 'openai', model: 'gpt-4o-2024', apiBase: 'https://api.openai.com/v1' },
    status: 'success',
    httpStatus: 200,
    stream: false,
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    cost: 0.02,
    tags: ['t'],
    user: 'end-user-1',
    scopes: [],
    state: {},
    startedAt: 1_700_000_000_000,
    endedAt: 1_700_000_001_500,
    overheadMs: 0.4,
    metadata: (reqBody.metadata as Record<string, unknown>) ?? {},
    ip: '10.0.0.1',
    requestBody: () => reqBody as never,
    requestHeaders: () => headers,
    ...over,
  };
}

const settings = (litellm: Record<string, unknown> = {}): GatewaySettings => ({ general_settings: {}, litellm_settings: litellm, router_settings: {} });

describe('standardLoggingPayload', () => {
  it("carries LiteLLM's fields, content and the key's identity", () => {
    const p = standardLoggingPayload(event(), { response: '{"id":"chatcmpl-1","choices":[{"message":{"content":"hi"}}]}' });
    expect(p).toMatchObject({
      id: 'req-1',
      trace_id: 'req-1',
      call_type: 'acompletion',
      status: 'success',
      response_cost: 0.02,
      total_tokens: 15,
      prompt_tokens: 10,
      completion_tokens: 5,
      startTime: 1_700_000_000,
      endTime: 1_700_000_001.5,
      model: 'gpt-4o-2024',
      model_id: 'dep-1',
      model_group: 'gpt-4o',
      api_base: 'https://api.openai.com/v1',
      custom_llm_provider: 'openai',
      request_tags: ['t'],
      end_user: 'end-user-1',
      requester_ip_address: '10.0.0.1',
      messages: [{ role: 'user', content: 'hello' }],
      response: { id: 'chatcmpl-1', choices: [{ message: { content: 'hi' } }] },
      error_str: null,
      error_information: null,
      model_parameters: { temperature: 0.2 },
    });
    expect(p.metadata).toMatchObject({
      user_api_key_hash: 'h',
      user_api_key_alias: 'alias',
      user_api_key_team_id: 't1',
      user_api_key_user_id: 'u1',
      user_api_key_team_alias: 'Team One',
      user_api_key_end_user_id: 'end-user-1',
    });
    // A credential in the body never reaches a log.
    expect(JSON.stringify(p)).not.toContain('sk-client');
  });

  it('takes the trace id from the request metadata', () => {
    expect(standardLoggingPayload(event({}, { metadata: { trace_id: 'trace-9' } })).trace_id).toBe('trace-9');
  });

  it('describes a failure the way LiteLLM does', () => {
    const p = standardLoggingPayload(event({ status: 'failure', httpStatus: 429, errorMessage: 'rate limited sk-secret', errorCode: 'rate_limit' }), { scrub: (t) => t.replace('sk-secret', '[REDACTED]') });
    expect(p.status).toBe('failure');
    expect(p.error_information).toEqual({ error_code: '429', error_class: 'Openai.RateLimitError', llm_provider: 'openai', traceback: '', error_message: 'rate limited [REDACTED]' });
    expect(p.error_str).toBe('rate limited [REDACTED]');
  });

  it('redacts content: turn_off_message_logging, mask_input / mask_output, the redaction header', () => {
    const off = standardLoggingPayload(event(), { response: '{"a":1}', turnOffMessageLogging: true });
    expect([off.messages, off.response]).toEqual([REDACTED_CONTENT, REDACTED_CONTENT]);
    const masked = standardLoggingPayload(event({}, { metadata: { mask_input: true } }), { response: '{"a":1}' });
    expect([masked.messages, masked.response]).toEqual([REDACTED_CONTENT, { a: 1 }]);
    const header = standardLoggingPayload(event({}, {}, { 'litellm-enable-message-redaction': 'true' }), { response: '{"a":1}' });
    expect(header.messages).toBe(REDACTED_CONTENT);
    const keyInfo = standardLoggingPayload(event(), { redactUserApiKeyInfo: true });
    expect(keyInfo.metadata.user_api_key_hash).toBeNull();
  });

  it('cuts long strings so a queued record is bounded', () => {
    const p = standardLoggingPayload(event({}, { messages: [{ role: 'user', content: 'x'.repeat(200_000) }] }), { maxStringLength: 1000 });
    expect(JSON.stringify(p.messages).length).toBeLessThan(1200);
    expect(JSON.stringify(p.messages)).toContain('litellm_truncated skipped');
  });
});

describe('ResponseRecorder', () => {
  it('keeps what the client got, not the original a guardrail changed', () => {
    const rec = new ResponseRecorder();
    const call = { requestId: 'r1' } as never as Parameters<ResponseRecorder['note']>[0];
    rec.note(call);
    call.onFinalResponse!({ text: '{"secret":"orig"}', sent: '{"secret":"[REDACTED]"}', streamed: false, deployment: {} as never, usage: {} as never });
    expect(rec.take('r1')).toBe('{"secret":"[REDACTED]"}');
    expect(rec.take('r1')).toBeUndefined();
  });
});

describe('loggingTargets', () => {
  const names = ['langfuse'];
  it('follows the success and failure lists', () => {
    const s = settings({ success_callback: ['langfuse'] });
    expect(loggingTargets(event(), { names, settings: s })).toEqual([{ source: 'global', id: 'global' }]);
    expect(loggingTargets(event({ status: 'failure' }), { names, settings: s })).toEqual([]);
    expect(loggingTargets(event({ status: 'failure' }), { names, settings: settings({ callbacks: ['langfuse'] }) })).toHaveLength(1);
  });

  it("sends a team's calls to the team's own destination, and nothing once logging is disabled", () => {
    const teamEvent = (cb: unknown) => event({ principal: { ...event().principal, metadata: { team_metadata: { callback_settings: cb } } } });
    const own = loggingTargets(teamEvent({ success_callback: ['langfuse'], callback_vars: { langfuse_public_key: 'pk-a' } }), { names, settings: settings({ success_callback: ['langfuse'] }) });
    expect(own).toEqual([{ source: 'team', id: 'team:t1', vars: { langfuse_public_key: 'pk-a' } }]);
    const disabled = teamEvent({ success_callback: [], failure_callback: [], callback_vars: {} });
    expect(loggingTargets(disabled, { names, settings: settings({ callbacks: ['langfuse'] }) })).toEqual([]);
  });

  it("adds a team's callbacks to the gateway's (LiteLLM's combined list): the operator's other integrations still get its calls", () => {
    const teamEvent = event({ principal: { ...event().principal, metadata: { team_metadata: { logging: [{ callback_name: 'langfuse', callback_type: 'success', callback_vars: { langfuse_public_key: 'pk-a' } }] } } } });
    const s = settings({ callbacks: ['langfuse', 'datadog'] });
    expect(loggingTargets(teamEvent, { names: ['datadog'], settings: s })).toEqual([{ source: 'global', id: 'global' }]);
    // The integration the team names goes to the team's destination, for failures too (its vars apply to every call).
    expect(loggingTargets(event({ ...teamEvent, status: 'failure' }), { names, settings: s })).toEqual([{ source: 'team', id: 'team:t1', vars: { langfuse_public_key: 'pk-a' } }]);
    expect(loggingTargets(event({ ...teamEvent, status: 'failure' }), { names, settings: settings() })).toEqual([]);
  });

  it("prefers the key's metadata.logging, and honours x-litellm-disable-callbacks", () => {
    const keyEvent = event({ principal: { ...event().principal, metadata: { metadata: { logging: [{ callback_name: 'langfuse', callback_type: 'success', callback_vars: { langfuse_host: 'h' } }] } } } });
    expect(loggingTargets(keyEvent, { names, settings: settings() })).toEqual([{ source: 'key', id: 'key:h', vars: { langfuse_host: 'h' } }]);
    const off = event({}, {}, { 'x-litellm-disable-callbacks': 'datadog, Langfuse' });
    expect(loggingTargets(off, { names, settings: settings({ callbacks: ['langfuse'] }) })).toEqual([]);
    expect(loggingTargets(off, { names, settings: settings({ callbacks: ['langfuse'], allow_dynamic_callback_disabling: false }) })).toHaveLength(1);
  });

  it("an empty metadata.logging (a team's last callback removed) brings the gateway's logging back; disable_logging does not", () => {
    const teamEvent = (meta: Record<string, unknown>) => event({ principal: { ...event().principal, metadata: { team_metadata: meta } } });
    const s = settings({ callbacks: ['langfuse'] });
    expect(loggingTargets(teamEvent({ logging: [] }), { names, settings: s })).toEqual([{ source: 'global', id: 'global' }]);
    const disabled = { logging: [], callback_settings: { success_callback: [], failure_callback: [], callback_vars: {} } };
    expect(loggingTargets(teamEvent(disabled), { names, settings: s })).toEqual([]);
  });

  it('uses default_team_settings for a team without its own', () => {
    const s = settings({ default_team_settings: [{ team_id: 't1', success_callback: ['langfuse'], langfuse_public_key: 'pk-d' }] });
    expect(loggingTargets(event(), { names, settings: s })).toEqual([{ source: 'default_team', id: 'default_team:t1', vars: { langfuse_public_key: 'pk-d' } }]);
  });

  it('resolves only the environment names an integration admits', async () => {
    const env: Record<string, string> = { LANGFUSE_SECRET_KEY: 'sk-lf', DATABASE_URL: 'postgres://secret' };
    const out = await resolveCallbackVars({ a: 'os.environ/LANGFUSE_SECRET_KEY', b: 'os.environ/DATABASE_URL', c: 'plain' }, async (n) => env[n], (n) => n.startsWith('LANGFUSE_'));
    expect(out).toEqual({ a: 'sk-lf', c: 'plain' });
  });
});

describe('LogDelivery', () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('batches, retries a failing destination and delivers everything once it answers', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-delivery-'));
    const got: number[] = [];
    let down = true;
    const metrics = new MetricsRegistry();
    const d = new LogDelivery<{ n: number }>({
      name: 'test-dest',
      dataDir: dir,
      log: silent,
      metrics: metrics.forOwner('p'),
      batchSize: 10,
      flushIntervalMs: 20,
      retryMinMs: 10,
      retryMaxMs: 20,
      send: async (batch) => {
        if (down) throw new Error('down');
        expect(batch.texts.length).toBeLessThanOrEqual(10);
        for (const item of batch.items()) got.push(item.n);
      },
    });
    for (let i = 0; i < 35; i++) d.push({ n: i });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    expect(d.stats.failures).toBeGreaterThan(0);
    down = false;
    for (let i = 0; i < 50 && got.length < 35; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([...Array(35).keys()]);
    await d.close();
    expect(metrics.value('logging_delivered_total', { integration: 'test-dest' })).toBe(35);
  });

  it('spills past its byte bound and at shutdown, and a new delivery replays the spill', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-delivery-'));
    const first = new LogDelivery<{ s: string }>({ name: 'dest', dataDir: dir, log: silent, maxQueuedBytes: 1000, flushIntervalMs: 10_000, send: async () => Promise.reject(new Error('down')) });
    for (let i = 0; i < 20; i++) first.push({ s: 'x'.repeat(200) });
    expect(first.stats.queuedBytes).toBeLessThanOrEqual(1000);
    await first.close();
    expect(first.stats.spilled).toBe(20);
    expect(existsSync(join(dir, 'dest.spill.jsonl'))).toBe(true);
    expect((await readFile(join(dir, 'dest.spill.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(20);

    const got: string[] = [];
    const second = new LogDelivery<{ s: string }>({ name: 'dest', dataDir: dir, log: silent, flushIntervalMs: 10, send: async (b) => void got.push(...b.items().map((i) => i.s)) });
    for (let i = 0; i < 100 && got.length < 20; i++) await new Promise((r) => setTimeout(r, 20));
    await second.close();
    expect(got).toHaveLength(20);
    expect(second.stats.replayed).toBe(20);
  });

  it('replays a spill a batch at a time, and keeps what a failure mid-replay left for the next try', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-delivery-'));
    const first = new LogDelivery<{ n: number }>({ name: 'mid', dataDir: dir, log: silent, flushIntervalMs: 10_000, send: async () => Promise.reject(new Error('down')) });
    for (let i = 0; i < 25; i++) first.push({ n: i });
    await first.close();
    const got: number[] = [];
    let calls = 0;
    const second = new LogDelivery<{ n: number }>({
      name: 'mid', dataDir: dir, log: silent, batchSize: 10, flushIntervalMs: 10, retryMinMs: 10, retryMaxMs: 10,
      send: async (b) => {
        calls++;
        expect(b.texts.length).toBeLessThanOrEqual(10);
        if (calls === 2) throw new Error('flaky'); // the second batch of the replay fails once
        got.push(...b.items().map((i) => i.n));
      },
    });
    for (let i = 0; i < 100 && got.length < 25; i++) await new Promise((r) => setTimeout(r, 20));
    await second.close();
    expect(got).toEqual([...Array(25).keys()]);
    expect(existsSync(join(dir, 'mid.replay.jsonl'))).toBe(false);
  });

  it('cuts off a destination that hangs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-delivery-'));
    const d = new LogDelivery<number>({ name: 'hang', dataDir: dir, log: silent, timeoutMs: 50, retryMinMs: 1000, flushIntervalMs: 10, send: () => new Promise(() => {}) });
    d.push(1);
    for (let i = 0; i < 50 && d.stats.failures === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(d.stats.failures).toBe(1);
    expect(d.stats.queued).toBe(1);
    await d.close();
  });
});
