/**
 * LiteLLM's `tests/proxy_admin_ui_tests/test_key_management.py`, ported over HTTP. Upstream calls
 * the endpoint functions in Python (generate_key_fn, regenerate_key_fn, user_api_key_auth,
 * get_users…) with a proxy-admin identity; here the same requests go to the routes those
 * functions serve (/key/generate, /key/regenerate, /user/new, /user/list) with the master key,
 * and "the key authenticates" is a call with it (/chat/completions).
 *
 * Not ported from the other files of tests/proxy_admin_ui_tests (Python functions or a browser,
 * nothing a client sees over HTTP): test_route_check_unit_tests.py (RouteChecks internals),
 * test_sso_sign_in.py and test_saml_sso.py (SSO callbacks with mocked identity providers; Sluice's
 * SSO is auth-sso-oidc, tested there), test_email_customization.py (enterprise email templates),
 * test_access_group_team_sync.py (LiteLLM's access-group tables), test_key_entity_validation.py
 * (Prisma-level validators), test_usage_endpoints.py (the UI's /user/daily/activity aggregates, not
 * served), test_key_generate_prisma.py (the proxy_unit_tests copy is ported by
 * test_key_generate_prisma.test.ts), the Playwright `e2e_ui_tests/*.spec.ts` and Jest
 * `ui_unit_tests` (LiteLLM's admin UI). Ported in their own files: test_role_based_access.py
 * (proxy_admin_ui_test_role_based_access.test.ts) and test_team_delete_member_add_race.py
 * (proxy_admin_ui_test_team_race.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from './compat-helpers.js';
import { startLiteLLMProxy, type LiteLLMProxy } from './litellm-proxy.js';

let proxy: LiteLLMProxy;

/** user_api_key_auth on /chat/completions with `{"model": "fake-openai-endpoint"}`, over HTTP. */
const authenticate = (key: string) =>
  proxy.request('POST', '/chat/completions', { key, body: { model: 'fake-openai-endpoint', messages: [{ role: 'user', content: 'hi' }] } });

beforeAll(async () => {
  proxy = await startLiteLLMProxy();
});
afterAll(async () => {
  await proxy?.close();
});

describe('tests/proxy_admin_ui_tests/test_key_management.py', () => {
  // tests/proxy_admin_ui_tests/test_key_management.py::test_regenerate_api_key
  it('test_regenerate_api_key', async () => {
    const key_alias = `test_alias_regenerate_key-${randomUUID()}`;
    const spend = 100;
    const max_budget = 400;
    const models = ['fake-openai-endpoint'];
    const generated_key = ok(await proxy.request('POST', '/key/generate', { body: { key_alias, spend, max_budget, models } }), '/key/generate').key;
    ok(await authenticate(generated_key), 'auth with the new key');

    const new_key = ok(await proxy.request('POST', '/key/regenerate', { body: { key: generated_key } }), '/key/regenerate');
    ok(await authenticate(new_key.key), 'auth with the regenerated key');

    const old = await authenticate(generated_key);
    expect(old.status).not.toBe(200);
    expect(old.body.error.message).toContain('Invalid proxy server token passed');

    expect(new_key.spend, `Expected spend ${spend} but got ${new_key.spend}`).toBe(spend);
    expect(new_key.max_budget).toBe(max_budget);
    expect(new_key.key_alias).toBe(key_alias);
    expect(new_key.models).toEqual(models);
    expect(new_key.key_name).toBe(`sk-...${new_key.key.slice(-4)}`);
  });

  // tests/proxy_admin_ui_tests/test_key_management.py::test_regenerate_api_key_with_new_alias_and_expiration
  it('test_regenerate_api_key_with_new_alias_and_expiration', async () => {
    const key_alias = `test_alias_regenerate_key-${randomUUID()}`;
    const generated_key = ok(
      await proxy.request('POST', '/key/generate', { body: { key_alias, spend: 100, max_budget: 400, models: ['fake-openai-endpoint'] } }),
      '/key/generate',
    ).key;
    const new_key = ok(await proxy.request('POST', '/key/regenerate', { body: { key: generated_key, key_alias: 'very_new_alias', duration: '30d' } }), '/key/regenerate');
    expect(new_key.key_alias).toBe('very_new_alias');
    const now = Date.now();
    const expires = Date.parse(new_key.expires);
    expect(expires).toBeGreaterThan(now + 29 * 86_400_000);
    expect(expires).toBeLessThan(now + 31 * 86_400_000);
  });

  // tests/proxy_admin_ui_tests/test_key_management.py::test_regenerate_key_ui
  it('test_regenerate_key_ui', async () => {
    const key_alias = `test_alias_regenerate_key-${randomUUID()}`;
    const generated_key = ok(
      await proxy.request('POST', '/key/generate', { body: { key_alias, spend: 100, max_budget: 400, models: ['fake-openai-endpoint'] } }),
      '/key/generate',
    ).key;
    ok(await authenticate(generated_key), 'auth with the new key');
    ok(await proxy.request('POST', '/key/regenerate', { body: { key: generated_key, duration: '' } }), '/key/regenerate');
  });

  // tests/proxy_admin_ui_tests/test_key_management.py::test_get_users
  it('test_get_users', async () => {
    for (let i = 0; i < 5; i++) {
      ok(await proxy.request('POST', '/user/new', { body: { user_id: `test_user_${i}`, user_role: i % 2 === 0 ? 'internal_user' : 'proxy_admin' } }), '/user/new');
    }
    const result = ok(await proxy.request('GET', '/user/list?page=1&page_size=20'), '/user/list');
    expect(result).toHaveProperty('users');
    for (const user of result.users) {
      for (const field of ['user_id', 'spend', 'user_email', 'user_role', 'key_count']) expect(user, field).toHaveProperty(field);
    }
    // upstream cleans up with Prisma; here the users go through /user/delete
    ok(await proxy.request('POST', '/user/delete', { body: { user_ids: Array.from({ length: 5 }, (_, i) => `test_user_${i}`) } }), '/user/delete');
  });

  // tests/proxy_admin_ui_tests/test_key_management.py::test_get_users_key_count
  it('test_get_users_key_count', async () => {
    ok(await proxy.request('POST', '/user/new', { body: { user_id: `key_count_user_${randomUUID()}` } }), '/user/new');
    const initial_users = ok(await proxy.request('GET', '/user/list?page=1&page_size=20'), '/user/list');
    expect(initial_users.users.length, 'No users found to test with').toBeGreaterThan(0);
    const test_user = initial_users.users[0];
    const initial_key_count = test_user.key_count;
    ok(await proxy.request('POST', '/key/generate', { body: { user_id: test_user.user_id, key_alias: `test_key_${randomUUID()}`, models: ['fake-model'] } }), '/key/generate');
    const updated_users = ok(await proxy.request('GET', '/user/list?page=1&page_size=20'), '/user/list');
    const updated = updated_users.users.find((u: { user_id: string }) => u.user_id === test_user.user_id);
    expect(updated, 'Test user not found in updated users list').toBeDefined();
    expect(updated.key_count).toBe(initial_key_count + 1);
  });
});
