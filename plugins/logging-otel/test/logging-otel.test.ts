/**
 * LiteLLM's `callbacks: ["otel"]` (and arize, arize_phoenix, langfuse_otel) through real gateways,
 * a fake provider that records the headers it got, and the local OTLP receiver (proven with the
 * official exporter in otlp-receiver.test.ts): the call's spans arrive with LiteLLM's names,
 * GenAI attributes and parent/child ids; the client's traceparent is honoured and the provider
 * gets one naming the raw_gen_ai_request span; failures are ERROR with the error; content is
 * absent under turn_off_message_logging; a collector that is down and comes back gets every call;
 * each OTLP vendor gets its endpoint and auth headers.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const PROMPT = 'what is the capital of Freedonia';
const ANSWER = 'Fredville is the capital';
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

let upstream: FakeUpstream;
let receiver: OtlpReceiver;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  upstream = await startFakeUpstream((req, res) => {
    if (req.body?.model === 'gpt-fail') return sendJson(res, 429, { error: { message: 'slow down', type: 'rate_limit_error' } });
    if (req.body?.stream) {
      const chunk = (delta: object, finish: string | null, usage?: object) => ({ id: 'chatcmpl-stream-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage && { usage }) });
      return sendSse(res, [chunk({ role: 'assistant', content: 'Fredville ' }, null), chunk({ content: 'is the capital' }, 'stop'), { ...chunk({}, null), choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } }]);
    }
    sendJson(res, 200, {
      id: 'chatcmpl-otel-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
    });
  });
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

afterAll(async () => {
  await Promise.all([receiver?.close(), upstream?.close()]);
});

function config(litellm: Record<string, unknown>, pluginConfig: Record<string, unknown> = {}): SluiceConfig {
  const params = { api_base: upstream.url, api_key: 'sk-upstream-secret-9876' };
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', ...params }, model_info: { id: 'dep-ok' } },
      { model_name: 'gpt-fail', litellm_params: { model: 'openai/gpt-fail', ...params }, model_info: { id: 'dep-fail' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { num_retries: 0 },
    litellm_settings: { num_retries: 0, ...litellm },
    plugins: [{ use: 'logging-otel', config: { flush_interval_ms: 50, export_timeout_ms: 500, ...pluginConfig } }],
  } as SluiceConfig;
}

async function gateway(cfg: SluiceConfig, env: Record<string, string>): Promise<TestGateway> {
  const gw = await startGateway(cfg, { env });
  gateways.push(gw);
  return gw;
}

const otelEnv = (): Record<string, string> => ({
  OTEL_EXPORTER: 'otlp_http',
  OTEL_ENDPOINT: receiver.url,
  OTEL_HEADERS: 'x-honeycomb-team=hc-secret-123,x-scope=a%3Db',
  OTEL_SERVICE_NAME: 'sluice-under-test',
});

async function chat(gw: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }], ...body }),
  });
  return { status: res.status, json: (await res.json()) as any, requestId: res.headers.get('x-litellm-call-id') }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function until<T>(check: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The spans of the trace whose litellm_request carries `marker` as its end user (the request's `user`). */
function callTrace(marker: string, names = ['litellm_request', 'raw_gen_ai_request', 'gateway_overhead']): ReceivedSpan[] | undefined {
  const root = receiver.spans.find((s) => s.name === 'litellm_request' && s.attributes['llm.user'] === marker);
  if (!root) return undefined;
  const family = receiver.spans.filter((s) => s.traceId === root.traceId && (s.spanId === root.spanId || s.parentSpanId === root.spanId));
  return names.every((n) => family.some((s) => s.name === n)) ? family : undefined;
}

describe('callbacks: ["otel"]', () => {
  it('sends litellm_request with GenAI and LiteLLM attributes, its children, under the client traceparent, and tells the provider', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), otelEnv());
    const seen = upstream.requests.length;
    const r = await chat(
      gw,
      { user: 'u-traced', temperature: 0.3, max_tokens: 50, metadata: { session_id: 's-1' } },
      { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'vendor=opaque' },
    );
    expect(r.status).toBe(200);
    const spans = await until(() => callTrace('u-traced'));
    const root = spans.find((s) => s.name === 'litellm_request')!;
    const raw = spans.find((s) => s.name === 'raw_gen_ai_request')!;
    const own = spans.find((s) => s.name === 'gateway_overhead')!;

    // The client's trace, its span as parent; children under litellm_request.
    expect(root.traceId).toBe(CLIENT_TRACE);
    expect(root.parentSpanId).toBe(CLIENT_SPAN);
    expect(root.traceState).toBe('vendor=opaque');
    expect(raw.parentSpanId).toBe(root.spanId);
    expect(own.parentSpanId).toBe(root.spanId);
    expect(raw.kind).toBe(3);
    expect(new Set([root.spanId, raw.spanId, own.spanId]).size).toBe(3);
    // Children lie within the call.
    for (const child of [raw, own]) {
      expect(child.startNs).toBeGreaterThanOrEqual(root.startNs);
      expect(child.endNs).toBeLessThanOrEqual(root.endNs);
    }

    // The provider was called with a traceparent naming raw_gen_ai_request, and the client's tracestate.
    const call = upstream.requests.slice(seen).find((q) => q.body?.user === 'u-traced')!;
    expect(call.headers.traceparent).toBe(`00-${CLIENT_TRACE}-${raw.spanId}-01`);
    expect(call.headers.tracestate).toBe('vendor=opaque');

    const a = root.attributes;
    expect(root.status).toEqual({ code: 1 });
    expect(a['gen_ai.system']).toBe('openai');
    expect(a['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(a['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');
    expect(a['gen_ai.response.id']).toBe('chatcmpl-otel-1');
    expect(a['gen_ai.operation.name']).toBe('chat');
    expect(a['gen_ai.request.temperature']).toBe(0.3);
    expect(a['gen_ai.request.max_tokens']).toBe(50);
    expect(a['gen_ai.usage.input_tokens']).toBe(11);
    expect(a['gen_ai.usage.output_tokens']).toBe(7);
    expect(a['gen_ai.usage.total_tokens']).toBe(18);
    expect(a['gen_ai.response.finish_reasons']).toBe('["stop"]');
    expect(a['llm.request.type']).toBe('acompletion');
    expect(a['llm.is_streaming']).toBe('False');
    expect(a['metadata.user_api_key_hash']).toBe(createHash('sha256').update(MASTER_KEY).digest('hex'));
    expect(a['metadata.requester_metadata']).toBe('{"session_id":"s-1"}');
    expect(JSON.parse(a['hidden_params'] as string)).toMatchObject({ model_id: 'dep-ok', api_base: upstream.url });
    expect(JSON.parse(a['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: PROMPT }] }]);
    expect(JSON.parse(a['gen_ai.output.messages'] as string)).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: ANSWER }], finish_reason: 'stop' }]);
    expect(raw.attributes['server.address']).toBe('127.0.0.1');
    expect(raw.attributes['llm.openai.temperature']).toBe(0.3);

    // Resource, scope and the OTEL_HEADERS (percent-decoded) on the export request.
    expect(root.resource).toMatchObject({ 'service.name': 'sluice-under-test', 'deployment.environment': 'production', model_id: 'sluice-under-test' });
    expect(root.scope.name).toBe('litellm');
    expect(root.path).toBe('/v1/traces');
    // otlp_http is OTLP/HTTP protobuf, as LiteLLM's OTLPSpanExporter sends it.
    expect(root.headers['content-type']).toBe('application/x-protobuf');
    expect(root.headers['x-honeycomb-team']).toBe('hc-secret-123');
    expect(root.headers['x-scope']).toBe('a=b');
    // No credential is exported: neither the provider key nor the exporter's own headers.
    const exported = receiver.requests.map((q) => q.text).join('\n');
    expect(exported).not.toContain('sk-upstream-secret-9876');
    expect(exported).not.toContain('hc-secret-123');
    // The exporter's header secret never reaches the gateway's own logs.
    expect(gw.logs.join('\n')).not.toContain('hc-secret-123');
  });

  it('a streamed call: llm.is_streaming True and the assembled completion as output', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), otelEnv());
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, user: 'u-stream', messages: [{ role: 'user', content: PROMPT }] }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const root = (await until(() => callTrace('u-stream'))).find((s) => s.name === 'litellm_request')!;
    expect(root.attributes['llm.is_streaming']).toBe('True');
    expect(root.attributes['gen_ai.usage.total_tokens']).toBe(18);
    expect(root.attributes['gen_ai.output.messages']).toContain(ANSWER);
  });

  it('OTEL_EXPORTER=http/json sends OTLP JSON', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), { ...otelEnv(), OTEL_EXPORTER: 'http/json', OTEL_ENDPOINT: `${receiver.url}/json/v1/traces` });
    expect((await chat(gw, { user: 'u-json' })).status).toBe(200);
    const root = (await until(() => callTrace('u-json'))).find((s) => s.name === 'litellm_request')!;
    expect(root.path).toBe('/json/v1/traces');
    expect(root.headers['content-type']).toBe('application/json');
    expect(root.attributes['gen_ai.usage.total_tokens']).toBe(18);
  });

  it('starts a new trace without a traceparent, a root span, and still propagates it upstream', async () => {
    const gw = await gateway(config({ callbacks: ['opentelemetry'] }), otelEnv());
    const seen = upstream.requests.length;
    expect((await chat(gw, { user: 'u-no-parent' })).status).toBe(200);
    const spans = await until(() => callTrace('u-no-parent'));
    const root = spans.find((s) => s.name === 'litellm_request')!;
    const raw = spans.find((s) => s.name === 'raw_gen_ai_request')!;
    expect(root.parentSpanId).toBe('');
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.traceId).not.toBe(CLIENT_TRACE);
    const call = upstream.requests.slice(seen).find((q) => q.body?.user === 'u-no-parent')!;
    expect(call.headers.traceparent).toBe(`00-${root.traceId}-${raw.spanId}-01`);
  });

  it('marks a failed call ERROR with LiteLLM error attributes and an exception event', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), otelEnv());
    const r = await chat(gw, { model: 'gpt-fail', user: 'u-failing' });
    expect(r.status).toBe(429);
    const spans = await until(() => callTrace('u-failing', ['litellm_request', 'raw_gen_ai_request']));
    const root = spans.find((s) => s.name === 'litellm_request')!;
    expect(root.status.code).toBe(2);
    expect(root.status.message).toContain('slow down');
    expect(root.attributes['error.code']).toBe('429');
    expect(root.attributes['error.type']).toBe('Openai.RateLimitError');
    expect(root.attributes['error.llm_provider']).toBe('openai');
    expect(root.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.type': 'Openai.RateLimitError' } });
    expect(spans.find((s) => s.name === 'raw_gen_ai_request')!.status.code).toBe(2);
  });

  it('a call that fell back: each failed try is a raw_gen_ai_request span of its own, the answering try keeps the traceparent span', async () => {
    const cfg = config({ callbacks: ['otel'] });
    cfg.model_list!.push({ model_name: 'gpt-flaky', litellm_params: { model: 'openai/gpt-fail', api_base: upstream.url, api_key: 'sk-upstream-secret-9876' }, model_info: { id: 'dep-flaky' } } as never);
    (cfg as { router_settings: Record<string, unknown> }).router_settings = { num_retries: 0, fallbacks: [{ 'gpt-flaky': ['gpt-4o-mini'] }] };
    const gw = await gateway(cfg, otelEnv());
    const seen = upstream.requests.length;
    const r = await chat(gw, { model: 'gpt-flaky', user: 'u-fallback' });
    expect(r.status).toBe(200);
    const spans = await until(() => {
      const family = callTrace('u-fallback');
      return family && family.filter((s) => s.name === 'raw_gen_ai_request').length === 2 ? family : undefined;
    });
    const root = spans.find((s) => s.name === 'litellm_request')!;
    expect(root.status.code).toBe(1);
    const [failed, answered] = spans.filter((s) => s.name === 'raw_gen_ai_request').sort((x, y) => Number(x.attributes['sluice.attempt'] ?? 99) - Number(y.attributes['sluice.attempt'] ?? 99));
    expect(failed!.parentSpanId).toBe(root.spanId);
    expect(failed!.status).toMatchObject({ code: 2, message: expect.stringContaining('slow down') });
    expect(failed!.attributes).toMatchObject({ 'litellm.model_id': 'dep-flaky', 'litellm.model_group': 'gpt-flaky', 'http.response.status_code': 429, 'error.type': 'Openai.RateLimitError', 'sluice.attempt': 1, 'sluice.fallback': false });
    expect(answered!.attributes['litellm.model_id']).toBe('dep-ok');
    expect(answered!.status.code).toBe(1);
    // Both tries told the provider the answering span's id.
    const sent = upstream.requests.slice(seen).map((q) => String(q.headers.traceparent));
    expect(sent).toHaveLength(2);
    for (const tp of sent) expect(tp.split('-')[2]).toBe(answered!.spanId);
    expect(failed!.spanId).not.toBe(answered!.spanId);
  });

  it('a guardrail that let the call through has a guardrail span too (LiteLLM guardrail_information)', async () => {
    const gw = await gateway(config({ callbacks: ['otel', 'hide_secrets'] }), otelEnv());
    const r = await chat(gw, { user: 'u-guard-passed', messages: [{ role: 'user', content: 'my key is AKIAIOSFODNN7EXAMPLE, what is the capital of Freedonia' }] });
    expect(r.status).toBe(200);
    const spans = await until(() => callTrace('u-guard-passed', ['litellm_request', 'raw_gen_ai_request', 'gateway_overhead', 'guardrail']));
    const root = spans.find((s) => s.name === 'litellm_request')!;
    const guard = spans.find((s) => s.name === 'guardrail')!;
    expect(guard.parentSpanId).toBe(root.spanId);
    expect(guard.status.code).toBe(1);
    expect(guard.attributes).toMatchObject({ 'openinference.span.kind': 'GUARDRAIL', guardrail_mode: 'pre_call', guardrail_status: 'success' });
    expect(String(guard.attributes.guardrail_name)).toMatch(/hide[-_]secrets/);
    expect(guard.endNs >= guard.startNs).toBe(true);
    expect(guard.startNs >= root.startNs).toBe(true);
  });

  it('a call a guardrail refused has a guardrail child span and no upstream span', async () => {
    const gw = await gateway(config({ callbacks: ['otel', 'banned_keywords'], banned_keywords_list: ['falcon'] }), otelEnv());
    const seen = upstream.requests.length;
    const r = await chat(gw, { user: 'u-guarded', messages: [{ role: 'user', content: 'tell me about the falcon' }] });
    expect(r.status).toBe(400);
    const spans = await until(() => callTrace('u-guarded', ['litellm_request', 'guardrail', 'gateway_overhead']));
    const root = spans.find((s) => s.name === 'litellm_request')!;
    const guard = spans.find((s) => s.name === 'guardrail')!;
    expect(root.status.code).toBe(2);
    expect(guard.parentSpanId).toBe(root.spanId);
    expect(guard.status).toMatchObject({ code: 2, message: expect.stringContaining('Keyword banned') });
    expect(guard.attributes['openinference.span.kind']).toBe('GUARDRAIL');
    expect(spans.some((s) => s.name === 'raw_gen_ai_request')).toBe(false);
    expect(upstream.requests.length).toBe(seen);
  });

  it('leaves every prompt and completion out under turn_off_message_logging', async () => {
    const gw = await gateway(config({ callbacks: ['otel'], turn_off_message_logging: true }), otelEnv());
    const before = receiver.requests.length;
    expect((await chat(gw, { user: 'u-redacted' })).status).toBe(200);
    const spans = await until(() => callTrace('u-redacted'));
    const root = spans.find((s) => s.name === 'litellm_request')!;
    expect(root.attributes['gen_ai.usage.total_tokens']).toBe(18);
    expect(root.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(root.attributes['gen_ai.output.messages']).toBeUndefined();
    const sent = receiver.requests.slice(before).map((q) => q.text).join('\n');
    expect(sent).not.toContain(PROMPT);
    expect(sent).not.toContain(ANSWER);
  });

  it('honours mask_input / mask_output per request: content becomes redacted-by-litellm', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), otelEnv());
    expect((await chat(gw, { user: 'u-masked', metadata: { mask_input: true, mask_output: true } })).status).toBe(200);
    const root = (await until(() => callTrace('u-masked'))).find((s) => s.name === 'litellm_request')!;
    expect(root.attributes['gen_ai.input.messages']).toBe('redacted-by-litellm');
    expect(root.attributes['gen_ai.output.messages']).toBe('redacted-by-litellm');
    expect(JSON.stringify(root.attributes)).not.toContain(PROMPT);
  });

  it('a client trace it did not sample gets no spans, but the provider still gets the trace context', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), otelEnv());
    const seen = upstream.requests.length;
    expect((await chat(gw, { user: 'u-unsampled' }, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-00` })).status).toBe(200);
    expect((await chat(gw, { user: 'u-after-unsampled' })).status).toBe(200);
    await until(() => callTrace('u-after-unsampled'));
    expect(receiver.spans.some((s) => s.attributes['llm.user'] === 'u-unsampled')).toBe(false);
    const call = upstream.requests.slice(seen).find((q) => q.body?.user === 'u-unsampled')!;
    expect(call.headers.traceparent).toMatch(new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-00$`));
  });

  it('a collector that is down, then back, gets every call (queued and retried, nothing lost)', async () => {
    const gw = await gateway(config({ callbacks: ['otel'] }), otelEnv());
    await receiver.stop();
    const users = Array.from({ length: 6 }, (_, i) => `u-outage-${i}`);
    try {
      for (const user of users) expect((await chat(gw, { user })).status).toBe(200);
      // The exports fail while it is down (connection refused): the calls stay queued.
      await until(() => (gw.logs.some((l) => l.includes('otel: writing to the otel destination failed')) ? true : undefined), 10_000);
      expect(users.some((u) => callTrace(u, ['litellm_request']))).toBe(false);
    } finally {
      await receiver.start();
    }
    for (const user of users) await until(() => callTrace(user), 20_000);
    await until(() => (gw.logs.some((l) => l.includes('otel: writes to the otel destination recovered')) ? true : undefined));
  }, 45_000);

  it('calls still queued when the gateway stops are spilled to disk and sent by the next start', async () => {
    const dataDir = tempDir('sluice-otel-spill-');
    await receiver.stop();
    const users = ['u-spill-0', 'u-spill-1', 'u-spill-2'];
    try {
      const first = await startGateway({ ...config({ callbacks: ['otel'] }), storage: { data_dir: dataDir } } as SluiceConfig, { env: otelEnv() });
      for (const user of users) expect((await chat(first, { user })).status).toBe(200);
      await first.close();
      expect(first.logs.join('\n')).toContain('otel: writing to the otel destination failed');
    } finally {
      await receiver.start();
    }
    expect(users.some((u) => callTrace(u, ['litellm_request']))).toBe(false);
    // The next gateway on the same data dir replays the spill file once the collector answers; no call needed.
    const second = await gateway({ ...config({ callbacks: ['otel'] }), storage: { data_dir: dataDir } } as SluiceConfig, otelEnv());
    for (const user of users) await until(() => callTrace(user), 20_000);
    // Logged once the replayed batch was acknowledged, just after the spans arrived.
    await until(() => (second.logs.some((l) => l.includes('otel: replayed rows from the spill file')) ? true : undefined));
  }, 45_000);

  it('a missing endpoint or missing keys is a startup warning, never a failed call', async () => {
    const gw = await gateway(config({ callbacks: ['otel', 'langfuse_otel'] }), { OTEL_EXPORTER: 'otlp_http' });
    expect((await chat(gw, { user: 'u-misconfigured' })).status).toBe(200);
    const logs = gw.logs.join('\n');
    expect(logs).toMatch(/otel: no spans are sent: OTEL_EXPORTER is otlp_http but OTEL_ENDPOINT is not set/);
    expect(logs).toMatch(/langfuse_otel: no spans are sent: langfuse_otel needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY/);
  });
});

describe('OTLP vendors: arize, arize_phoenix, langfuse_otel', () => {
  it('send to their endpoints with their auth headers and their attributes', async () => {
    const env = {
      ARIZE_SPACE_KEY: 'space-123',
      ARIZE_API_KEY: 'arize-secret-key',
      ARIZE_HTTP_ENDPOINT: `${receiver.url}/arize/v1`,
      PHOENIX_API_KEY: 'phoenix-secret-key',
      PHOENIX_COLLECTOR_HTTP_ENDPOINT: `${receiver.url}/phoenix`,
      PHOENIX_PROJECT_NAME: 'phx-project',
      LANGFUSE_PUBLIC_KEY: 'pk-lf-otel',
      LANGFUSE_SECRET_KEY: 'sk-lf-otel-secret',
      LANGFUSE_OTEL_HOST: `${receiver.url}/lf`,
      LANGFUSE_TRACING_ENVIRONMENT: 'staging',
    };
    const gw = await gateway(config({ callbacks: ['arize', 'arize_phoenix', 'langfuse_otel'] }), env);
    expect((await chat(gw, { user: 'u-vendors', metadata: { trace_name: 'my-trace', session_id: 'sess-9', tags: ['t1'] } })).status).toBe(200);
    const byPath = (path: string) => () => receiver.spans.find((s) => s.path === path && s.name === 'litellm_request' && s.attributes['llm.user'] === 'u-vendors');
    const arize = await until(byPath('/arize/v1/traces'));
    const phoenix = await until(byPath('/phoenix/v1/traces'));
    const langfuse = await until(byPath('/lf/api/public/otel/v1/traces'));

    for (const s of [arize, phoenix, langfuse]) expect(s.headers['content-type']).toBe('application/x-protobuf');
    expect(arize.headers.space_id).toBe('space-123');
    expect(arize.headers.api_key).toBe('arize-secret-key');
    expect(phoenix.headers.authorization).toBe('Bearer phoenix-secret-key');
    expect(langfuse.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-otel:sk-lf-otel-secret').toString('base64')}`);

    for (const s of [arize, phoenix, langfuse]) {
      expect(s.attributes['openinference.span.kind']).toBe('LLM');
      expect(s.attributes['llm.model_name']).toBe('gpt-4o-mini');
      expect(s.attributes['llm.token_count.total']).toBe(18);
      expect(s.attributes['input.value']).toBe(PROMPT);
      expect(s.attributes['output.value']).toBe(ANSWER);
      expect(s.attributes['llm.input_messages.0.message.role']).toBe('user');
      expect(s.attributes['session.id']).toBe('sess-9');
      expect(s.attributes['gen_ai.system']).toBe('openai');
    }
    expect(phoenix.attributes['openinference.project.name']).toBe('phx-project');
    expect(langfuse.attributes['langfuse.trace.name']).toBe('my-trace');
    expect(langfuse.attributes['langfuse.trace.tags']).toBe('["t1"]');
    expect(langfuse.attributes['langfuse.environment']).toBe('staging');
    // The same call, one trace per destination.
    expect(new Set([arize.traceId, phoenix.traceId, langfuse.traceId]).size).toBe(1);
    const logs = gw.logs.join('\n');
    for (const secret of ['arize-secret-key', 'phoenix-secret-key', 'sk-lf-otel-secret']) expect(logs).not.toContain(secret);
  });
});

describe('per-team destinations (loggingTargets)', () => {
  it("a team's langfuse_otel callback sends its calls with its own keys; a team with logging disabled sends nothing", async () => {
    const env = { LANGFUSE_PUBLIC_KEY: 'pk-lf-global', LANGFUSE_SECRET_KEY: 'sk-lf-global-secret', LANGFUSE_OTEL_HOST: `${receiver.url}/lf-global` };
    const gw = await gateway(config({ callbacks: ['langfuse_otel'] }), env);
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    await admin('/team/new', { team_id: 'team-otel' });
    await admin('/team/new', { team_id: 'team-quiet' });
    await admin('/team/team-otel/callback', {
      callback_name: 'langfuse_otel',
      callback_vars: { langfuse_public_key: 'pk-lf-team', langfuse_secret_key: 'sk-lf-team-secret', langfuse_host: `${receiver.url}/lf-team` },
    });
    await admin('/team/team-quiet/disable_logging', {});
    const teamKey = (await admin('/key/generate', { team_id: 'team-otel' })).key as string;
    const quietKey = (await admin('/key/generate', { team_id: 'team-quiet' })).key as string;
    const call = async (key: string, user: string) => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', user, messages: [{ role: 'user', content: PROMPT }] }),
      });
      expect(res.status).toBe(200);
    };
    await call(teamKey, 'u-team');
    await call(quietKey, 'u-quiet');
    await call(MASTER_KEY, 'u-global');
    const find = (user: string) => () => receiver.spans.find((s) => s.name === 'litellm_request' && s.attributes['llm.user'] === user);
    const team = await until(find('u-team'));
    const global = await until(find('u-global'));
    expect(team.path).toBe('/lf-team/api/public/otel/v1/traces');
    expect(team.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-team:sk-lf-team-secret').toString('base64')}`);
    expect(team.attributes['metadata.user_api_key_team_id']).toBe('team-otel');
    expect(global.path).toBe('/lf-global/api/public/otel/v1/traces');
    expect(global.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-global:sk-lf-global-secret').toString('base64')}`);
    // Team calls never reach the global destination, and the quiet team's reach none.
    expect(receiver.spans.filter((s) => s.attributes['llm.user'] === 'u-team').every((s) => s.path.startsWith('/lf-team/'))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.spans.some((s) => s.attributes['llm.user'] === 'u-quiet')).toBe(false);
  });
});
