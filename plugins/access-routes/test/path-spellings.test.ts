/**
 * Every rule kind against every spelling of a path a client can put on the wire, through real
 * gateways and raw sockets: whatever the router serves as the ruled route (a gateway without the
 * rule answers 200), the rule applies; nothing the rule denies ever succeeds; a public route is
 * public on every spelling the router serves as it, and on nothing else.
 *
 * Rule kinds: general_settings.admin_only_routes (checked where the key is recognised, with the
 * SDK matcher), general_settings.allowed_routes and public_routes (access-routes), a key's
 * allowed_routes (governance-tenancy, SDK matcher).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { rawRequest, type RawReply } from './raw-http.js';
import { spellingsOf } from './spellings.js';

const MODELS = [{ model_name: 'a', litellm_params: { model: 'fake/a' } }];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const generate = (gw: TestGateway, target: string, key: string) => rawRequest(gw.url, 'POST', target, bearer(key), '{}');
const message = (r: RawReply): string => {
  try {
    return JSON.parse(r.body).error?.message ?? '';
  } catch {
    return '';
  }
};

async function userKey(gw: TestGateway, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${gw.url}/user/new`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { key: string }).key;
}

async function keyWith(gw: TestGateway, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { ...bearer(MASTER_KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { key: string }).key;
}

const KEY_GENERATE = spellingsOf('/key/generate');
const V1_MODELS = spellingsOf('/v1/models');

describe('route rules hold on every spelling the router serves', () => {
  let base: TestGateway;
  let ruled: TestGateway;
  let allowedOnly: TestGateway;
  /** Baseline: the status each spelling of POST /key/generate gets with no rule (master key). */
  const served = new Map<string, number>();

  beforeAll(async () => {
    base = await startGateway({ model_list: MODELS, general_settings: { master_key: MASTER_KEY } });
    ruled = await startGateway({
      model_list: MODELS,
      general_settings: { master_key: MASTER_KEY, admin_only_routes: ['/key/generate'], public_routes: ['/v1/models', '/key/generate'] },
    } as never);
    allowedOnly = await startGateway({
      model_list: MODELS,
      general_settings: { master_key: MASTER_KEY, allowed_routes: ['/v1/chat/completions', 'LiteLLMRoutes.public_routes'] },
    } as never);
    for (const s of KEY_GENERATE) served.set(s.target, (await generate(base, s.target, MASTER_KEY)).status);
  });
  afterAll(async () => {
    await Promise.all([base?.close(), ruled?.close(), allowedOnly?.close()]);
  });

  it("LiteLLM's settings enable the plugin and are reported as used, not as unknown", () => {
    for (const gw of [ruled, allowedOnly]) {
      expect(gw.gateway.warnings.join('\n')).not.toMatch(/public_routes|admin_only_routes|allowed_routes/);
    }
  });

  it('the table has 30+ spellings, and the router serves many of them as the route', () => {
    expect(KEY_GENERATE.length).toBeGreaterThanOrEqual(30);
    const servedCount = [...served.values()].filter((s) => s === 200).length;
    // Trailing, doubled and leading slashes, query and fragment forms, %-encoded letters, absolute form, overlong slashes.
    expect(servedCount).toBeGreaterThanOrEqual(18);
    for (const label of ['as is', 'trailing slash', 'fragment', 'letter %-encoded (lower hex)', 'every character %-encoded', 'absolute form', 'inner double slash']) {
      expect(served.get(KEY_GENERATE.find((s) => s.label === label)!.target), label).toBe(200);
    }
  });

  it('admin_only_routes: an internal_user key is refused on every served spelling; a proxy_admin key is not', async () => {
    const user = await userKey(ruled, { user_role: 'internal_user' });
    const baseUser = await userKey(base, { user_role: 'internal_user' });
    const admin = await userKey(ruled, { user_role: 'proxy_admin' });
    const failures: string[] = [];
    for (const s of KEY_GENERATE) {
      const before = await generate(base, s.target, baseUser);
      const r = await generate(ruled, s.target, user);
      if (r.status === 200) failures.push(`${s.label}: ${s.target} succeeded`);
      if (before.status === 200) {
        if (r.status !== 403 || message(r) !== 'Authentication Error, user not allowed to access this route. Route=/key/generate is an admin only route') {
          failures.push(`${s.label}: ${s.target} served (${before.status}) but answered ${r.status} ${message(r)}`);
        }
        const byAdmin = await generate(ruled, s.target, admin);
        if (byAdmin.status !== 200) failures.push(`${s.label}: proxy_admin refused (${byAdmin.status})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("a key's allowed_routes: every served spelling of a route outside the list is refused", async () => {
    const limited = await keyWith(base, { allowed_routes: ['/v1/chat/completions'] });
    const failures: string[] = [];
    for (const s of KEY_GENERATE) {
      const r = await generate(base, s.target, limited);
      if (r.status === 200) failures.push(`${s.label}: ${s.target} succeeded`);
      if (served.get(s.target) === 200) {
        const expected = "Authentication Error, Virtual key is not allowed to call this route. Only allowed to call routes: ['/v1/chat/completions']. Tried to call route: /key/generate";
        if (r.status !== 401 || message(r) !== expected) failures.push(`${s.label}: ${s.target} answered ${r.status} ${message(r)}`);
      }
    }
    expect(failures).toEqual([]);
    // The listed route works in its served spellings.
    for (const target of ['/v1/chat/completions', '/v1/chat/completions/', '//v1//chat/completions', '/v1/chat/%63ompletions']) {
      const r = await rawRequest(base.url, 'POST', target, bearer(limited), JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] }));
      expect(r.status, target).toBe(200);
    }
  });

  it('general allowed_routes: every served spelling of any other route is refused to a key; the master key is not limited (LiteLLM)', async () => {
    // The master key may call any route (LiteLLM's test_aadmin_only_routes makes users with it).
    const made = await generate(allowedOnly, '/key/generate', MASTER_KEY);
    expect(made.status).toBe(200);
    const key = JSON.parse(made.body).key as string;
    const failures: string[] = [];
    for (const s of KEY_GENERATE) {
      const r = await generate(allowedOnly, s.target, key);
      if (r.status === 200) failures.push(`${s.label}: ${s.target} succeeded`);
      if (served.get(s.target) === 200 && (r.status !== 403 || message(r) !== 'Access forbidden: Route /key/generate not allowed')) {
        failures.push(`${s.label}: ${s.target} answered ${r.status} ${message(r)}`);
      }
    }
    expect(failures).toEqual([]);
    const chat = JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] });
    for (const target of ['/v1/chat/completions', '/v1/chat/completions/', 'http://localhost/v1/chat/completions', '/v1/chat/completions#x']) {
      expect((await rawRequest(allowedOnly.url, 'POST', target, bearer(key), chat)).status, target).toBe(200);
    }
  });

  it('public_routes: public on exactly the spellings the router serves as the route, for anyone without a key', async () => {
    const failures: string[] = [];
    let publicServed = 0;
    for (const s of V1_MODELS) {
      const withKey = await rawRequest(base.url, 'GET', s.target, bearer(MASTER_KEY));
      const anonymous = await rawRequest(ruled.url, 'GET', s.target);
      if (withKey.status === 200) {
        publicServed++;
        if (anonymous.status !== 200) failures.push(`${s.label}: ${s.target} served but anonymous got ${anonymous.status}`);
      } else if (anonymous.status === 200) {
        failures.push(`${s.label}: ${s.target} not served as /v1/models, yet anonymous got 200`);
      }
    }
    expect(failures).toEqual([]);
    expect(publicServed).toBeGreaterThanOrEqual(15);
    // Without the rule the same request needs a key.
    expect((await rawRequest(base.url, 'GET', '/v1/models')).status).toBe(401);
  });

  it('a route both public and admin-only is not public: no spelling of it succeeds without a key', async () => {
    for (const s of KEY_GENERATE) {
      const r = await rawRequest(ruled.url, 'POST', s.target, {}, '{}');
      expect(r.status, `${s.label}: ${s.target}`).not.toBe(200);
    }
    expect(ruled.logs.some((l) => l.includes('a public route is also admin-only'))).toBe(true);
  });

  it('the anonymous principal of a public route reaches nothing else', async () => {
    for (const target of ['/key/list', '/v1/models/../../key/list', '/v1/models/%2E%2E/%2E%2E/key/list', '/v1/models%2F..%2F..%2Fkey%2Flist', '/user/info', '/v1/chat/completions']) {
      const r = await rawRequest(ruled.url, 'GET', target);
      expect(r.status, target).not.toBe(200);
    }
    const chat = await rawRequest(ruled.url, 'POST', '/v1/chat/completions', {}, JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] }));
    expect(chat.status).toBe(401);
  });
});
