/**
 * LiteLLM's route access control for virtual keys (route_checks.py): a key's `allowed_routes` and
 * `general_settings.admin_only_routes`, with LiteLLM's wording; the master key is never limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { client, tenancyConfig } from './tenancy-client.js';

describe('route access (allowed_routes, admin_only_routes)', () => {
  let gw: TestGateway;
  const api = client(() => gw);
  beforeAll(async () => {
    gw = await startGateway(tenancyConfig({ general_settings: { master_key: 'sk-master-route-access', admin_only_routes: ['/key/generate'] } } as never));
  });
  afterAll(async () => {
    await gw?.close();
  });
  const MASTER = 'sk-master-route-access';

  it("a key with allowed_routes calls only those routes (paths, prefixes with *, LiteLLM's route groups)", async () => {
    const only = (await api.ok('POST', '/key/generate', { allowed_routes: ['/v1/embeddings', '/key/*'] }, MASTER)).key;
    const refused = await api.chat(only);
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toBe(
      "Authentication Error, Virtual key is not allowed to call this route. Only allowed to call routes: ['/v1/embeddings', '/key/*']. Tried to call route: /v1/chat/completions",
    );
    // A prefix entry admits its routes.
    expect((await api.get(`/key/info?key=${only}`, only)).status).toBe(200);
    const group = (await api.ok('POST', '/key/generate', { allowed_routes: ['llm_api_routes'] }, MASTER)).key;
    expect((await api.chat(group)).status).toBe(200);
    expect((await api.get(`/key/info?key=${group}`, group)).status).toBe(401);
    // Without allowed_routes: every route its role reaches.
    const free = (await api.ok('POST', '/key/generate', {}, MASTER)).key;
    expect((await api.chat(free)).status).toBe(200);
  });

  it('admin_only_routes refuses any key but a proxy_admin one; the master key is not limited', async () => {
    const user = await api.ok('POST', '/user/new', { user_role: 'internal_user' }, MASTER);
    const admin = await api.ok('POST', '/user/new', { user_role: 'proxy_admin' }, MASTER);
    const r = await api.post('/key/generate', {}, user.key);
    expect(r.status).toBe(403);
    expect(r.json.error.message).toBe('Authentication Error, user not allowed to access this route. Route=/key/generate is an admin only route');
    expect((await api.post('/key/generate', {}, admin.key)).status).toBe(200);
    expect((await api.post('/key/generate', {}, MASTER)).status).toBe(200);
    // Routes not listed are unaffected.
    expect((await api.chat(user.key)).status).toBe(200);
  });
});
