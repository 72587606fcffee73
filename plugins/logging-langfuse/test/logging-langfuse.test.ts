/**
 * LiteLLM's `langfuse` callback end to end: real gateways configured the LiteLLM way
 * (`success_callback` / `failure_callback`, LANGFUSE_* env), a fake upstream, and the fake
 * Langfuse server (proven with the official client in fake-langfuse-server.test.ts). What arrives
 * at Langfuse is checked field by field: LiteLLM's trace and generation shape, the metadata
 * mapping, masking, a guardrail's redaction, an outage with nothing lost, a team's own project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, sendSse, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from '../../../test/support/gateway.js';
import { ingestionSender } from '../src/ingestion-client.js';
import { startFakeLangfuse, type FakeLangfuse, type FakeLangfuseEvent } from './fake-langfuse-server.js';

const PK = 'pk-lf-gateway';
const SK = 'sk-lf-gateway-secret';

function config(upstream: string, litellm: Record<string, unknown>): SluiceConfig {
  const params = { api_base: upstream, api_key: 'sk-upstream', input_cost_per_token: 0.001, output_cost_per_token: 0.002 };
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', ...params }, model_info: { id: 'dep-ok' } },
      { model_name: 'gpt-fail', litellm_params: { model: 'openai/gpt-fail', ...params }, model_info: { id: 'dep-fail' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { num_retries: 0 },
    litellm_settings: { num_retries: 0, ...litellm },
  } as SluiceConfig;
}

const env = (host: string, extra: Record<string, string> = {}) => ({
  LANGFUSE_PUBLIC_KEY: PK,
  LANGFUSE_SECRET_KEY: SK,
  LANGFUSE_HOST: host,
  LANGFUSE_FLUSH_INTERVAL: '0.05',
  ...extra,
});

async function chat(gw: TestGateway, body: Record<string, unknown>, key = MASTER_KEY, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], ...body }),
  });
  const json = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  return { status: res.status, json, id: res.headers.get('x-litellm-call-id')! };
}

async function until<T>(get: () => T | undefined | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The trace and generation a call produced (matched by the generation's traceId). */
function eventsOf(fake: FakeLangfuse, traceId: string): { trace?: FakeLangfuseEvent; generation?: FakeLangfuseEvent } {
  return {
    trace: fake.events.find((e) => e.body.type === 'trace-create' && e.body.body.id === traceId),
    generation: fake.events.find((e) => e.body.type === 'generation-create' && e.body.body.traceId === traceId),
  };
}

const waitFor = (fake: FakeLangfuse, traceId: string, withTrace = true) =>
  until(() => {
    const e = eventsOf(fake, traceId);
    return e.generation && (!withTrace || e.trace) ? e : undefined;
  });

let upstream: FakeUpstream;
let langfuse: FakeLangfuse;
let teamLangfuse: FakeLangfuse;

beforeAll(async () => {
  upstream = await startFakeUpstream((req, res) => {
    const body = req.body ?? {};
    if (body.model === 'gpt-fail') return sendJson(res, 429, { error: { message: 'Rate limit reached for gpt-fail', type: 'rate_limit_error' } });
    const last = body.messages?.at(-1)?.content ?? '';
    if (body.stream) {
      const chunk = (delta: object, extra: object = {}) => ({ id: 'chatcmpl-fake-s', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: null }], ...extra });
      return sendSse(res, [chunk({ role: 'assistant', content: 'echo: ' }), chunk({ content: last }), { ...chunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }]);
    }
    sendJson(res, 200, {
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created: 1,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${last}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  });
  langfuse = await startFakeLangfuse();
  teamLangfuse = await startFakeLangfuse();
});

afterAll(async () => {
  await upstream.close();
  await langfuse.close();
  await teamLangfuse.close();
});

describe('langfuse with success_callback and failure_callback', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config(upstream.url, { success_callback: ['langfuse'], failure_callback: ['langfuse'], callbacks: ['hide_secrets'] }), {
      env: env(langfuse.url, { LANGFUSE_RELEASE: 'v1.2.3', LANGFUSE_TEAM_SECRET: 'sk-lf-team-secret', NOT_LANGFUSE_SECRET: 'do-not-leak' }),
    });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('the callback name is claimed: no "not yet supported" warning for langfuse', () => {
    expect(gw.logs.filter((l) => l.includes('"langfuse" is accepted but not yet supported'))).toEqual([]);
  });

  it('a success: LiteLLM trace litellm-acompletion and a generation with input, output, usage, cost, times, with the project keys', async () => {
    const r = await chat(gw, { temperature: 0.2, max_tokens: 50, user: 'end-user-7' });
    expect(r.status).toBe(200);
    const { trace, generation } = await waitFor(langfuse, r.id);
    expect(trace!.auth).toEqual({ publicKey: PK, secretKey: SK });
    expect(trace!.body.body).toMatchObject({
      id: r.id,
      name: 'litellm-acompletion',
      userId: 'end-user-7',
      release: 'v1.2.3',
      input: { messages: [{ role: 'user', content: 'hello there' }] },
      output: { role: 'assistant', content: 'echo: hello there' },
    });
    const g = generation!.body.body;
    expect(g).toMatchObject({
      traceId: r.id,
      name: 'litellm-acompletion',
      model: 'gpt-4o-mini',
      level: 'DEFAULT',
      modelParameters: { temperature: 0.2, max_tokens: 50 },
      input: { messages: [{ role: 'user', content: 'hello there' }] },
      output: { role: 'assistant', content: 'echo: hello there' },
      usage: { input: 10, output: 5, total: 15, unit: 'TOKENS' },
    });
    expect(g.id).toMatch(/^time-\d\d-\d\d-\d\d-\d{6}_chatcmpl-fake-1$/);
    expect(g.usage.totalCost).toBeCloseTo(0.02, 6);
    expect(g.metadata.litellm_response_cost).toBeCloseTo(0.02, 6);
    expect(g.metadata.hidden_params.model_id).toBe('dep-ok');
    expect(Date.parse(g.endTime)).toBeGreaterThanOrEqual(Date.parse(g.startTime));
    expect(g.completionStartTime).toEqual(expect.any(String));
    // Sent with the documented headers and batch metadata.
    const req = langfuse.requests.find((q) => (q.body as any)?.batch?.some((e: any) => e.body?.traceId === r.id))!; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(req.headers['x-langfuse-public-key']).toBe(PK);
    expect((req.body as any).metadata).toMatchObject({ sdk_integration: 'litellm', public_key: PK }); // eslint-disable-line @typescript-eslint/no-explicit-any
  });

  it('a streamed call: the generation has the assembled answer, the usage and a completionStartTime', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'stream me' }], metadata: { trace_id: 'trace-stream' } }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const { generation } = await waitFor(langfuse, 'trace-stream');
    const g = generation!.body.body;
    expect(g.output).toMatchObject({ role: 'assistant', content: 'echo: stream me' });
    expect(g.usage).toMatchObject({ input: 10, output: 5 });
    expect(Date.parse(g.completionStartTime)).toBeGreaterThanOrEqual(Date.parse(g.startTime));
  });

  it('a failure (failure_callback): generation level ERROR with statusMessage and the error as output; no usage', async () => {
    const r = await chat(gw, { model: 'gpt-fail' });
    expect(r.status).toBe(429);
    const { trace, generation } = await waitFor(langfuse, r.id);
    const g = generation!.body.body;
    expect(g.level).toBe('ERROR');
    expect(g.statusMessage).toMatch(/Rate limit reached for gpt-fail/);
    expect(g.output).toBe(g.statusMessage);
    expect(g.usage).toBeUndefined();
    expect(g.metadata.error_information).toMatchObject({ error_code: '429', error_class: 'Openai.RateLimitError' });
    expect(trace!.body.body.output).toBeUndefined();
  });

  it("LiteLLM's metadata mapping: trace_id, trace_name, session_id, trace_user_id, generation_name/id, version, trace_version, trace_metadata, tags", async () => {
    const metadata = {
      trace_id: 'trace-custom-1',
      trace_name: 'checkout-flow',
      session_id: 'sess-9',
      trace_user_id: 'user-from-trace',
      generation_name: 'summarize',
      generation_id: 'gen-custom-1',
      version: 'gen-v2',
      trace_version: 'trace-v5',
      trace_metadata: { env: 'staging' },
      tags: ['team-x', 'beta'],
      custom_field: 'kept',
    };
    const r = await chat(gw, { metadata, user: 'end-user-ignored' });
    expect(r.status).toBe(200);
    const { trace, generation } = await waitFor(langfuse, 'trace-custom-1');
    expect(trace!.body.body).toMatchObject({
      id: 'trace-custom-1',
      name: 'checkout-flow',
      sessionId: 'sess-9',
      userId: 'user-from-trace',
      version: 'trace-v5',
      metadata: { env: 'staging' },
    });
    expect(trace!.body.body.tags).toEqual(expect.arrayContaining(['team-x', 'beta']));
    const g = generation!.body.body;
    expect(g).toMatchObject({ id: 'gen-custom-1', name: 'summarize', version: 'gen-v2', traceId: 'trace-custom-1' });
    expect(g.metadata.requester_metadata).toMatchObject({ custom_field: 'kept' });
    expect(g.metadata.requester_metadata.trace_name).toBeUndefined();
  });

  it('debug_langfuse puts the metadata passed in the trace; langfuse_* request headers override metadata (LiteLLM add_metadata_from_header)', async () => {
    const r = await chat(gw, { metadata: { trace_id: 'trace-debug', debug_langfuse: true, trace_name: 'from-body' } }, MASTER_KEY, { langfuse_trace_name: 'from-header' });
    expect(r.status).toBe(200);
    const { trace } = await waitFor(langfuse, 'trace-debug');
    expect(trace!.body.body.name).toBe('from-header');
    expect(trace!.body.body.metadata.metadata_passed_to_litellm).toMatchObject({ trace_id: 'trace-debug', debug_langfuse: true });
  });

  it('existing_trace_id joins that trace without overwriting it; update_trace_keys changes only the listed fields', async () => {
    const joined = await chat(gw, { metadata: { existing_trace_id: 'trace-existing-1', trace_name: 'must-not-rename' } });
    const { generation } = await waitFor(langfuse, 'trace-existing-1', false);
    expect(generation!.body.body.traceId).toBe('trace-existing-1');
    expect(joined.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(eventsOf(langfuse, 'trace-existing-1').trace).toBeUndefined();

    await chat(gw, { metadata: { existing_trace_id: 'trace-existing-2', update_trace_keys: ['output', 'trace_user_id'], trace_user_id: 'u-updated' } });
    const { trace } = await waitFor(langfuse, 'trace-existing-2');
    expect(trace!.body.body).toEqual({ id: 'trace-existing-2', output: { role: 'assistant', content: 'echo: hello there' }, userId: 'u-updated' });
  });

  it('mask_input / mask_output: content is redacted-by-litellm in the trace and the generation', async () => {
    const r = await chat(gw, { metadata: { mask_input: true, trace_id: 'trace-mask-in' } });
    const a = await waitFor(langfuse, 'trace-mask-in');
    expect(a.generation!.body.body.input).toBe('redacted-by-litellm');
    expect(a.trace!.body.body.input).toBe('redacted-by-litellm');
    expect(a.generation!.body.body.output).toEqual({ role: 'assistant', content: 'echo: hello there' });
    expect(r.status).toBe(200);
    await chat(gw, { metadata: { mask_output: true, trace_id: 'trace-mask-out' } });
    const b = await waitFor(langfuse, 'trace-mask-out');
    expect(b.generation!.body.body.output).toBe('redacted-by-litellm');
    expect(b.trace!.body.body.output).toBe('redacted-by-litellm');
    expect(b.generation!.body.body.input).toEqual({ messages: [{ role: 'user', content: 'hello there' }] });
    expect(JSON.stringify(b.generation!.body.body.metadata)).not.toContain('mask_output');
  });

  it('the hide_secrets guardrail: Langfuse receives the redacted prompt, never the secret', async () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH';
    const r = await chat(gw, { messages: [{ role: 'user', content: `my key is ${secret}` }], metadata: { trace_id: 'trace-guardrail' } });
    expect(r.status).toBe(200);
    const { trace, generation } = await waitFor(langfuse, 'trace-guardrail');
    const sent = JSON.stringify([trace!.body, generation!.body]);
    expect(sent).not.toContain(secret);
    expect(sent).toContain('[REDACTED');
    // What the client got (the upstream echoed the redacted prompt) is what Langfuse got.
    expect(generation!.body.body.output.content).toBe(r.json.choices[0].message.content);
  });

  it('x-litellm-disable-callbacks: langfuse sends nothing for that request', async () => {
    const r = await chat(gw, { metadata: { trace_id: 'trace-disabled' } }, MASTER_KEY, { 'x-litellm-disable-callbacks': 'langfuse' });
    expect(r.status).toBe(200);
    const marker = await chat(gw, { metadata: { trace_id: 'trace-after-disabled' } });
    await waitFor(langfuse, 'trace-after-disabled');
    expect(marker.status).toBe(200);
    expect(eventsOf(langfuse, 'trace-disabled').generation).toBeUndefined();
  });

  it('Langfuse down, then back: every call is delivered, none twice', async () => {
    langfuse.setDown(true);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await chat(gw, { metadata: { trace_id: `trace-outage-${i}` } });
      expect(r.status).toBe(200);
      ids.push(`trace-outage-${i}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(langfuse.events.filter((e) => String(e.body.body.traceId ?? '').startsWith('trace-outage-'))).toHaveLength(0);
    langfuse.setDown(false);
    await until(() => ids.every((id) => eventsOf(langfuse, id).generation && eventsOf(langfuse, id).trace), 15_000);
    const generations = langfuse.events.filter((e) => e.body.type === 'generation-create' && String(e.body.body.traceId).startsWith('trace-outage-'));
    expect(generations).toHaveLength(6);
  });

  it('a 207 with a Langfuse-side error: the batch is sent again until every event is in', async () => {
    langfuse.failNextEvents(1, 500);
    await chat(gw, { metadata: { trace_id: 'trace-207' } });
    await waitFor(langfuse, 'trace-207');
    expect(langfuse.events.filter((e) => e.body.body.traceId === 'trace-207')).toHaveLength(1);
  });

  it("a team's own Langfuse project (callback_settings via /team/new): that team's calls only, with its keys; os.environ/ only for LANGFUSE_* names", async () => {
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    const callbackVars = { langfuse_public_key: 'pk-lf-team-a', langfuse_secret_key: 'os.environ/LANGFUSE_TEAM_SECRET', langfuse_host: teamLangfuse.url };
    await api('/team/new', { team_id: 'team-a', metadata: { callback_settings: { success_callback: ['langfuse'], callback_vars: callbackVars } } });
    await api('/team/new', { team_id: 'team-b' });
    const keyA = (await api('/key/generate', { team_id: 'team-a' })).key as string;
    const keyB = (await api('/key/generate', { team_id: 'team-b' })).key as string;

    const a = await chat(gw, { metadata: { trace_id: 'trace-team-a' } }, keyA);
    const b = await chat(gw, { metadata: { trace_id: 'trace-team-b' } }, keyB);
    expect([a.status, b.status]).toEqual([200, 200]);
    const teamEvents = await waitFor(teamLangfuse, 'trace-team-a');
    await waitFor(langfuse, 'trace-team-b');
    expect(teamEvents.generation!.auth).toEqual({ publicKey: 'pk-lf-team-a', secretKey: 'sk-lf-team-secret' });
    expect(teamEvents.generation!.body.body.metadata.user_api_key_team_id).toBe('team-a');
    // Team A's call went to its project only; team B's (no settings) to the gateway's only.
    expect(eventsOf(langfuse, 'trace-team-a').generation).toBeUndefined();
    expect(eventsOf(teamLangfuse, 'trace-team-b').generation).toBeUndefined();
    expect(teamLangfuse.events.every((e) => e.auth.publicKey === 'pk-lf-team-a')).toBe(true);

    // A reference to a non-LANGFUSE_* variable is not resolved; with its own host and no usable secret the team is not logged (the gateway's secret never goes to the team's host).
    await api('/team/new', {
      team_id: 'team-c',
      metadata: { callback_settings: { success_callback: ['langfuse'], callback_vars: { langfuse_public_key: 'pk-lf-team-c', langfuse_secret_key: 'os.environ/NOT_LANGFUSE_SECRET', langfuse_host: teamLangfuse.url } } },
    });
    const keyC = (await api('/key/generate', { team_id: 'team-c' })).key as string;
    const c = await chat(gw, { metadata: { trace_id: 'trace-team-c' } }, keyC);
    expect(c.status).toBe(200);
    await chat(gw, { metadata: { trace_id: 'trace-team-a-2' } }, keyA);
    await waitFor(teamLangfuse, 'trace-team-a-2');
    expect(teamLangfuse.events.some((e) => e.auth.secretKey === 'do-not-leak' || e.auth.secretKey === SK)).toBe(false);
    expect(eventsOf(teamLangfuse, 'trace-team-c').generation).toBeUndefined();
    expect(eventsOf(langfuse, 'trace-team-c').generation).toBeUndefined();
  });
});

describe('langfuse with success_callback only and turn_off_message_logging', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config(upstream.url, { success_callback: ['langfuse'], turn_off_message_logging: true }), { env: env(langfuse.url) });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('turn_off_message_logging: messages and response are redacted-by-litellm; usage and model still logged', async () => {
    const r = await chat(gw, { metadata: { trace_id: 'trace-no-content' } });
    expect(r.status).toBe(200);
    const { trace, generation } = await waitFor(langfuse, 'trace-no-content');
    expect(generation!.body.body).toMatchObject({ input: 'redacted-by-litellm', output: 'redacted-by-litellm', model: 'gpt-4o-mini', usage: { input: 10, output: 5 } });
    expect(trace!.body.body).toMatchObject({ input: 'redacted-by-litellm', output: 'redacted-by-litellm' });
    expect(JSON.stringify([trace!.body, generation!.body])).not.toContain('hello there');
  });

  it('a failure is not sent without failure_callback', async () => {
    const failed = await chat(gw, { model: 'gpt-fail', metadata: { trace_id: 'trace-fail-unlisted' } });
    expect(failed.status).toBe(429);
    await chat(gw, { metadata: { trace_id: 'trace-after-fail' } });
    await waitFor(langfuse, 'trace-after-fail');
    expect(eventsOf(langfuse, 'trace-fail-unlisted').generation).toBeUndefined();
  });
});

describe('langfuse across a restart', () => {
  it('Langfuse down at shutdown: the events are spilled to the data dir and delivered by the next gateway', async () => {
    const dataDir = tempDir('sluice-langfuse-spill-');
    const cfg = { ...config(upstream.url, { success_callback: ['langfuse'] }), storage: { data_dir: dataDir } } as SluiceConfig;
    langfuse.setDown(true);
    const first = await startGateway(cfg, { env: env(langfuse.url) });
    for (let i = 0; i < 3; i++) expect((await chat(first, { metadata: { trace_id: `trace-restart-${i}` } })).status).toBe(200);
    await first.close();
    expect(eventsOf(langfuse, 'trace-restart-0').generation).toBeUndefined();
    langfuse.setDown(false);
    const second = await startGateway(cfg, { env: env(langfuse.url) });
    try {
      for (let i = 0; i < 3; i++) await waitFor(langfuse, `trace-restart-${i}`);
      expect(langfuse.events.filter((e) => e.body.type === 'generation-create' && String(e.body.body.traceId).startsWith('trace-restart-'))).toHaveLength(3);
    } finally {
      await second.close();
    }
  });
});

describe('the ingestion client against the fake Langfuse', () => {
  it('a 207 refusing an invalid event: that event is dropped and reported, not sent again; the valid one is accepted once', async () => {
    const lines: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, warn: (o: object | string, m?: string) => void lines.push(`${m ?? ''} ${JSON.stringify(o)}`), error: () => undefined, child: () => log };
    const http = {
      async request(url: string | { origin: string; path: string }, o: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: unknown } = {}) {
        const res = await fetch(typeof url === 'string' ? url : url.origin + url.path, { method: o.method, headers: o.headers, body: o.body as string });
        const text = await res.text();
        return { status: res.status, headers: {}, body: { text: async () => text, json: async () => JSON.parse(text), async *[Symbol.asyncIterator]() {} } };
      },
    };
    let refused = 0;
    const send = ingestionSender({ host: langfuse.url, publicKey: 'pk-unit', secretKey: 'sk-unit' }, { http: http as never, log: log as never, scrub: (t) => t, debug: false, sdkVersion: '1', onRejected: (n) => (refused += n) });
    const ok = { id: 'unit-ok', type: 'trace-create', timestamp: new Date().toISOString(), body: { id: 'trace-unit-ok' } };
    const bad = { id: 'unit-bad', type: 'generation-create', timestamp: new Date().toISOString(), body: { name: 'no trace id' } };
    const texts = [JSON.stringify(ok), JSON.stringify(bad)];
    await send({ texts, items: () => texts.map((t) => JSON.parse(t)), signal: new AbortController().signal });
    expect(refused).toBe(1);
    expect(lines.some((l) => l.includes('refused some events (207)') && l.includes('body.traceId'))).toBe(true);
    expect(langfuse.events.filter((e) => e.auth.publicKey === 'pk-unit').map((e) => e.body.id)).toEqual(['unit-ok']);
  });
});
