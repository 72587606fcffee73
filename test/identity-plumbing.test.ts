/**
 * The kernel pieces identity and secret-manager plugins build on: a plugin calling the management
 * API in-process (ctx.management), the Admin UI's session cookie with its CSRF rule, the client
 * address behind trusted proxies, `secret://manager/NAME` references, secret writes, and plugins
 * switched on by a setting's value or an environment variable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';

const ADMIN = { authorization: `Bearer ${MASTER_KEY}` };

const routesPlugin = writeTestPlugin({
  id: 'plumbing-routes',
  manifestExtra: { capabilities: ['routes', 'secrets', 'management'] },
  source: pluginSource(`
    return { routes: [
      { method: 'POST', url: '/t/make-key', access: ['proxy_admin'], handler: async (req) => {
          const answer = await ctx.management.request({ method: 'POST', path: '/key/generate', body: { key_alias: req.body.alias } });
          return { body: { status: answer.status, key: answer.body.key, alias: answer.body.key_alias } };
      } },
      { method: 'GET', url: '/t/ip', access: 'public', handler: async (req) => ({ body: { ip: req.ip } }) },
      { method: 'POST', url: '/t/ip', access: 'public', handler: async (req) => ({ body: { ip: req.ip } }) },
      { method: 'POST', url: '/t/store', access: ['proxy_admin'], handler: async (req) => ({ body: { written: await ctx.secrets.write(req.body.name, req.body.value, { description: 'd' }), removed: await ctx.secrets.remove(req.body.name) } }) },
    ] };`),
});

// A secret manager switched on by LiteLLM's key_management_system value.
const managerPlugin = writeTestPlugin({
  id: 'secrets-plumbing-test',
  manifestExtra: { provides: { secretResolver: true }, litellm: { enabledBy: ['general_settings.key_management_system=plumbing_vault'] } },
  source: pluginSource(`
    const held = new Map([['UP_KEY', 'sk-from-the-manager-123456'], ['ORG_LABEL', 'org-label-from-manager']]);
    globalThis.__plumbingHeld = held;
    globalThis.__plumbingDown = false;
    globalThis.__plumbingWrites = [];
    return {
      secretResolvers: [{
        name: 'plumbing_vault',
        refreshIntervalMs: 1000,
        async get(name) { if (globalThis.__plumbingDown) throw new Error('manager unreachable'); return held.get(name); },
        async write(name, value, meta) { globalThis.__plumbingWrites.push(['write', name, value, meta]); },
        async remove(name) { globalThis.__plumbingWrites.push(['remove', name]); },
      }],
    };`),
});

// Logs a value it read through ctx.secrets under a name that does not look secret.
const loggerPlugin = writeTestPlugin({
  id: 'plumbing-logger',
  manifestExtra: { capabilities: ['log', 'secrets'], litellm: { enabledBy: ['env.PLUMBING_LOGGER_ON'] } },
  source: pluginSource(`
    ctx.log.info('label is ' + (await ctx.secrets.get('ORG_LABEL')));
    return {};`),
});

describe('kernel plumbing for identity and secret managers', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    gw = await startGateway(
      {
        model_list: [{ model_name: 'm', litellm_params: { model: 'openai/m', api_base: upstream.url, api_key: 'secret://plumbing_vault/UP_KEY' } }],
        general_settings: { master_key: MASTER_KEY, key_management_system: 'plumbing_vault', use_x_forwarded_for: true },
        plugins: [{ use: 'plumbing-routes' }],
      } as never,
      { extraPluginDirs: [routesPlugin, managerPlugin, loggerPlugin], env: { PLUMBING_LOGGER_ON: '1' } },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('a plugin calls the management API in-process as itself', async () => {
    const res = await fetch(`${gw.url}/t/make-key`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ alias: 'made-by-plugin' }) });
    const body = (await res.json()) as { status: number; key: string; alias: string };
    expect(body.status).toBe(200);
    expect(body.key).toMatch(/^sk-/);
    expect(body.alias).toBe('made-by-plugin');
    const info = await fetch(`${gw.url}/key/info?key=${body.key}`, { headers: ADMIN });
    expect(info.status).toBe(200);
  });

  it('the internal call header from outside authenticates nothing', async () => {
    const res = await fetch(`${gw.url}/key/list`, { headers: { 'x-sluice-internal-call': 'guess' } });
    expect(res.status).toBe(401);
  });

  it('the UI session cookie authenticates; state-changing calls need the CSRF header', async () => {
    const cookie = `sluice_session=${MASTER_KEY}; sluice_csrf=tok-123456`;
    expect((await fetch(`${gw.url}/key/list`, { headers: { cookie } })).status).toBe(200);
    const post = (headers: Record<string, string>) =>
      fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
    const refused = await post({});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/CSRF/);
    expect((await post({ 'x-sluice-csrf': 'tok-wrong1' })).status).toBe(403);
    expect((await post({ 'x-sluice-csrf': 'tok-123456' })).status).toBe(200);
    // A key header wins over the cookie (API clients are not browsers).
    expect((await fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { ...ADMIN, cookie: 'sluice_session=nope', 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
  });

  it('X-Forwarded-For is believed only from trusted hops (loopback and private ranges by default)', async () => {
    const ipOf = async (xff: string | undefined, method = 'GET') => {
      const res = await fetch(`${gw.url}/t/ip`, { method, headers: { ...(xff !== undefined && { 'x-forwarded-for': xff }), ...(method === 'POST' && { 'content-type': 'application/json' }) }, ...(method === 'POST' && { body: '{}' }) });
      return ((await res.json()) as { ip: string }).ip;
    };
    for (const method of ['GET', 'POST']) {
      expect(await ipOf(undefined, method)).toBe('127.0.0.1');
      expect(await ipOf('203.0.113.7', method)).toBe('203.0.113.7');
      // A private hop (the load balancer) appended the client's address: skipped.
      expect(await ipOf('203.0.113.7, 10.0.0.5', method)).toBe('203.0.113.7');
      // The client wrote 10.1.1.1 itself; the first untrusted hop from the right is the client.
      expect(await ipOf('10.1.1.1, 198.51.100.9', method)).toBe('198.51.100.9');
    }
  });

  it('secret://manager/NAME reads from that manager; values it gives are scrubbed from logs', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-from-the-manager-123456');
    const line = gw.logs.find((l) => l.includes('label is'));
    expect(line).toBeDefined();
    expect(line).toContain('[REDACTED]');
    expect(gw.logs.join('\n')).not.toContain('org-label-from-manager');
  });

  it('a changed secret is picked up within a refresh interval; an unreadable manager changes nothing', async () => {
    const g = globalThis as unknown as { __plumbingHeld: Map<string, string>; __plumbingDown: boolean };
    const call = async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
      expect(res.status).toBe(200);
      return upstream.requests.at(-1)!.headers.authorization;
    };
    g.__plumbingDown = true;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await call()).toBe('Bearer sk-from-the-manager-123456');
    g.__plumbingDown = false;
    g.__plumbingHeld.set('UP_KEY', 'sk-rotated-in-the-manager-7890');
    const deadline = Date.now() + 15_000;
    let seen = await call();
    while (seen !== 'Bearer sk-rotated-in-the-manager-7890' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await call();
    }
    expect(seen).toBe('Bearer sk-rotated-in-the-manager-7890');
    expect(gw.logs.join('\n')).not.toContain('sk-rotated-in-the-manager-7890');
  });

  it('ctx.secrets.write and remove reach the managers that store secrets', async () => {
    const res = await fetch(`${gw.url}/t/store`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'litellm/k1', value: 'sk-stored-value-1' }) });
    expect(await res.json()).toEqual({ written: ['plumbing_vault'], removed: ['plumbing_vault'] });
    expect((globalThis as { __plumbingWrites?: unknown[] }).__plumbingWrites).toEqual([
      ['write', 'litellm/k1', 'sk-stored-value-1', { description: 'd' }],
      ['remove', 'litellm/k1'],
    ]);
  });
});

describe('trusted proxies that do not include the peer', () => {
  it('ignore X-Forwarded-For from an untrusted peer', async () => {
    const gw = await startGateway(
      { model_list: [], general_settings: { master_key: MASTER_KEY, use_x_forwarded_for: true, trusted_proxies: ['192.0.2.1'] }, plugins: [{ use: 'plumbing-routes' }] } as never,
      { extraPluginDirs: [routesPlugin] },
    );
    try {
      const res = await fetch(`${gw.url}/t/ip`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(((await res.json()) as { ip: string }).ip).toBe('127.0.0.1');
    } finally {
      await gw.close();
    }
  });
});
