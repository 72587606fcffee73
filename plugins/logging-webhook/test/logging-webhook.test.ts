/**
 * LiteLLM's generic_api / custom_callback_api callbacks end to end: real gateways, a fake upstream
 * and a plain HTTP receiver. Checks GENERIC_LOGGER_ENDPOINT / GENERIC_LOGGER_HEADERS, the body
 * (a JSON list of StandardLoggingPayload), named callback_settings entries (auto-enabled, their
 * own endpoint, event_types, ndjson and single formats), success/failure lists,
 * turn_off_message_logging, a team's own endpoint, and a missing endpoint as a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeWebhook, type FakeWebhook } from './fake-webhook.js';

function config(upstream: string, extra: Record<string, unknown> = {}, litellm: Record<string, unknown> = {}, pluginConfig: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream, api_key: 'sk-upstream-secret-1' } },
      { model_name: 'gpt-fail', litellm_params: { model: 'openai/gpt-fail', api_base: upstream, api_key: 'sk-upstream-secret-1' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { num_retries: 0 },
    litellm_settings: { num_retries: 0, ...litellm },
    plugins: [{ use: 'logging-webhook', config: { flush_interval: 0.1, ...pluginConfig } }],
    ...extra,
  } as SluiceConfig;
}

async function chat(url: string, model: string, content: string, key = MASTER_KEY) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return { status: res.status, id: res.headers.get('x-litellm-call-id')! };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const logOf = (hook: FakeWebhook, id: string) => hook.requests.flatMap((r) => r.logs).find((l) => l.id === id);

describe('generic_api webhook logging plugin', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      if (req.body?.model === 'gpt-fail') return sendJson(res, 500, { error: { message: 'boom', type: 'server_error' } });
      sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${req.body?.messages?.[0]?.content}` }, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } });
    });
  });
  afterAll(() => upstream.close());

  describe('GENERIC_LOGGER_ENDPOINT with callbacks: [generic_api]', () => {
    let hook: FakeWebhook;
    let gw: TestGateway;
    beforeAll(async () => {
      hook = await startFakeWebhook({ keepRequests: true });
      gw = await startGateway(config(upstream.url, {}, { callbacks: ['generic_api'] }), {
        env: { GENERIC_LOGGER_ENDPOINT: hook.url, GENERIC_LOGGER_HEADERS: 'Authorization=Bearer hook-token-123,X-Team=platform' },
      });
    });
    afterAll(async () => {
      await gw.close();
      await hook.close();
    });

    it('POSTs a JSON list of StandardLoggingPayload with the configured headers', async () => {
      const ok = await chat(gw.url, 'gpt-4o-mini', 'hello hook');
      const failed = await chat(gw.url, 'gpt-fail', 'will fail');
      expect(failed.status).toBeGreaterThanOrEqual(500);
      await until(() => logOf(hook, ok.id) !== undefined && logOf(hook, failed.id) !== undefined);
      const req = hook.requests.find((r) => r.logs.some((l) => l.id === ok.id))!;
      expect(req.text.trim().startsWith('[')).toBe(true);
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers.authorization).toBe('Bearer hook-token-123');
      expect(req.headers['x-team']).toBe('platform');
      expect(logOf(hook, ok.id)).toMatchObject({ id: ok.id, call_type: 'acompletion', status: 'success', model_group: 'gpt-4o-mini', total_tokens: 6, messages: [{ role: 'user', content: 'hello hook' }] });
      expect(logOf(hook, ok.id)!.response.choices[0].message.content).toBe('echo: hello hook');
      expect(logOf(hook, failed.id)).toMatchObject({ status: 'failure', error_information: { error_code: String(failed.status) } });
      expect(JSON.stringify(hook.requests)).not.toContain('sk-upstream-secret-1');
      // The header token is a secret: never in the gateway's own logs.
      expect(gw.logs.join('\n')).not.toContain('hook-token-123');
    });
  });

  it("carries guardrail_information: each guardrail that ran, passing or refusing, with LiteLLM's fields", async () => {
    const hook = await startFakeWebhook({ keepRequests: true });
    const gw = await startGateway(config(upstream.url, {}, { callbacks: ['generic_api', 'hide_secrets', 'banned_keywords'], banned_keywords_list: ['falcon'] }), { env: { GENERIC_LOGGER_ENDPOINT: hook.url } });
    try {
      const passed = await chat(gw.url, 'gpt-4o-mini', 'hello guarded hook');
      const refused = await chat(gw.url, 'gpt-4o-mini', 'tell me about the falcon');
      expect(refused.status).toBe(400);
      await until(() => logOf(hook, passed.id) !== undefined && logOf(hook, refused.id) !== undefined);
      const ran = logOf(hook, passed.id)!.guardrail_information as Record<string, unknown>[];
      expect(ran.map((g) => g.guardrail_status)).toEqual(ran.map(() => 'success'));
      // Both check the prompt; banned_keywords checks the answer too.
      expect(ran.filter((g) => g.guardrail_mode === 'pre_call').length).toBe(2);
      for (const g of ran) {
        expect(['pre_call', 'post_call']).toContain(g.guardrail_mode);
        expect(g.guardrail_response).toBeNull();
        expect(Object.keys(g).sort()).toEqual(['duration', 'end_time', 'guardrail_mode', 'guardrail_name', 'guardrail_response', 'guardrail_status', 'start_time']);
        expect(g.end_time as number).toBeGreaterThanOrEqual(g.start_time as number);
      }
      const stopped = (logOf(hook, refused.id)!.guardrail_information as Record<string, unknown>[]).find((g) => g.guardrail_status === 'guardrail_intervened');
      expect(stopped).toMatchObject({ guardrail_mode: 'pre_call', guardrail_response: expect.stringContaining('banned') });
    } finally {
      await gw.close();
      await hook.close();
    }
  });

  it('sends custom_callback_api from success_callback only on success', async () => {
    const hook = await startFakeWebhook({ keepRequests: true });
    const gw = await startGateway(config(upstream.url, {}, { success_callback: ['custom_callback_api'] }), { env: { GENERIC_LOGGER_ENDPOINT: hook.url } });
    try {
      const failed = await chat(gw.url, 'gpt-fail', 'x');
      const ok = await chat(gw.url, 'gpt-4o-mini', 'y');
      await until(() => logOf(hook, ok.id) !== undefined);
      await gw.close();
      expect(logOf(hook, failed.id)).toBeUndefined();
    } finally {
      await gw.close();
      await hook.close();
    }
  });

  it('auto-enables callback_settings entries: own endpoint, event_types, ndjson and single formats, turn_off_message_logging', async () => {
    const failures = await startFakeWebhook({ keepRequests: true });
    const singles = await startFakeWebhook({ keepRequests: true });
    const cfg = config(
      upstream.url,
      {
        callback_settings: {
          failures_only: { callback_type: 'generic_api', endpoint: failures.url, headers: { 'X-Source': 'sluice' }, event_types: ['llm_api_failure'], log_format: 'ndjson', flush_interval: 0.1 },
          one_per_log: { callback_type: 'generic_api', endpoint: singles.url, log_format: 'single', flush_interval: 0.1 },
          not_mine: { callback_type: 'otel', message_logging: false },
        },
      },
      { turn_off_message_logging: true },
      { flush_interval: 0.1, batch_size: 10 },
    );
    const gw = await startGateway(cfg);
    try {
      expect(gw.gateway.warnings.join('\n')).not.toMatch(/failures_only|one_per_log/);
      const ok1 = await chat(gw.url, 'gpt-4o-mini', 'secret words');
      const ok2 = await chat(gw.url, 'gpt-4o-mini', 'secret words');
      const failed = await chat(gw.url, 'gpt-fail', 'secret words');
      await until(() => [ok1, ok2, failed].every((c) => logOf(singles, c.id)) && logOf(failures, failed.id) !== undefined);
      expect(logOf(failures, ok1.id)).toBeUndefined();
      const ndjson = failures.requests.find((r) => r.logs.some((l) => l.id === failed.id))!;
      expect(ndjson.text.trim().startsWith('{')).toBe(true);
      expect(ndjson.headers['x-source']).toBe('sluice');
      expect(singles.requests.every((r) => r.logs.length === 1 && r.text.trim().startsWith('{'))).toBe(true);
      expect(logOf(singles, ok1.id)!.messages).toBe('redacted-by-litellm');
      expect(JSON.stringify(singles.requests.map((r) => r.text))).not.toContain('secret words');
    } finally {
      await gw.close();
      await failures.close();
      await singles.close();
    }
  });

  it('turns the plugin on from callback_settings alone, and a listed settings name is no unknown callback', async () => {
    const hook = await startFakeWebhook({ keepRequests: true });
    const cfg = {
      ...config(upstream.url, { callback_settings: { my_api: { callback_type: 'generic_api', endpoint: hook.url, flush_interval: 0.1 } } }, { callbacks: ['my_api'] }),
      plugins: [],
    } as SluiceConfig;
    const gw = await startGateway(cfg);
    try {
      expect(gw.gateway.plugins.map((p) => p.id)).toContain('logging-webhook');
      expect(gw.gateway.warnings.join('\n')).not.toContain('my_api');
      const ok = await chat(gw.url, 'gpt-4o-mini', 'auto');
      await until(() => logOf(hook, ok.id) !== undefined);
    } finally {
      await gw.close();
      await hook.close();
    }
  });

  it("sends a team's calls to the team's own endpoint (default_team_settings custom_callback_api_url)", async () => {
    const global = await startFakeWebhook({ keepRequests: true });
    const teamHook = await startFakeWebhook({ keepRequests: true });
    const cfg = config(upstream.url, {}, {
      callbacks: ['generic_api'],
      default_team_settings: [{ team_id: 'team-hook', success_callback: ['generic_api'], custom_callback_api_url: teamHook.url, custom_callback_api_headers: 'Authorization=Bearer team-tok' }],
    });
    const gw = await startGateway(cfg, { env: { GENERIC_LOGGER_ENDPOINT: global.url } });
    try {
      const post = (path: string, body: unknown) => fetch(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/team/new', { team_id: 'team-hook' })).status).toBe(200);
      const teamKey = ((await (await post('/key/generate', { team_id: 'team-hook' })).json()) as { key: string }).key;
      const teamCall = await chat(gw.url, 'gpt-4o-mini', 'team', teamKey);
      const adminCall = await chat(gw.url, 'gpt-4o-mini', 'admin');
      await until(() => logOf(teamHook, teamCall.id) !== undefined && logOf(global, adminCall.id) !== undefined);
      expect(teamHook.requests[0]!.headers.authorization).toBe('Bearer team-tok');
      expect(logOf(global, teamCall.id)).toBeUndefined();
      expect(logOf(teamHook, adminCall.id)).toBeUndefined();
    } finally {
      await gw.close();
      await global.close();
      await teamHook.close();
    }
  });

  it('warns, and serves calls, when generic_api has no endpoint', async () => {
    const gw = await startGateway(config(upstream.url, {}, { callbacks: ['generic_api'] }), { env: { GENERIC_LOGGER_ENDPOINT: '' } });
    try {
      expect((await chat(gw.url, 'gpt-4o-mini', 'still served')).status).toBe(200);
      expect(gw.logs.join('\n')).toContain('GENERIC_LOGGER_ENDPOINT not found');
    } finally {
      await gw.close();
    }
  });
});
