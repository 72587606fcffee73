/**
 * LiteLLM's `tests/proxy_unit_tests/test_key_generate_prisma.py`, ported. Upstream calls the proxy's
 * Python functions directly (new_user, generate_key_fn, user_api_key_auth, _PROXY_track_cost_callback…);
 * each ported test sends the same inputs as HTTP requests to the routes those functions serve and
 * asserts the same outcome on the answer. "Authenticates" (user_api_key_auth returning) becomes a
 * call on an OpenAI route that is not refused with 401/403; spend that upstream injects with the
 * cost callback comes from a real call to the fake upstream (its cost is Sluice's price of the
 * call, not upstream's made-up `response_cost`).
 *
 * Not ported (no HTTP-observable intent, or a Python-only mechanism):
 * - test_end_user_cache_write_unit_test: its body is `pass`.
 * - test_key_generate_with_custom_auth: a Python `user_custom_key_generate` function; Sluice's
 *   extension point for that is a plugin, not a config callable.
 * - test_key_name_null: the `DISABLE_KEY_NAME` environment toggle is not supported (key_name is
 *   always `sk-...<last 4>`).
 * - test_update_logs_with_spend_logs_url: unit test of DBSpendUpdateWriter's in-memory queue.
 * - test_proxy_load_test_db: skipped upstream (a 5000-call load test of the cost callback).
 * - test_user_api_key_auth_db_unavailable, test_user_api_key_auth_db_unavailable_not_allowed:
 *   they mock the Prisma client to fail; `allow_requests_on_db_unavailable` is not supported.
 * - test_key_generate_with_secret_manager_call: mocks AWS Secrets Manager
 *   (`key_management_settings.store_virtual_keys`), not supported.
 * - test_should_track_cost_callback: unit test of a private helper.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { DATABASE_BACKENDS } from '../support/database-backends.js';
import { chatCompletion, eventually, ok } from './compat-helpers.js';
import { litellmTestModels, startLiteLLMProxy, type LiteLLMProxy, type ProxyAnswer } from './litellm-proxy.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The model names this file's tests call, besides the harness's, on the same fake upstream. */
function models(upstreamUrl: string): SluiceConfig['model_list'] {
  // Each name is served by a priced OpenAI model, so its calls cost something (budgets are crossed).
  const openai = (model_name: string, model: string, model_info?: Record<string, unknown>) => ({
    model_name,
    litellm_params: { model: `openai/${model}`, api_base: upstreamUrl, api_key: 'sk-fake-upstream-0000' },
    ...(model_info && { model_info }),
  });
  return [
    ...litellmTestModels(upstreamUrl)!.filter((m) => (m as { model_name: string }).model_name !== 'gpt-4o'),
    openai('gpt-4o', 'gpt-4o', { access_groups: ['beta-models'] }),
    openai('gemini-pro-vision', 'gpt-4o', { access_groups: ['beta-models'] }),
    openai('mistral', 'gpt-4o-mini'),
    openai('azure-gpt-3.5', 'gpt-3.5-turbo'),
    openai('gpt-4o-mini', 'gpt-4o-mini'),
    openai('openai/gpt-4o-mini', 'gpt-4o-mini'),
    openai('chatgpt-v-3', 'gpt-4'),
    openai('gemini-experimental', 'gpt-4o'),
  ] as SluiceConfig['model_list'];
}

const TENANCY = { use: 'governance-tenancy', config: { budget_reset_interval_ms: 500, spend_flush_interval_ms: 200 } };

/** A proxy with its own settings (upstream sets `litellm.*` globals per test), closed after `fn`. */
async function withProxy(extra: Record<string, unknown>, fn: (proxy: LiteLLMProxy) => Promise<void>): Promise<void> {
  const proxy = await startLiteLLMProxy({ plugins: [TENANCY], ...extra } as never, {}, models);
  try {
    await fn(proxy);
  } finally {
    await proxy.close();
  }
}

/** A 200 on an OpenAI route, or the error message (upstream's `pytest.fail` / `except` pair). */
function authError(r: ProxyAnswer): { status: number; message: string; type: string; param: unknown; code: unknown } | undefined {
  if (r.status === 200) return undefined;
  const e = r.body?.error ?? {};
  return { status: r.status, message: String(e.message ?? r.text), type: e.type, param: e.param, code: e.code };
}

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(!!backend.skip)(`tests/proxy_unit_tests/test_key_generate_prisma.py on ${backend.name}`, () => {
    let proxy: LiteLLMProxy;
    let drop: () => Promise<void> = async () => {};
    let database: Knex;

    beforeAll(async () => {
      const db = await backend.open();
      drop = db.drop;
      database = db.knex;
      proxy = await startLiteLLMProxy({ plugins: [TENANCY] } as never, db.env, models);
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await drop();
    });

    const post = async (path: string, body: unknown, key = 'sk-1234'): Promise<Json> => ok(await proxy.request('POST', path, { key, body }), path);
    const get = async (path: string, key = 'sk-1234'): Promise<Json> => ok(await proxy.request('GET', path, { key }), path);
    /** new_user(NewUserRequest(...)) */
    const newUser = (body: Record<string, unknown> = {}) => post('/user/new', body);
    /** generate_key_fn(GenerateKeyRequest(...)) */
    const generateKey = (body: Record<string, unknown> = {}) => post('/key/generate', body);
    /** info_key_fn(key=...) as a proxy admin */
    const keyInfo = (key: string) => get(`/key/info?key=${key}`);
    /** new_team(NewTeamRequest(...)) */
    const newTeam = (body: Record<string, unknown>) => post('/team/new', body);
    /** user_api_key_auth on /chat/completions with a body naming `model` (a real call here). */
    const call = (key: string, model = 'gpt-4', extra: Record<string, unknown> = {}) => chatCompletion(proxy, key, model, extra);
    /** Spend written for `key` (upstream's sleep + update_spend). */
    const spendRecorded = (key: string) => eventually(async () => ((await keyInfo(key)).info.spend > 0 ? true : undefined));

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_new_user_response
    it('test_new_user_response', async () => {
      const _team_id = `ishaan-special-team_${randomUUID()}`;
      await newTeam({ team_id: _team_id });
      const _response = await newUser({ models: ['azure-gpt-3.5'], team_id: _team_id, tpm_limit: 20 });
      expect(_response.models).toEqual(['azure-gpt-3.5']);
      expect(_response.team_id).toBe(_team_id);
      expect(_response.tpm_limit).toBe(20);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_and_call_with_valid_key (parametrized: api_route)
    // Upstream only authenticates the request; here the key calls the route and must not be refused.
    const ROUTES: Array<[string, string, Record<string, unknown> | undefined]> = [
      ['POST', '/engines/gpt-4/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
      ['POST', '/openai/deployments/gpt-4/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
      ['POST', '/chat/completions', { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] }],
      ['POST', '/v1/chat/completions', { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] }],
      ['POST', '/completions', { model: 'gpt-4', prompt: 'hi' }],
      ['POST', '/v1/completions', { model: 'gpt-4', prompt: 'hi' }],
      ['POST', '/engines/gpt-4/completions', { prompt: 'hi' }],
      ['POST', '/openai/deployments/gpt-4/completions', { prompt: 'hi' }],
      ['POST', '/v1/embeddings', { model: 'text-embedding-ada-002', input: 'hi' }],
      ['POST', '/embeddings', { model: 'text-embedding-ada-002', input: 'hi' }],
      ['POST', '/openai/deployments/text-embedding-ada-002/embeddings', { input: 'hi' }],
      ['POST', '/v1/images/generations', { model: 'dall-e-3', prompt: 'hi' }],
      ['POST', '/images/generations', { model: 'dall-e-3', prompt: 'hi' }],
      ['POST', '/v1/audio/transcriptions', undefined],
      ['POST', '/audio/transcriptions', undefined],
      ['POST', '/v1/moderations', { input: 'hi' }],
      ['POST', '/moderations', { input: 'hi' }],
      ['GET', '/v1/models', undefined],
      ['GET', '/models', undefined],
      ['GET', '/v1/threads/thread_49EIN5QF32s4mH20M7GFKdlZ', undefined],
    ];
    // /v1/threads… is OpenAI's Assistants API (deprecated by OpenAI), which Sluice does not serve
    // (README, Known differences); the case stays so it runs if it ever is.
    const NEEDS_API_BREADTH = /^\/(v1\/)?(threads)\b/;
    for (const [method, path, body] of ROUTES) {
      (NEEDS_API_BREADTH.test(path) ? it.skip : it)(`test_generate_and_call_with_valid_key[${path}]`, async () => {
        const key = await newUser({ user_role: 'internal_user' });
        const new_user_info = (await get(`/user/info?user_id=${key.user_id}`)).user_info;
        expect(new_user_info.user_role).toBe('internal_user');
        expect(new_user_info.user_id).toBe(key.user_id);
        const r = await proxy.request(method, path, { key: key.key, body });
        // Authenticated and routed: not refused (401/403) and not an unknown route (404).
        expect([401, 403, 404], `${method} ${path}: ${r.status} ${r.text.slice(0, 300)}`).not.toContain(r.status);
      });
    }

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_invalid_key
    it('test_call_with_invalid_key', async () => {
      const e = authError(await call('sk-126666'));
      expect(e?.message).toContain('Authentication Error, Invalid proxy server token passed');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_invalid_model
    it('test_call_with_invalid_model', async () => {
      const key = await newUser({ models: ['mistral'] });
      const e = authError(await call(key.key, 'gemini-pro-vision'));
      expect(e).toBeDefined();
      expect(e!.type).toBe('key_model_access_denied');
      expect(e!.param).toBe('model');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_valid_model
    it('test_call_with_valid_model', async () => {
      const key = await newUser({ models: ['mistral'] });
      expect(authError(await call(key.key, 'mistral'))).toBeUndefined();
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_valid_model_using_all_models
    it('test_call_with_valid_model_using_all_models', async () => {
      const new_team_response = await newTeam({ team_alias: 'testing-team', models: ['all-proxy-models'] });
      const created_team_id = new_team_response.team_id;
      const key = await generateKey({ models: ['all-team-models'], team_id: created_team_id });
      expect(authError(await call(key.key, 'mistral'))).toBeUndefined();
      const key_info = await keyInfo(key.key);
      expect(key_info.info.models).toEqual(['all-team-models']);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_user_over_budget
    it('test_call_with_user_over_budget', async () => {
      const key = await newUser({ max_budget: 0.00001 });
      expect(authError(await call(key.key))).toBeUndefined();
      await spendRecorded(key.key);
      const e = authError(await call(key.key));
      expect(e?.message).toContain('ExceededBudget:');
      expect(e?.type).toBe('budget_exceeded');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_end_user_over_budget
    // Upstream also sets `litellm.max_end_user_budget`; the customer's own max_budget is what is crossed.
    it('test_call_with_end_user_over_budget', async () => {
      const user = `ishaan ${randomUUID().replaceAll('-', '')}`;
      await post('/end_user/new', { user_id: user, max_budget: 0.000001 });
      expect(authError(await call('sk-1234', 'gemini-pro-vision', { user }))).toBeUndefined();
      const e = await eventually(async () => authError(await call('sk-1234', 'gemini-pro-vision', { user })));
      expect(e.message).toContain('ExceededBudget: End User=');
      expect(e.message).toContain('over budget');
      expect(e.type).toBe('budget_exceeded');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_proxy_over_budget
    it('test_call_with_proxy_over_budget', async () => {
      await withProxy({ litellm_settings: { max_budget: 0.00001 } }, async (p) => {
        const key = ok(await p.request('POST', '/user/new', { body: {} }), '/user/new');
        expect(authError(await chatCompletion(p, key.key))).toBeUndefined();
        const e = await eventually(async () => authError(await chatCompletion(p, key.key)));
        expect(e.message).toContain('Budget has been exceeded');
        expect(e.type).toBe('budget_exceeded');
      });
    }, 30_000);

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_user_over_budget_stream
    it('test_call_with_user_over_budget_stream', async () => {
      const key = await newUser({ max_budget: 0.00001 });
      const streamed = await call(key.key, 'gpt-4', { stream: true });
      expect(streamed.status).toBe(200);
      await spendRecorded(key.key);
      const e = authError(await call(key.key));
      expect(e?.message).toContain('ExceededBudget:');
      expect(e?.type).toBe('budget_exceeded');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_proxy_over_budget_stream
    it('test_call_with_proxy_over_budget_stream', async () => {
      await withProxy({ litellm_settings: { max_budget: 0.00001 } }, async (p) => {
        const key = ok(await p.request('POST', '/user/new', { body: {} }), '/user/new');
        expect((await chatCompletion(p, key.key, 'gpt-4', { stream: true })).status).toBe(200);
        const e = await eventually(async () => authError(await chatCompletion(p, key.key)));
        expect(e.message).toContain('Budget has been exceeded');
      });
    }, 30_000);

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_and_call_with_valid_key_never_expires
    it('test_generate_and_call_with_valid_key_never_expires', async () => {
      const key = await newUser({ duration: null });
      expect(authError(await call(key.key))).toBeUndefined();
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_and_call_with_expired_key
    it('test_generate_and_call_with_expired_key', async () => {
      const key = await newUser({ duration: '0s' });
      const e = authError(await call(key.key));
      expect(e?.message).toContain('Authentication Error');
      expect(e?.type).toBe('expired_key');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_delete_key
    it('test_delete_key', async () => {
      const key = await newUser();
      const result_delete_key = await post('/key/delete', { keys: [key.key] });
      expect(result_delete_key).toEqual({ deleted_keys: [key.key] });
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_delete_key_auth
    it('test_delete_key_auth', async () => {
      const key = await newUser();
      expect(authError(await call(key.key))).toBeUndefined(); // the key is cached before it is deleted
      const result_delete_key = await post('/key/delete', { keys: [key.key] });
      expect(result_delete_key).toEqual({ deleted_keys: [key.key] });
      const e = authError(await call(key.key));
      expect(e?.message).toContain('Authentication Error');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_and_call_key_info
    it('test_generate_and_call_key_info', async () => {
      const key = await newUser({ metadata: { team: 'litellm-team3', project: 'litellm-project3' } });
      const result = await keyInfo(key.key);
      expect(result.key).toBe(key.key);
      expect(result.info.max_parallel_requests).toBeNull();
      expect(result.info.metadata).toEqual({ team: 'litellm-team3', project: 'litellm-project3' });
      await post('/key/delete', { keys: [key.key] });
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_and_update_key
    it('test_generate_and_update_key', async () => {
      const _team_1 = `litellm-core-infra@gmail.com_${randomUUID()}`;
      await newTeam({ team_id: _team_1 });
      const _team_2 = `ishaan-special-team_${randomUUID()}`;
      await newTeam({ team_id: _team_2 });
      const key = await newUser({ metadata: { project: 'litellm-project3' }, team_id: _team_1 });
      const generated_key = key.key;
      let result = await keyInfo(generated_key);
      expect(result.key).toBe(generated_key);
      expect(result.info.max_parallel_requests).toBeNull();
      expect(result.info.metadata).toEqual({ project: 'litellm-project3' });
      expect(result.info.team_id).toBe(_team_1);
      await post('/key/update', { key: generated_key, models: ['ada', 'babbage', 'curie', 'davinci'], budget_duration: '1mo', max_budget: 100 });
      await post('/key/update', { key: generated_key, tpm_limit: 1000 });
      result = await keyInfo(generated_key);
      expect(result.key).toBe(generated_key);
      expect(result.info.max_parallel_requests).toBeNull();
      expect(result.info.metadata).toEqual({ project: 'litellm-project3' });
      expect(result.info.models).toEqual(['ada', 'babbage', 'curie', 'davinci']);
      expect(result.info.tpm_limit).toBe(1000);
      expect(result.info.budget_duration).toBe('1mo');
      expect(result.info.max_budget).toBe(100);
      // budget_reset_at should exist for "1mo" duration, and be about a month away
      expect(result.info.budget_reset_at).not.toBeNull();
      const days_diff = (Date.parse(result.info.budget_reset_at) - Date.now()) / 86_400_000;
      expect(days_diff).toBeGreaterThanOrEqual(0);
      expect(days_diff).toBeLessThanOrEqual(40);
      await post('/key/delete', { keys: [generated_key] });
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_key_over_budget
    // The spend-log check is kept (request_id = the response id, its model, a positive spend);
    // upstream's exact cache_key hash belongs to its own cache key scheme and is left out.
    it('test_call_with_key_over_budget', async () => {
      const key = await generateKey({ max_budget: 0.00001 });
      const first = await call(key.key, 'chatgpt-v-3');
      expect(authError(first)).toBeUndefined();
      const request_id = first.body.id;
      const spend_logs = await eventually(async () => {
        const logs = await get(`/spend/logs?request_id=${request_id}`);
        return Array.isArray(logs) && logs.length > 0 ? logs : undefined;
      });
      expect(spend_logs.length).toBe(1);
      const spend_log = spend_logs[0];
      expect(spend_log.request_id).toBe(request_id);
      expect(spend_log.spend).toBeGreaterThan(0);
      expect(spend_log.model).toBe('chatgpt-v-3');
      await spendRecorded(key.key);
      const e = authError(await call(key.key, 'chatgpt-v-3'));
      expect(e?.message).toContain('Budget has been exceeded');
      expect(e?.type).toBe('budget_exceeded');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_key_over_budget_no_cache
    // Upstream empties the key cache before the spend is written; here the spend is written while the
    // key is cached and the refusal must still follow (the cached key is not a stale budget).
    it('test_call_with_key_over_budget_no_cache', async () => {
      const key = await generateKey({ max_budget: 0.00001 });
      expect(authError(await call(key.key, 'chatgpt-v-3'))).toBeUndefined();
      await spendRecorded(key.key);
      const e = authError(await call(key.key, 'chatgpt-v-3'));
      expect(e?.message).toContain('Budget has been exceeded');
      expect(e?.type).toBe('budget_exceeded');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_aasync_call_with_key_over_model_budget (parametrized)
    for (const [request_model, should_pass] of [['openai/gpt-4o-mini', false], ['gpt-4o-mini', false], ['gpt-4o', true]] as const) {
      it(`test_aasync_call_with_key_over_model_budget[${request_model}-${should_pass}]`, async () => {
        const model_max_budget = {
          'gpt-4o-mini': { budget_limit: '0.000001', time_period: '1d' },
          'gpt-4o': { budget_limit: '200', time_period: '30d' },
        };
        const key = await generateKey({ max_budget: 100000, model_max_budget });
        expect(authError(await call(key.key, request_model))).toBeUndefined();
        await spendRecorded(key.key);
        const e = authError(await call(key.key, request_model));
        if (should_pass) {
          expect(e).toBeUndefined();
          return;
        }
        expect(e?.message).toContain(`exceeded budget for model=${request_model}`);
        expect(e?.type).toBe('budget_exceeded');
      });
    }

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_key_never_over_budget
    it('test_call_with_key_never_over_budget', async () => {
      const key = await generateKey({ max_budget: null });
      expect(authError(await call(key.key))).toBeUndefined();
      await spendRecorded(key.key);
      expect(authError(await call(key.key))).toBeUndefined();
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_call_with_key_over_budget_stream
    it('test_call_with_key_over_budget_stream', async () => {
      const key = await generateKey({ max_budget: 0.00001 });
      expect((await call(key.key, 'gpt-4', { stream: true })).status).toBe(200);
      await spendRecorded(key.key);
      const e = authError(await call(key.key));
      expect(e?.message).toContain('Budget has been exceeded');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_aview_spend_per_user
    it('test_aview_spend_per_user', async () => {
      const key = await newUser({});
      await call(key.key);
      const user_by_spend = await eventually(async () => {
        const rows = await get('/spend/users');
        return Array.isArray(rows) && rows.length > 0 ? rows : undefined;
      });
      const first_user = user_by_spend[0];
      expect(first_user.spend).toBeGreaterThanOrEqual(0);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_view_spend_per_key
    it('test_view_spend_per_key', async () => {
      await generateKey({ models: ['gpt-3.5-turbo'], max_budget: 100 });
      const key_by_spend = await get('/spend/keys');
      expect(Array.isArray(key_by_spend)).toBe(true);
      if (key_by_spend.length > 0) expect(key_by_spend[0].spend).toBeGreaterThanOrEqual(0);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_key_name_set
    it('test_key_name_set', async () => {
      const key = await generateKey({});
      const result = await keyInfo(key.key);
      expect(typeof result.info.key_name).toBe('string');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_default_key_params
    it('test_default_key_params', async () => {
      await withProxy({ litellm_settings: { default_key_generate_params: { max_budget: 0.000122 } } }, async (p) => {
        const key = ok(await p.request('POST', '/key/generate', { body: {} }), '/key/generate');
        const result = ok(await p.request('GET', `/key/info?key=${key.key}`), '/key/info');
        expect(result.info.max_budget).toBe(0.000122);
      });
    }, 30_000);

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_upperbound_key_param_larger_budget
    it('test_upperbound_key_param_larger_budget', async () => {
      await withProxy({ litellm_settings: { upperbound_key_generate_params: { max_budget: 0.001, budget_duration: '1m' } } }, async (p) => {
        const r = await p.request('POST', '/key/generate', { body: { max_budget: 200000, budget_duration: '30d' } });
        expect(r.body.error.code).toBe(String(400));
      });
    }, 30_000);

    describe('upperbound_key_generate_params: {max_budget: 100, duration: "14d"}', () => {
      let bounded: LiteLLMProxy;
      beforeAll(async () => {
        bounded = await startLiteLLMProxy({ plugins: [TENANCY], litellm_settings: { upperbound_key_generate_params: { max_budget: 100, duration: '14d' } } } as never, {}, models);
      }, 60_000);
      afterAll(() => bounded?.close());

      // tests/proxy_unit_tests/test_key_generate_prisma.py::test_upperbound_key_param_larger_duration
      it('test_upperbound_key_param_larger_duration', async () => {
        const r = await bounded.request('POST', '/key/generate', { body: { max_budget: 10, duration: '30d' } });
        expect(r.status, 'Expected this to fail but it passed').not.toBe(200);
        expect(r.body.error.code).toBe(String(400));
      });

      // tests/proxy_unit_tests/test_key_generate_prisma.py::test_upperbound_key_param_none_duration
      it('test_upperbound_key_param_none_duration', async () => {
        const key = ok(await bounded.request('POST', '/key/generate', { body: {} }), '/key/generate');
        expect(key.max_budget).toBe(100);
        expect(key.expires).not.toBeNull();
        const _date_key_expires = new Date(key.expires).toISOString().slice(0, 10);
        const _fourteen_days_from_now = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
        expect(_date_key_expires).toBe(_fourteen_days_from_now);
      });
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_get_bearer_token
    // Upstream unit-tests the header parser; over HTTP the same header values give: a Bearer token is
    // read (a known one authenticates, an unknown one is an invalid key), a value without the Bearer
    // scheme is malformed. (Leading spaces cannot be sent: HTTP trims header values.)
    it('test_get_bearer_token', async () => {
      const send = (authorization: string) => proxy.request('GET', '/v1/models', { key: '', headers: { authorization } });
      expect((await send('Bearer sk-1234')).status).toBe(200);
      const valid = await send('Bearer valid_token');
      expect(valid.status).toBe(401);
      expect(valid.body.error.message).not.toContain('Malformed');
      const invalid = await send('invalid_token');
      expect(invalid.body.error.message).toContain('Malformed API Key passed in. Ensure Key has `Bearer ` prefix');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_user_api_key_auth
    it('test_user_api_key_auth', async () => {
      // Test case: No API Key passed in
      let r = await proxy.request('POST', '/chat/completions', { key: '', body: { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] } });
      expect(r.body.error.message).toBe('Authentication Error, No api key passed in.');
      // Test case: Malformed API Key (missing 'Bearer ' prefix)
      r = await proxy.request('POST', '/chat/completions', { key: '', headers: { authorization: 'my_token' }, body: { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] } });
      expect(r.body.error.message).toBe('Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.');
      // Test case: User passes empty string API Key
      r = await proxy.request('POST', '/chat/completions', { key: '', headers: { authorization: '' }, body: { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] } });
      expect(r.body.error.message).toContain('Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_user_api_key_auth_without_master_key
    // Known difference, kept: LiteLLM without a master key admits every request; Sluice generates and
    // stores a master key instead (auth-master-key's `generate_if_missing`), so it is never open by
    // accident. The port is kept to show the upstream expectation; it does not run.
    it.skip('test_user_api_key_auth_without_master_key', async () => {
      await withProxy({ general_settings: { master_key: undefined } }, async (p) => {
        const body = { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] };
        for (const headers of [{}, { authorization: 'my_token' }, { authorization: '' }, { authorization: 'Bearer 1234' }] as Array<Record<string, string>>) {
          const r = await p.request('POST', '/chat/completions', { key: '', headers, body });
          expect(r.status, JSON.stringify(headers) + ' ' + r.text).toBe(200);
        }
      });
    }, 30_000);

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_key_with_no_permissions
    // Upstream calls generate_key_helper_fn with key_max_budget=0 and expects the key's call to fail
    // (its `except` accepts any error). Over HTTP: a key whose max_budget is 0 is refused.
    it('test_key_with_no_permissions', async () => {
      await newTeam({ team_id: `litellm-dashboard-${randomUUID()}` });
      const key = await generateKey({ duration: '1h', max_budget: 0, models: [], aliases: {}, config: {}, spend: 0, user_id: 'ishaan' });
      expect(authError(await call(key.key))).toBeDefined();
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_master_key_hashing
    it('test_master_key_hashing', async () => {
      const _team_id = `ishaans-special-team_${randomUUID()}`;
      await newTeam({ team_id: _team_id });
      const _response = await newUser({ models: ['azure-gpt-3.5'], team_id: _team_id, tpm_limit: 20 });
      expect(_response.models).toEqual(['azure-gpt-3.5']);
      expect(_response.team_id).toBe(_team_id);
      expect(_response.tpm_limit).toBe(20);
      // The master key authenticates (upstream: its principal carries the key's hash, not the key).
      expect(authError(await call('sk-1234'))).toBeUndefined();
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_reset_spend_authentication
    it('test_reset_spend_authentication', async () => {
      expect((await proxy.request('POST', '/global/spend/reset', {})).status).toBe(200);
      for (const body of [{ tpm_limit: 20 }, { user_role: 'proxy_admin', tpm_limit: 20 }]) {
        const user = await newUser(body);
        const r = await proxy.request('POST', '/global/spend/reset', { key: user.key });
        expect(r.status).not.toBe(200);
        expect(r.body.error.message).toContain('Tried to access route=/global/spend/reset, which is only for MASTER KEY');
      }
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_create_update_team
    it('test_create_update_team', async () => {
      const _team_id = `test-team_${randomUUID()}`;
      let response = await newTeam({ team_id: _team_id, max_budget: 20, budget_duration: '30d', tpm_limit: 20, rpm_limit: 20 });
      expect(response.team_id).toBe(_team_id);
      expect(response.max_budget).toBe(20);
      expect(response.tpm_limit).toBe(20);
      expect(response.rpm_limit).toBe(20);
      expect(response.budget_duration).toBe('30d');
      expect(Number.isNaN(Date.parse(response.budget_reset_at))).toBe(false);
      response = await post('/team/update', { team_id: _team_id, max_budget: 30, budget_duration: '2d', tpm_limit: 30, rpm_limit: 30 });
      const _updated_info = response.data;
      expect(_updated_info.team_id).toBe(_team_id);
      expect(_updated_info.max_budget).toBe(30);
      expect(_updated_info.tpm_limit).toBe(30);
      expect(_updated_info.rpm_limit).toBe(30);
      expect(_updated_info.budget_duration).toBe('2d');
      // budget_reset_at should be at midnight, 1-2 days from now
      const budget_reset_at = new Date(_updated_info.budget_reset_at);
      expect([budget_reset_at.getUTCHours(), budget_reset_at.getUTCMinutes(), budget_reset_at.getUTCSeconds()]).toEqual([0, 0, 0]);
      const days_diff = Math.round((Date.parse(budget_reset_at.toISOString().slice(0, 10)) - Date.parse(new Date().toISOString().slice(0, 10))) / 86_400_000);
      expect(days_diff).toBeGreaterThanOrEqual(1);
      expect(days_diff).toBeLessThanOrEqual(2);
      const _team_info = (await get(`/team/info?team_id=${_team_id}`)).team_info;
      expect(_team_info.team_id).toBe(_team_id);
      expect(_team_info.max_budget).toBe(30);
      expect(_team_info.tpm_limit).toBe(30);
      expect(_team_info.rpm_limit).toBe(30);
      expect(_team_info.budget_duration).toBe('2d');
      expect(Number.isNaN(Date.parse(_team_info.budget_reset_at))).toBe(false);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_update_user_role
    it('test_update_user_role', async () => {
      const key = await newUser({ user_role: 'internal_user' });
      // an admin-only route refuses the internal user (upstream ignores the outcome of this first try)
      await proxy.request('GET', '/global/spend', { key: key.key });
      await post('/user/update', { user_id: key.user_id, user_role: 'proxy_admin' });
      expect((await proxy.request('GET', '/global/spend', { key: key.key })).status).toBe(200);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_update_user_unit_test
    it('test_update_user_unit_test', async () => {
      const key = await newUser({ user_email: `test-${randomUUID()}@test.com` });
      const user_info = await post('/user/update', {
        user_id: key.user_id,
        team_id: '1234',
        max_budget: 100,
        budget_duration: '10d',
        tpm_limit: 100,
        rpm_limit: 100,
        metadata: { 'very-new-metadata': 'something' },
      });
      expect(user_info).not.toBeNull();
      const _user_info = user_info.data;
      expect(_user_info.user_id).toBe(key.user_id);
      expect(_user_info.team_id).toBe('1234');
      expect(_user_info.max_budget).toBe(100);
      expect(_user_info.budget_duration).toBe('10d');
      expect(_user_info.tpm_limit).toBe(100);
      expect(_user_info.rpm_limit).toBe(100);
      expect(_user_info.metadata).toEqual({ 'very-new-metadata': 'something' });
      // budget_reset_at should be at midnight 10 days from now
      const budget_reset_at = new Date(_user_info.budget_reset_at);
      expect([budget_reset_at.getUTCHours(), budget_reset_at.getUTCMinutes(), budget_reset_at.getUTCSeconds()]).toEqual([0, 0, 0]);
      const days_diff = Math.round((Date.parse(budget_reset_at.toISOString().slice(0, 10)) - Date.parse(new Date().toISOString().slice(0, 10))) / 86_400_000);
      expect(days_diff).toBeGreaterThanOrEqual(9);
      expect(days_diff).toBeLessThanOrEqual(10);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_custom_api_key_header_name
    it('test_custom_api_key_header_name', async () => {
      await withProxy({ general_settings: { litellm_key_header_name: 'x-litellm-key' } }, async (p) => {
        const body = { model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] };
        // passes: the master key is in x-litellm-key (the Authorization header's key is not read)
        let r = await p.request('POST', '/chat/completions', { key: 'invalid-key', headers: { 'x-litellm-key': 'Bearer sk-1234' }, body });
        expect(r.status, r.text).toBe(200);
        // fails: no x-litellm-key header
        r = await p.request('POST', '/chat/completions', { key: 'sk-1234', body });
        expect(r.body.error.message).toContain('Malformed API Key passed in. Ensure Key has `Bearer ` prefix');
      });
    }, 30_000);

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_key_with_model_tpm_limit
    it('test_generate_key_with_model_tpm_limit', async () => {
      const key = await generateKey({ metadata: { team: 'litellm-team3', model_tpm_limit: { 'gpt-4': 100 }, model_rpm_limit: { 'gpt-4': 2 } } });
      let result = await keyInfo(key.key);
      expect(result.key).toBe(key.key);
      expect(result.info.metadata).toEqual({ team: 'litellm-team3', model_tpm_limit: { 'gpt-4': 100 }, model_rpm_limit: { 'gpt-4': 2 } });
      await post('/key/update', { key: key.key, model_tpm_limit: { 'gpt-4': 200 }, model_rpm_limit: { 'gpt-4': 3 } });
      result = await keyInfo(key.key);
      expect(result.key).toBe(key.key);
      expect(result.info.metadata).toEqual({ team: 'litellm-team3', model_tpm_limit: { 'gpt-4': 200 }, model_rpm_limit: { 'gpt-4': 3 } });
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_generate_key_with_guardrails
    it('test_generate_key_with_guardrails', async () => {
      const key = await generateKey({ guardrails: ['aporia-pre-call'], metadata: { team: 'litellm-team3' } });
      let result = await keyInfo(key.key);
      expect(result.key).toBe(key.key);
      expect(result.info.metadata).toEqual({ team: 'litellm-team3', guardrails: ['aporia-pre-call'] });
      await post('/key/update', { key: key.key, guardrails: ['aporia-pre-call', 'aporia-post-call'] });
      result = await keyInfo(key.key);
      expect(result.info.metadata).toEqual({ team: 'litellm-team3', guardrails: ['aporia-pre-call', 'aporia-post-call'] });
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_team_guardrails
    it('test_team_guardrails', async () => {
      const new_team_response = await newTeam({ team_alias: 'test-teamA', guardrails: ['aporia-pre-call'] });
      let team_info_response = await get(`/team/info?team_id=${new_team_response.team_id}`);
      expect(team_info_response.team_info.metadata.guardrails).toEqual(['aporia-pre-call']);
      await post('/team/update', { team_id: new_team_response.team_id, guardrails: ['aporia-pre-call', 'aporia-post-call'] });
      team_info_response = await get(`/team/info?team_id=${new_team_response.team_id}`);
      expect(team_info_response.team_info.metadata.guardrails).toEqual(['aporia-pre-call', 'aporia-post-call']);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_team_access_groups
    // Upstream builds a router whose gpt-4o and gemini-pro-vision carry access_groups ["beta-models"];
    // this file's model list carries the same.
    it('test_team_access_groups', async () => {
      const new_team_response = await newTeam({ team_alias: 'testing-team', models: ['beta-models'] });
      const key = await generateKey({ team_id: new_team_response.team_id });
      for (const model of ['gpt-4o', 'gemini-pro-vision']) expect(authError(await call(key.key, model)), model).toBeUndefined();
      for (const model of ['gpt-4', 'gpt-4o-mini', 'gemini-experimental']) {
        const e = authError(await call(key.key, model));
        expect(e?.type, model).toBe('team_model_access_denied');
        expect(e?.param).toBe('model');
      }
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_team_tags
    it('test_team_tags', async () => {
      const new_team_response = await newTeam({ team_alias: 'test-teamA', tags: ['teamA'] });
      let team_info_response = await get(`/team/info?team_id=${new_team_response.team_id}`);
      expect(team_info_response.team_info.metadata.tags).toEqual(['teamA']);
      await post('/team/update', { team_id: new_team_response.team_id, tags: ['teamA', 'teamB'] });
      team_info_response = await get(`/team/info?team_id=${new_team_response.team_id}`);
      expect(team_info_response.team_info.metadata.tags).toEqual(['teamA', 'teamB']);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_aadmin_only_routes
    // Upstream's NewUserRequest carries `user_name`, which its model ignores; Sluice refuses unknown
    // fields, so the port leaves it out.
    it('test_aadmin_only_routes', async () => {
      await withProxy({ general_settings: { allowed_routes: ['/embeddings', '/key/generate'], admin_only_routes: ['/key/generate'] } }, async (p) => {
        const admin_user = ok(await p.request('POST', '/user/new', { body: { user_role: 'proxy_admin' } }), '/user/new');
        const non_admin_user = ok(await p.request('POST', '/user/new', { body: { user_role: 'internal_user' } }), '/user/new');
        expect(admin_user.key).not.toBeNull();
        expect(non_admin_user.key).not.toBeNull();
        expect((await p.request('POST', '/key/generate', { key: admin_user.key, body: {} })).status).toBe(200);
        const r = await p.request('POST', '/key/generate', { key: non_admin_user.key, body: {} });
        expect(r.status).not.toBe(200);
        const error_str = String(r.body.error.message);
        expect(error_str.includes('Route') && error_str.includes('admin only route'), error_str).toBe(true);
      });
    }, 30_000);

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_list_keys
    it('test_list_keys', async () => {
      let response = await get('/key/list?page=1&size=10');
      expect(response).toHaveProperty('keys');
      expect(response.keys.length).toBeGreaterThan(0);
      expect(response).toHaveProperty('total_count');
      expect(response).toHaveProperty('current_page');
      expect(response).toHaveProperty('total_pages');
      response = await get('/key/list?page=1&size=2');
      expect(response.keys.length).toBe(2);
      expect(response.current_page).toBe(1);
      const unique_id = randomUUID();
      const key_alias = `key-list-alias-${unique_id}`;
      const user_id = `key-list-user-${unique_id}`;
      const created = await newUser({ user_id, user_role: 'internal_user', key_alias });
      const listed = await proxy.request('GET', `/key/info?key=${created.key}`);
      const _key = listed.body.info.token;
      response = await get(`/key/list?page=1&size=10&user_id=${user_id}`);
      expect(response.keys.length).toBe(1);
      expect(response.keys).toContain(_key);
      response = await get(`/key/list?page=1&size=10&key_alias=${key_alias}`);
      expect(response.keys.length).toBe(1);
      expect(response.keys).toContain(_key);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_key_aliases
    it('test_key_aliases', async () => {
      let response = await get('/key/aliases');
      expect(response).toHaveProperty('aliases');
      expect(Array.isArray(response.aliases)).toBe(true);
      const unique_id = randomUUID();
      const test_alias = `key-aliases-test-${unique_id}`;
      await newUser({ user_id: `key-aliases-user-${unique_id}`, user_role: 'internal_user', key_alias: test_alias });
      response = await get('/key/aliases?size=1000');
      const aliases: string[] = response.aliases;
      expect(aliases).toContain(test_alias);
      expect(aliases.length).toBe(new Set(aliases).size);
      expect(aliases).toEqual([...aliases].sort());
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_auth_vertex_ai_route
    it('test_auth_vertex_ai_route', async () => {
      const r = await proxy.request('POST', '/vertex-ai/publishers/google/models/gemini-1.5-flash-001:generateContent', { key: 'sk-12345', body: {} });
      expect(r.body.error.code).toBe('401');
      expect(r.body.error.message).toContain('Invalid proxy server token passed');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_key_alias_uniqueness
    it('test_key_alias_uniqueness', async () => {
      const unique_alias = `test-alias-${randomUUID()}`;
      const key1 = await generateKey({ key_alias: unique_alias });
      let r = await proxy.request('POST', '/key/generate', { body: { key_alias: unique_alias } });
      expect(r.status, 'Should not be able to create a second key with the same alias').not.toBe(200);
      expect(r.body.error.message).toContain('Unique key aliases across all keys are required');
      const key3 = await generateKey({ key_alias: `test-alias-${randomUUID()}` });
      r = await proxy.request('POST', '/key/update', { body: { key: key3.key, key_alias: unique_alias } });
      expect(r.status, 'Should not be able to update a key to use an existing alias').not.toBe(200);
      expect(r.body.error.message).toContain('Unique key aliases across all keys are required');
      const updated_key = await post('/key/update', { key: key1.key, key_alias: unique_alias });
      expect(updated_key).not.toBeNull();
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_enforce_unique_key_alias
    // Upstream unit-tests the private _enforce_unique_key_alias; its four cases over HTTP.
    it('test_enforce_unique_key_alias', async () => {
      const unique_alias = `test-alias-${randomUUID()}`;
      // 1: a unique alias is allowed
      const key1 = await generateKey({ key_alias: unique_alias });
      // 2: a duplicate alias for a new key is refused
      let r = await proxy.request('POST', '/key/generate', { body: { key_alias: unique_alias } });
      expect(r.body.error.message).toContain('Unique key aliases across all keys are required');
      // 3: a key keeps its own alias
      await post('/key/update', { key: key1.key, key_alias: unique_alias });
      // 4: another key cannot take it
      const another_key = await generateKey({ key_alias: `test-alias-${randomUUID()}` });
      r = await proxy.request('POST', '/key/update', { body: { key: another_key.key, key_alias: unique_alias } });
      expect(r.body.error.message).toContain('Unique key aliases across all keys are required');
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_get_paginated_teams
    it('test_get_paginated_teams', async () => {
      const page1 = await get('/v2/team/list?page=1&page_size=2');
      const page2 = await get('/v2/team/list?page=2&page_size=2');
      expect(Array.isArray(page1.teams)).toBe(true);
      expect(Number.isInteger(page1.total)).toBe(true);
      expect(page1.total).toBe(page2.total);
      expect(page1.teams.length).toBeLessThanOrEqual(2);
    });

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_reset_budget_job (parametrized: entity_type)
    // Skipped upstream (db timeouts on its CI); its intent ported: an entity with budget_duration 5s
    // and spend 99 is back to spend 0 after the reset job (every 500 ms here). Key and user spend is
    // set with /key/update and /user/update (LiteLLM accepts `spend` there); LiteLLM's
    // UpdateTeamRequest has no `spend` (it drops it), so the team's is written in the database, as
    // upstream writes every entity's.
    for (const entity_type of ['key', 'user', 'team']) {
      it(`test_reset_budget_job[${entity_type}]`, async () => {
        let read: () => Promise<number>;
        if (entity_type === 'key') {
          const key = await generateKey({ max_budget: 100, budget_duration: '5s' });
          await post('/key/update', { key: key.key, spend: 99 });
          read = async () => (await keyInfo(key.key)).info.spend;
        } else if (entity_type === 'user') {
          const user = await newUser({ max_budget: 100, budget_duration: '5s' });
          await post('/user/update', { user_id: user.user_id, spend: 99 });
          read = async () => (await get(`/user/info?user_id=${user.user_id}`)).user_info.spend;
        } else {
          const team_id = `test-team-${randomUUID()}`;
          await newTeam({ team_id, max_budget: 100, budget_duration: '5s' });
          await database('sluice_teams').where({ team_id }).update({ spend: 99 });
          read = async () => (await get(`/team/info?team_id=${team_id}`)).team_info.spend;
        }
        expect(await read()).toBe(99);
        await eventually(async () => ((await read()) === 0 ? true : undefined), 20_000);
      }, 30_000);
    }

    // tests/proxy_unit_tests/test_key_generate_prisma.py::test_delete_nonexistent_key_returns_404
    it('test_delete_nonexistent_key_returns_404', async () => {
      const random_key = `sk-${randomUUID().replaceAll('-', '')}`;
      const r = await proxy.request('POST', '/key/delete', { body: { keys: [random_key] } });
      expect(String(r.body.error.code)).toBe('404');
      const message = String(r.body.error.message);
      expect(message.includes('No keys found') || message.includes('No matching keys or aliases found to delete'), message).toBe(true);
    });
  });
}
