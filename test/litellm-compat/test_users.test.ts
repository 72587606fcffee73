/**
 * LiteLLM's `tests/test_users.py`, ported: the same requests to /user/*, /key/* and the OpenAI
 * routes, the same assertions, against Sluice started as LiteLLM's proxy tests expect it
 * (litellm-proxy.ts). One gateway serves the file; it runs on SQLite and on Postgres
 * (DATABASE_BACKENDS). The models upstream's test_user_model_access calls (`good-model`,
 * `anthropic/*`) are added to the proxy's model list, served by the same fake upstream.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS } from '../support/database-backends.js';
import { chatCompletion, eventually, ok } from './compat-helpers.js';
import { litellmTestModels, startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(!!backend.skip)(`tests/test_users.py on ${backend.name}`, () => {
    let proxy: LiteLLMProxy;
    let drop: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const db = await backend.open();
      drop = db.drop;
      // The model list is built after the fake upstream starts: the harness's base list plus the
      // names test_user_model_access calls.
      proxy = await startLiteLLMProxy(
        { plugins: [{ use: 'governance-tenancy', config: { budget_reset_interval_ms: 500, spend_flush_interval_ms: 200 } }] } as never,
        db.env,
        (upstreamUrl) => [
          ...litellmTestModels(upstreamUrl)!,
          { model_name: 'good-model', litellm_params: { model: 'openai/good-model', api_base: upstreamUrl, api_key: 'sk-fake-upstream-0000' } },
          { model_name: 'anthropic/*', litellm_params: { model: 'openai/*', api_base: upstreamUrl, api_key: 'sk-fake-upstream-0000' } },
          // Served too, so their refusal comes from the user's model list: Sluice answers a model it
          // does not serve with 400 before the key's model check (LiteLLM checks access first).
          { model_name: 'bedrock/*', litellm_params: { model: 'openai/*', api_base: upstreamUrl, api_key: 'sk-fake-upstream-0000' } },
          { model_name: 'groq/*', litellm_params: { model: 'openai/*', api_base: upstreamUrl, api_key: 'sk-fake-upstream-0000' } },
        ],
      );
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await drop();
    });

    /** tests/test_users.py::new_user */
    const newUser = async (opts: { user_id?: string; budget?: number | null; budget_duration?: string | null; models?: string[] | null } = {}): Promise<Json> => {
      const data: Record<string, unknown> = {
        models: opts.models ?? ['azure-models'],
        aliases: { 'mistral-7b': 'gpt-3.5-turbo' },
        duration: null,
        max_budget: opts.budget ?? null,
        budget_duration: opts.budget_duration ?? null,
      };
      if (opts.user_id !== undefined) data.user_id = opts.user_id;
      return ok(await proxy.request('POST', '/user/new', { body: data }), '/user/new');
    };

    /** tests/test_users.py::generate_key */
    const generateKey = async (opts: { models?: string[]; user_id?: string | null } = {}): Promise<Json> => {
      const data = {
        models: opts.models ?? ['azure-models', 'gpt-4', 'dall-e-3'],
        aliases: { 'mistral-7b': 'gpt-3.5-turbo' },
        duration: null,
        max_budget: null,
        budget_duration: null,
        max_parallel_requests: null,
        user_id: opts.user_id ?? null,
        team_id: null,
        metadata: null,
      };
      return ok(await proxy.request('POST', '/key/generate', { body: data }), '/key/generate');
    };

    /** tests/test_users.py::get_user_info: the status when another caller's request is refused. */
    const getUserInfo = async (get_user: string, call_user: string): Promise<Json> => {
      const r = await proxy.request('GET', `/user/info?user_id=${get_user}`, { key: call_user });
      if (r.status !== 200) {
        if (call_user !== get_user) return r.status;
        throw new Error(`Request did not return a 200 status code: ${r.status}`);
      }
      return r.body;
    };

    /** tests/test_users.py::chat_completion (the OpenAI client: a non-200 raises, 401 is AuthenticationError). */
    const chat = async (key: string, model = 'gpt-4'): Promise<void> => {
      const r = await chatCompletion(proxy, key, model);
      if (r.status === 401) throw Object.assign(new Error(`AuthenticationError: ${r.text}`), { status: 401 });
      ok(r, '/chat/completions');
    };

    /** tests/test_users.py::setup_test_users */
    const setupTestUsers = async () => {
      const user1 = await newUser({ budget: 100, budget_duration: '30d', models: ['anthropic.claude-3-5-sonnet-20240620-v1:0'] });
      const user2 = await newUser({ budget: 100, budget_duration: '30d', models: ['anthropic.claude-3-5-sonnet-20240620-v1:0'] });
      const key_payload = {
        user_id: user1.user_id,
        duration: '7d',
        key_alias: `test_key_${randomUUID()}`,
        models: ['anthropic.claude-3-5-sonnet-20240620-v1:0'],
      };
      const key_response = await proxy.request('POST', '/key/generate', { key: user1.key, body: key_payload });
      expect(key_response.status, `Failed to generate additional key for user1: ${key_response.text}`).toBe(200);
      return [
        { user_data: user1, additional_key: key_response.body, key: user1.key },
        { user_data: user2, key: user2.key },
      ] as const;
    };

    // tests/test_users.py::test_user_new
    it('test_user_new', async () => {
      await Promise.all(Array.from({ length: 10 }, () => newUser()));
    });

    // tests/test_users.py::test_user_info
    it('test_user_info', async () => {
      const get_user = `krrish_${Date.now() / 1000}@berri.ai`;
      const key_gen = await newUser({ user_id: get_user });
      const key = key_gen.key;
      // as admin
      let resp = await getUserInfo(get_user, 'sk-1234');
      expect(typeof resp.user_info).toBe('object');
      expect(Object.keys(resp.user_info).length).toBeGreaterThan(0);
      // as user themself
      resp = await getUserInfo(get_user, key);
      expect(typeof resp.user_info).toBe('object');
      expect(Object.keys(resp.user_info).length).toBeGreaterThan(0);
      // as random user
      const random_key = (await newUser()).key;
      const status = await getUserInfo(get_user, random_key);
      expect(status).toBe(403);
    });

    // tests/test_users.py::test_user_update
    // Upstream's body is `pass`; its docstring's intent ported: create a user, give it a new model
    // with /user/update, and call that model with the user's key.
    it('test_user_update', async () => {
      const user = await newUser({ models: ['gpt-3.5-turbo'] });
      const updated = ok(await proxy.request('POST', '/user/update', { body: { user_id: user.user_id, models: ['gpt-3.5-turbo', 'gpt-4'] } }), '/user/update');
      expect(updated.models).toEqual(['gpt-3.5-turbo', 'gpt-4']);
      const key = (await generateKey({ user_id: user.user_id, models: [] })).key;
      await chat(key, 'gpt-4');
    });

    // tests/test_users.py::test_users_budgets_reset
    // Skipped upstream ("Frequent check on ci/cd leads to read timeout issue"): it waits 70 s for the
    // reset job. Here the job runs every 500 ms, so the wait is a poll.
    it('test_users_budgets_reset', async () => {
      const get_user = `krrish_${Date.now() / 1000}@berri.ai`;
      const key_gen = await newUser({ user_id: get_user, budget: 10, budget_duration: '5s' });
      const key = key_gen.key;
      const user_info = await getUserInfo(get_user, key);
      const reset_at_init_value = user_info.user_info.budget_reset_at;
      const reset_at_new_value = await eventually(async () => {
        const info = await getUserInfo(get_user, key);
        return info.user_info.budget_reset_at !== reset_at_init_value ? info.user_info.budget_reset_at : undefined;
      }, 20_000);
      expect(reset_at_init_value).not.toBe(reset_at_new_value);
    }, 30_000);

    // tests/test_users.py::test_global_proxy_budget_update
    // Skipped upstream ("Global proxy now tracked via `/global/spend/logs`"): the proxy budget user
    // `litellm-proxy-budget` it reads exists only with `litellm_settings.max_budget`, not set here.
    it.skip('test_global_proxy_budget_update', () => {});

    // tests/test_users.py::test_user_model_access
    it('test_user_model_access', async () => {
      const get_user = `krrish_${Date.now() / 1000}@berri.ai`;
      await newUser({ user_id: get_user, models: ['good-model', 'anthropic/*'] });
      const result = await generateKey({ user_id: get_user, models: [] }); // assign no models. Allow inheritance from user
      const key = result.key;
      await chat(key, 'anthropic/claude-3-5-haiku-20241022');
      await chat(key, 'good-model');
      await expect(chat(key, 'bedrock/anthropic.claude-3-sonnet-20240229-v1:0')).rejects.toMatchObject({ status: 401 });
      await expect(chat(key, 'groq/claude-3-5-haiku-20241022')).rejects.toMatchObject({ status: 401 });
    });

    // tests/test_users.py::test_key_update_user_isolation
    it('test_key_update_user_isolation', async () => {
      const [user1_data, user2_data] = await setupTestUsers();
      const update_payload = {
        key: user1_data.additional_key.key,
        user_id: user2_data.user_data.user_id, // Attempting to change ownership
        metadata: { purpose: 'testing_user_isolation', environment: 'test' },
      };
      const update_response = await proxy.request('POST', '/key/update', { key: user1_data.key, body: update_payload });
      expect(update_response.status, 'Request should have been rejected with 403 status code').toBe(403);
    });

    // tests/test_users.py::test_key_delete_user_isolation
    it('test_key_delete_user_isolation', async () => {
      const [user1_data, user2_data] = await setupTestUsers();
      const delete_response = await proxy.request('POST', '/key/delete', { key: user2_data.key, body: { keys: [user1_data.additional_key.key] } });
      expect(delete_response.status, 'Request should have been rejected with 403 status code').toBe(403);
    });
  });
}
