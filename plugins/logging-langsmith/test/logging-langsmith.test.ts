/**
 * LiteLLM's `langsmith` callback end to end: real gateways configured the LiteLLM way
 * (`success_callback` / `failure_callback`, LANGSMITH_* env), a fake upstream and the fake
 * LangSmith API (proven with the official client in fake-langsmith-server.test.ts): the run
 * LiteLLM sends, its project and run-name handling, failures, masking, a guardrail's redaction, an
 * outage with nothing lost, one invalid run not sinking its batch, a team's own LangSmith.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeLangsmith, type FakeLangsmith } from './fake-langsmith-server.js';

const API_KEY = 'lsv2_pt_gateway_key';

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
    // LiteLLM flushes every 5 s; the tests do not wait that long.
    plugins: [{ use: 'logging-langsmith', config: { flush_interval: 0.05 } }],
  } as SluiceConfig;
}

async function chat(gw: TestGateway, body: Record<string, unknown>, key = MASTER_KEY) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
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

/** The run of a gateway call (its StandardLoggingPayload id is the request id). */
const runOf = (fake: FakeLangsmith, requestId: string) => fake.runs.find((r) => r.run.inputs?.id === requestId);
const waitRun = (fake: FakeLangsmith, requestId: string) => until(() => runOf(fake, requestId));

let upstream: FakeUpstream;
let langsmith: FakeLangsmith;
let teamLangsmith: FakeLangsmith;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startFakeUpstream((req, res) => {
    const body = req.body ?? {};
    if (body.model === 'gpt-fail') return sendJson(res, 429, { error: { message: 'Rate limit reached for gpt-fail', type: 'rate_limit_error' } });
    sendJson(res, 200, {
      id: 'chatcmpl-fake-1',
      object: 'chat.completion',
      created: 1,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${body.messages?.at(-1)?.content ?? ''}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  });
  langsmith = await startFakeLangsmith();
  teamLangsmith = await startFakeLangsmith();
  gw = await startGateway(config(upstream.url, { success_callback: ['langsmith'], failure_callback: ['langsmith'], callbacks: ['hide_secrets'] }), {
    env: {
      LANGSMITH_API_KEY: API_KEY,
      LANGSMITH_PROJECT: 'gateway-project',
      LANGSMITH_BASE_URL: langsmith.url,
      LANGSMITH_DEFAULT_RUN_NAME: 'gateway-run',
      LANGSMITH_TEAM_KEY: 'lsv2_pt_team_key',
      OTHER_SECRET: 'do-not-leak',
    },
  });
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await langsmith.close();
  await teamLangsmith.close();
});

describe('langsmith with success_callback and failure_callback', () => {
  it('the callback name is claimed: no "not yet supported" warning for langsmith', () => {
    expect(gw.logs.filter((l) => l.includes('"langsmith" is accepted but not yet supported'))).toEqual([]);
  });

  it("a success: an llm run with LiteLLM's payload as inputs, the response as outputs, the project and run name from the env, x-api-key", async () => {
    const r = await chat(gw, { temperature: 0.3, metadata: { tags: ['prod'] } });
    expect(r.status).toBe(200);
    const { run, apiKey } = await waitRun(langsmith, r.id);
    expect(apiKey).toBe(API_KEY);
    expect(run).toMatchObject({
      name: 'gateway-run',
      run_type: 'llm',
      session_name: 'gateway-project',
      outputs: { id: 'chatcmpl-fake-1', choices: [{ message: { role: 'assistant', content: 'echo: hello there' } }] },
      inputs: { id: r.id, call_type: 'acompletion', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], status: 'success', total_tokens: 15 },
    });
    expect(run.inputs.model_parameters).toMatchObject({ temperature: 0.3 });
    expect(run.tags).toEqual(expect.arrayContaining(['prod']));
    expect(run.extra.metadata).toMatchObject({ user_api_key_end_user_id: null });
    expect(run.trace_id).toBe(run.id);
    expect(run.dotted_order.endsWith(run.id)).toBe(true);
    expect(Date.parse(run.end_time)).toBeGreaterThanOrEqual(Date.parse(run.start_time));
    expect(run.error).toBeUndefined();
  });

  it("LiteLLM's run handling from the request metadata: project_name, run_name, run_id, trace_id, parent_run_id, session_id", async () => {
    const runId = '7b0c2f3e-9d41-4c6a-8e2f-1a2b3c4d5e6f';
    const traceId = '1f0e9d8c-7b6a-4594-8372-615049382716';
    const r = await chat(gw, {
      metadata: { project_name: 'my-project', run_name: 'my-run', run_id: runId, trace_id: traceId, parent_run_id: traceId, dotted_order: `20260101T000000000000Z${traceId}.20260101T000000000001Z${runId}`, session_id: 'thread-1' },
    });
    const { run } = await waitRun(langsmith, r.id);
    expect(run).toMatchObject({ id: runId, name: 'my-run', session_name: 'my-project', trace_id: traceId, parent_run_id: traceId, session_id: 'thread-1' });
  });

  it('a failure (failure_callback): the run carries the error', async () => {
    const r = await chat(gw, { model: 'gpt-fail' });
    expect(r.status).toBe(429);
    const { run } = await waitRun(langsmith, r.id);
    expect(run.error).toMatch(/Rate limit reached for gpt-fail/);
    expect(run.inputs).toMatchObject({ status: 'failure', error_information: { error_code: '429' } });
  });

  it('mask_input / mask_output: redacted-by-litellm', async () => {
    const r = await chat(gw, { metadata: { mask_input: true, mask_output: true } });
    const { run } = await waitRun(langsmith, r.id);
    expect(run.outputs).toBe('redacted-by-litellm');
    expect(run.inputs.messages).toBe('redacted-by-litellm');
    expect(JSON.stringify(run)).not.toContain('hello there');
  });

  it('the hide_secrets guardrail: LangSmith receives the redacted prompt, never the secret', async () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH';
    const r = await chat(gw, { messages: [{ role: 'user', content: `my key is ${secret}` }] });
    const { run } = await waitRun(langsmith, r.id);
    expect(JSON.stringify(run)).not.toContain(secret);
    expect(JSON.stringify(run.inputs.messages)).toContain('[REDACTED');
    expect(run.outputs.choices[0].message.content).toBe(r.json.choices[0].message.content);
  });

  it('one run LangSmith refuses (run_id not a UUID) is dropped and reported; the calls around it arrive', async () => {
    const before = await chat(gw, {});
    const bad = await chat(gw, { metadata: { run_id: 'not-a-uuid' } });
    const after = await chat(gw, {});
    await waitRun(langsmith, before.id);
    await waitRun(langsmith, after.id);
    await until(() => gw.logs.some((l) => l.includes('langsmith: LangSmith refused runs as invalid')));
    expect(runOf(langsmith, bad.id)).toBeUndefined();
  });

  it('LangSmith down, then back: every run is delivered once', async () => {
    langsmith.setDown(true);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await chat(gw, {})).id);
    await new Promise((r) => setTimeout(r, 300));
    expect(ids.filter((id) => runOf(langsmith, id))).toEqual([]);
    langsmith.setDown(false);
    await until(() => ids.every((id) => runOf(langsmith, id)), 15_000);
    expect(langsmith.runs.filter((r) => ids.includes(r.run.inputs.id))).toHaveLength(5);
  });

  it("a team's own LangSmith (callback_settings via /team/new): that team's calls only, with its key and project", async () => {
    const api = async (path: string, body: unknown) => {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(res.status, JSON.stringify(json)).toBe(200);
      return json;
    };
    const vars = { langsmith_api_key: 'os.environ/LANGSMITH_TEAM_KEY', langsmith_project: 'team-a-project', langsmith_base_url: teamLangsmith.url };
    await api('/team/new', { team_id: 'ls-team-a', metadata: { callback_settings: { success_callback: ['langsmith'], callback_vars: vars } } });
    await api('/team/new', { team_id: 'ls-team-b' });
    const keyA = (await api('/key/generate', { team_id: 'ls-team-a' })).key as string;
    const keyB = (await api('/key/generate', { team_id: 'ls-team-b' })).key as string;
    const a = await chat(gw, {}, keyA);
    const b = await chat(gw, {}, keyB);
    const teamRun = await waitRun(teamLangsmith, a.id);
    await waitRun(langsmith, b.id);
    expect(teamRun.apiKey).toBe('lsv2_pt_team_key');
    expect(teamRun.run.session_name).toBe('team-a-project');
    expect(teamRun.run.extra.metadata.user_api_key_team_id).toBe('ls-team-a');
    expect(runOf(langsmith, a.id)).toBeUndefined();
    expect(runOf(teamLangsmith, b.id)).toBeUndefined();

    // os.environ/ admits LANGSMITH_* only: another variable is not read, and the gateway's key never goes to the team's URL.
    await api('/team/new', {
      team_id: 'ls-team-c',
      metadata: { callback_settings: { success_callback: ['langsmith'], callback_vars: { langsmith_api_key: 'os.environ/OTHER_SECRET', langsmith_base_url: teamLangsmith.url } } },
    });
    const keyC = (await api('/key/generate', { team_id: 'ls-team-c' })).key as string;
    const c = await chat(gw, {}, keyC);
    const a2 = await chat(gw, {}, keyA);
    await waitRun(teamLangsmith, a2.id);
    expect(runOf(teamLangsmith, c.id)).toBeUndefined();
    expect(teamLangsmith.runs.every((r) => r.apiKey === 'lsv2_pt_team_key')).toBe(true);
  });
});
