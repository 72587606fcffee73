/**
 * LiteLLM's `tests/test_keys.py`, ported: the same requests to /key/*, /user/*, /team/new and the
 * OpenAI routes, the same assertions, against Sluice started as LiteLLM's proxy tests expect it
 * (litellm-proxy.ts: master key sk-1234, LiteLLM's test model names on a fake OpenAI upstream).
 * One gateway serves the file, as one proxy serves upstream's run; the file runs on SQLite and on
 * Postgres (DATABASE_BACKENDS). Sleeps that wait for LiteLLM's background spend writes become
 * polls (`eventually`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS } from '../support/database-backends.js';
import { chatCompletion, eventually, ok } from './compat-helpers.js';
import { startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(!!backend.skip)(`tests/test_keys.py on ${backend.name}`, () => {
    let proxy: LiteLLMProxy;
    let drop: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const db = await backend.open();
      drop = db.drop;
      proxy = await startLiteLLMProxy(
        {
          // Budgets reset within seconds here (upstream's job runs every 10 minutes and its test waits for it).
          plugins: [{ use: 'governance-tenancy', config: { budget_reset_interval_ms: 500, spend_flush_interval_ms: 200 } }],
        } as never,
        db.env,
      );
    }, 60_000);
    afterAll(async () => {
      await proxy?.close();
      await drop();
    });

    /** tests/test_keys.py::generate_team */
    const generateTeam = async (models: string[] | null = null, team_id: string | null = null): Promise<Json> => {
      const r = await proxy.request('POST', '/team/new', { body: { team_id: team_id ?? 'litellm-dashboard', models } });
      return r.body;
    };

    /** tests/test_keys.py::generate_user */
    const generateUser = async (user_role = 'app_owner'): Promise<Json> => {
      const r = await proxy.request('POST', '/user/new', { body: { user_role, team_id: 'litellm-dashboard' } });
      return r.body;
    };

    /** tests/test_keys.py::generate_key */
    const generateKey = async (
      opts: {
        budget?: number | null;
        budget_duration?: string | null;
        models?: string[];
        max_parallel_requests?: number | null;
        user_id?: string | null;
        team_id?: string | null;
        metadata?: Record<string, unknown> | null;
        calling_key?: string;
      } = {},
    ): Promise<Json> => {
      const data = {
        models: opts.models ?? ['azure-models', 'gpt-4', 'dall-e-3'],
        aliases: { 'mistral-7b': 'gpt-3.5-turbo' },
        duration: null,
        max_budget: opts.budget ?? null,
        budget_duration: opts.budget_duration ?? null,
        max_parallel_requests: opts.max_parallel_requests ?? null,
        user_id: opts.user_id ?? null,
        team_id: opts.team_id ?? null,
        metadata: opts.metadata ?? null,
      };
      return ok(await proxy.request('POST', '/key/generate', { key: opts.calling_key ?? 'sk-1234', body: data }), '/key/generate');
    };

    /** tests/test_keys.py::update_key */
    const updateKey = async (get_key: string, metadata?: Record<string, unknown>): Promise<Json> => {
      const data: Record<string, unknown> = { key: get_key };
      if (metadata !== undefined) data.metadata = metadata;
      else Object.assign(data, { models: ['gpt-4'], duration: '120s' });
      return ok(await proxy.request('POST', '/key/update', { body: data }), '/key/update');
    };

    /** tests/test_keys.py::update_proxy_budget */
    const updateProxyBudget = async (): Promise<Json> =>
      ok(await proxy.request('POST', '/user/update', { body: { user_id: 'litellm-proxy-budget', spend: 0 } }), '/user/update');

    /** tests/test_keys.py::chat_completion: raises on a non-200 (the message carries the answer). */
    const chat = async (key: string, model = 'gpt-4'): Promise<Json> => ok(await chatCompletion(proxy, key, model), '/chat/completions');

    /** tests/test_keys.py::delete_key */
    const deleteKey = async (get_key: string, auth_key = 'sk-1234'): Promise<Json> =>
      ok(await proxy.request('POST', '/key/delete', { key: auth_key, body: { keys: [get_key] } }), '/key/delete');

    /** tests/test_keys.py::get_key_info: the status when a non-200 answers another key's info. */
    const getKeyInfo = async (call_key: string, get_key?: string): Promise<Json> => {
      const url = get_key === undefined ? '/key/info' : `/key/info?key=${get_key}`;
      const r = await proxy.request('GET', url, { key: call_key });
      if (r.status !== 200) {
        if (call_key !== get_key) return r.status;
        throw new Error(`Request did not return a 200 status code: ${r.status}. Responses ${r.text}`);
      }
      return r.body;
    };

    /** tests/test_keys.py::get_model_list */
    const getModelList = async (call_key: string, endpoint = '/v1/models'): Promise<Json> => ok(await proxy.request('GET', endpoint, { key: call_key }), endpoint);

    /** tests/test_keys.py::get_model_info */
    const getModelInfo = async (call_key: string): Promise<Json> => ok(await proxy.request('GET', '/model/info', { key: call_key }), '/model/info');

    /** tests/test_keys.py::get_spend_logs */
    const getSpendLogs = async (request_id: string): Promise<Json> => ok(await proxy.request('GET', `/spend/logs?request_id=${request_id}`), '/spend/logs');

    /** Expects `call` to throw (upstream's `pytest.fail` inside `try`), returning the error's text. */
    const failure = async (call: () => Promise<unknown>): Promise<string> => {
      try {
        await call();
      } catch (e) {
        return String(e);
      }
      throw new Error('Expected this call to fail');
    };

    // tests/test_keys.py::test_key_gen
    it('test_key_gen', async () => {
      await Promise.all(Array.from({ length: 10 }, () => generateKey()));
    });

    // tests/test_keys.py::test_simple_key_gen
    it('test_simple_key_gen', async () => {
      const key_data = await generateKey();
      const key = key_data.key;
      expect(key_data.token).not.toBeNull();
      expect(key_data.token).not.toBe(key);
      expect(key_data.token_id).not.toBeNull();
      expect(key_data.created_at).not.toBeNull();
      expect(key_data.updated_at).not.toBeNull();
    });

    // tests/test_keys.py::test_key_gen_bad_key
    // Differs: upstream first logs in to the admin UI (`POST /login`); Sluice serves no UI login, so
    // that step is left out. The assertion is the same: a key of a user that is not in the database
    // cannot create keys.
    it('test_key_gen_bad_key', async () => {
      const key_data = await generateKey({ user_id: 'user-1234' });
      const key = key_data.key;
      await failure(() => generateKey({ user_id: 'user-1234', calling_key: key }));
    });

    // tests/test_keys.py::test_key_update (parametrized: metadata = {"test": "new"} and {})
    for (const metadata of [{ test: 'new' }, {}]) {
      it(`test_key_update[${JSON.stringify(metadata)}]`, async () => {
        const key_gen = await generateKey({ metadata: { test: 'test' } });
        const key = key_gen.key;
        expect(key_gen.metadata.test).toBe('test');
        const updated_key = await updateKey(key, metadata);
        expect(updated_key.metadata).toEqual(metadata);
        await updateProxyBudget(); // resets proxy spend
        await chat(key);
      });
    }

    // tests/test_keys.py::test_key_delete
    it('test_key_delete', async () => {
      const key_gen = await generateKey();
      await deleteKey(key_gen.key);
    });

    // tests/test_keys.py::test_key_info
    it('test_key_info', async () => {
      const key_gen = await generateKey();
      const key = key_gen.key;
      // as admin
      await getKeyInfo('sk-1234', key);
      // as key itself
      await getKeyInfo(key, key);
      // as key itself, use the auth param, and no query key needed
      await getKeyInfo(key);
      // as random key
      const random_key = `sk-${randomUUID()}`;
      const status = await getKeyInfo(key, random_key);
      expect(status).toBe(404);
    });

    // tests/test_keys.py::test_model_info
    it('test_model_info', async () => {
      const key_gen = await generateKey();
      const key = key_gen.key;
      const admin_models = (await getModelInfo('sk-1234')).data;
      const user_models = (await getModelInfo(key)).data;
      expect(admin_models.length).toBeGreaterThan(user_models.length);
      expect(user_models.length).toBeGreaterThan(0);
    });

    // tests/test_keys.py::test_key_info_spend_values
    // Skipped upstream ("Hanging on ci/cd"); its intent ported: the key's spend equals the cost of
    // its call as the spend log records it (upstream recomputes that cost with litellm.cost_per_token
    // from the logged tokens; Sluice's price table is its own, so the log's `spend` is the reference).
    it('test_key_info_spend_values', async () => {
      const key_gen = await generateKey();
      const key = key_gen.key;
      const response = await chat(key);
      const spend_logs = await eventually(async () => {
        const logs = await getSpendLogs(response.id);
        return Array.isArray(logs) && logs.length > 0 ? logs : undefined;
      });
      const completion_tokens = spend_logs[0].completion_tokens;
      const prompt_tokens = spend_logs[0].prompt_tokens;
      expect(prompt_tokens).toBeGreaterThan(0);
      expect(completion_tokens).toBeGreaterThan(0);
      const response_cost = spend_logs.reduce((sum: number, l: Json) => sum + l.spend, 0);
      const key_info = await eventually(async () => {
        const info = await getKeyInfo(key, key);
        return info.info.spend > 0 ? info : undefined;
      });
      expect(Number(key_info.info.spend.toFixed(8))).toBe(Number(response_cost.toFixed(8)));
    });

    // tests/test_keys.py::test_aaaaakey_info_spend_values_streaming
    // Skipped upstream ("Temporarily skipping due to model change"); its intent ported: a streamed
    // call's cost reaches the key's spend (upstream recomputes it from tiktoken counts).
    it('test_aaaaakey_info_spend_values_streaming', async () => {
      const key_gen = await generateKey();
      const new_key = key_gen.key;
      const r = await proxy.request('POST', '/chat/completions', {
        key: new_key,
        body: { model: 'gpt-4', messages: [{ role: 'system', content: 'You are a helpful assistant' }, { role: 'user', content: `Hello! ${Date.now()}` }], stream: true },
      });
      expect(r.status).toBe(200);
      const key_info = await eventually(async () => {
        const info = await getKeyInfo(new_key, new_key);
        return info.info.spend > 0 ? info : undefined;
      });
      expect(key_info.info.spend).toBeGreaterThan(0);
    });

    // tests/test_keys.py::test_key_info_spend_values_image_generation
    it('test_key_info_spend_values_image_generation', async () => {
      const key_gen = await generateKey();
      const key = key_gen.key;
      ok(await proxy.request('POST', '/v1/images/generations', { key, body: { model: 'dall-e-3', prompt: 'A cute baby sea otter' } }), '/v1/images/generations');
      const key_info = await eventually(async () => {
        const info = await getKeyInfo(key, key);
        return info.info.spend > 0 ? info : undefined;
      });
      expect(key_info.info.spend).toBeGreaterThan(0);
    });

    // tests/test_keys.py::test_key_with_budgets
    // Skipped upstream ("Frequent check on ci/cd leads to read timeout issue"): it waits for the
    // budget reset job (every 10 minutes there). Here the job runs every 500 ms, so the wait is a poll.
    it('test_key_with_budgets', async () => {
      const key_gen = await generateKey({ budget: 10, budget_duration: '5s' });
      const key = key_gen.key;
      const key_info = await getKeyInfo(key, key);
      const reset_at_init_value = key_info.info.budget_reset_at;
      const reset_at_new_value = await eventually(async () => {
        const info = await getKeyInfo(key, key);
        return info.info.budget_reset_at !== reset_at_init_value ? info.info.budget_reset_at : undefined;
      }, 20_000);
      expect(reset_at_init_value).not.toBe(reset_at_new_value);
    }, 30_000);

    // tests/test_keys.py::test_key_crossing_budget
    it('test_key_crossing_budget', async () => {
      const key_gen = await generateKey({ budget: 0.0000001 });
      const key = key_gen.key;
      await chat(key);
      // upstream sleeps 10 s for its spend write; the poll waits for the key's spend to be recorded.
      await eventually(async () => ((await getKeyInfo(key, key)).info.spend > 0 ? true : undefined));
      const e = await failure(() => chat(key));
      expect(e).toContain('Budget has been exceeded!');
    });

    // tests/test_keys.py::test_key_info_spend_values_sagemaker
    // Skipped upstream ("AWS Suspended Account"): it needs a live SageMaker endpoint
    // (`sagemaker-completion-model`), which the fake-upstream harness does not stand in for.
    it.skip('test_key_info_spend_values_sagemaker', () => {});

    // tests/test_keys.py::test_key_rate_limit
    it('test_key_rate_limit', async () => {
      let key_gen = await generateKey({ max_parallel_requests: 0 });
      let new_key = key_gen.key;
      await failure(() => chat(new_key));
      key_gen = await generateKey({ max_parallel_requests: 1 });
      new_key = key_gen.key;
      await chat(new_key);
    });

    // tests/test_keys.py::test_key_delete_ui
    it('test_key_delete_ui', async () => {
      const key_gen = await generateKey({ user_id: 'ishaan-smart' });
      const key = key_gen.key;
      // generate an admin UI key
      await generateTeam();
      const admin_ui_key = await generateUser('proxy_admin');
      await deleteKey(key, admin_ui_key.key);
    });

    // tests/test_keys.py::test_key_model_list (parametrized: model_access × model_access_level × model_endpoint)
    for (const model_access of ['all-team-models', 'gpt-3.5-turbo']) {
      for (const model_access_level of ['key', 'team']) {
        for (const model_endpoint of ['/v1/models', '/model/info']) {
          it(`test_key_model_list[${model_access}-${model_access_level}-${model_endpoint}]`, async () => {
            const _models = model_access === 'all-team-models' ? [] : [model_access];
            const team_id = `litellm_dashboard_${randomUUID()}`;
            await generateTeam(model_access_level === 'team' ? _models : null, team_id);
            const key_gen = await generateKey({ team_id, models: model_access_level === 'key' ? _models : [] });
            const key = key_gen.key;
            const model_list = await getModelList(key, model_endpoint);
            if (model_access === 'all-team-models') {
              if (model_endpoint === '/v1/models') {
                expect(Array.isArray(model_list.data[0].id)).toBe(false);
                expect(typeof model_list.data[0].id).toBe('string');
              } else {
                expect(Array.isArray(model_list.data)).toBe(true);
                expect(model_list.data.length).toBeGreaterThan(0);
              }
            }
            if (model_access === 'gpt-3.5-turbo') {
              if (model_endpoint === '/v1/models') {
                expect(model_list.data.length, `model_access=${model_access}, model_access_level=${model_access_level}`).toBe(1);
                expect(model_list.data[0].id).toBe(model_access);
              } else {
                expect(Array.isArray(model_list.data)).toBe(true);
                expect(model_list.data.length).toBe(1);
              }
            }
          });
        }
      }
    }

    // tests/test_keys.py::test_key_user_not_in_db
    it('test_key_user_not_in_db', async () => {
      const my_unique_user = randomUUID();
      const key_gen = await generateKey({ user_id: my_unique_user });
      await chat(key_gen.key);
    });

    // tests/test_keys.py::test_key_over_budget
    it('test_key_over_budget', async () => {
      const key_gen = await generateKey({ budget: 0.0000001 });
      const key = key_gen.key;
      await chat(key);
      // CALL `/key/info` (upstream's comment says `/models`) - expect to work; here it also waits for the spend write.
      await eventually(async () => ((await getKeyInfo(key, key)).info.spend > 0 ? true : undefined));
      const e = await failure(() => chat(key));
      expect(e).toContain('Budget has been exceeded!');
    });
  });
}
