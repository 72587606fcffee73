/**
 * createTestKernel as a plugin author uses it: hooks run with the sandbox's ctx, verdicts come out
 * as SluiceErrors, capabilities go only where the test sends them.
 */
import { describe, expect, it } from 'vitest';
import { defineSandboxedPlugin, definePluginErrors, SluiceError, type JsonObject } from '@sluice/plugin-sdk';
import { createTestKernel, type TestHttpRoutes } from '@sluice/plugin-sdk/testing';

const errors = definePluginErrors('GUARDRAIL_TEST', {
  BLOCKED: { status: 400, type: 'invalid_request_error', message: 'blocked: {word}', param: 'messages' },
  BROKEN: { status: 500, type: 'api_error', message: 'moderation service down' },
  NOT_AN_ERROR: { status: 200, type: 'api_error', message: 'not a verdict' },
});

const lastMessage = (body: JsonObject) => {
  const messages = body.messages as { content: string }[];
  return messages[messages.length - 1]!.content;
};

const guardrail = defineSandboxedPlugin<{ word?: string }>({
  id: 'guardrail-test',
  version: '1.0.0',
  apiVersion: '^1',
  setup(ctx, config) {
    const word = config.word ?? 'forbidden';
    ctx.log.info({ word }, 'ready');
    return {
      async preCall(call) {
        if (lastMessage(call.body).includes(word)) throw errors.BLOCKED({ word });
        if (lastMessage(call.body) === 'crash') throw new TypeError('bug in the plugin');
        if (lastMessage(call.body) === 'coded-500') throw errors.BROKEN();
        if (lastMessage(call.body) === 'coded-200') throw errors.NOT_AN_ERROR();
      },
    };
  },
});

const ask = (content: string) => ({ body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });

describe('createTestKernel: verdicts and faults', () => {
  it('a guardrail verdict comes out as a SluiceError with its code, status and plugin id', async () => {
    const kernel = await createTestKernel(guardrail);
    const err = await kernel.preCall(ask('say the forbidden word')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'GUARDRAIL_TEST_BLOCKED', status: 400, type: 'invalid_request_error', param: 'messages', pluginId: 'guardrail-test' });
    expect((err as SluiceError).message).toBe('blocked: forbidden');
  });

  it('a request the guardrail accepts passes through unchanged, with the defaults filled in', async () => {
    const kernel = await createTestKernel(guardrail, { now: () => 42 });
    const call = await kernel.preCall(ask('hello'));
    expect(call).toMatchObject({ endpoint: 'chat', headers: {}, state: {}, tags: [], receivedAt: 42, ip: '127.0.0.1' });
    expect(call.requestId).toMatch(/^test-req-\d+$/);
    expect(call.principal).toMatchObject({ id: 'test-user', role: 'internal_user' });
    expect(call.body).toEqual(ask('hello').body);
    expect(kernel.logs).toEqual([{ level: 'info', message: 'ready', fields: { word: 'forbidden' } }]);
    expect(kernel.taps).toEqual({ hooks: ['preCall'], postCall: undefined, secretResolvers: [] });
  });

  it('an ordinary exception is a fault and is rethrown as it is', async () => {
    const kernel = await createTestKernel(guardrail);
    await expect(kernel.preCall(ask('crash'))).rejects.toThrow(TypeError);
  });

  it('a coded error with a 5xx status is a verdict too, as in process and in the sandbox (one rule: isVerdict)', async () => {
    const kernel = await createTestKernel(guardrail);
    const err = await kernel.preCall(ask('coded-500')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'GUARDRAIL_TEST_BROKEN', status: 500, type: 'api_error', pluginId: 'guardrail-test' });
  });

  it('a coded error without an error status is a fault, as in the sandbox', async () => {
    const kernel = await createTestKernel(guardrail);
    const err = await kernel.preCall(ask('coded-200')).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(SluiceError);
    expect((err as Error).message).toMatch(/invalid status 200.*fault/);
  });

  it('refuses plugins that contribute routes or providers', async () => {
    const withRoutes = defineSandboxedPlugin({ id: 'bad-routes', version: '1.0.0', apiVersion: '^1', setup: () => ({ routes: [] }) as never });
    await expect(createTestKernel(withRoutes)).rejects.toThrow(/routes, which sandboxed plugins cannot contribute/);
  });
});

describe('createTestKernel: rewriting hooks', () => {
  it('preCall may rewrite the body by returning a new context or by changing it in place', async () => {
    const plugin = defineSandboxedPlugin({
      id: 'transform-test',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        async preCall(call) {
          if (call.body.model === 'alias') return { ...call, body: { ...call.body, model: 'gpt-4o-mini' }, tags: [...call.tags, 'aliased'] };
          call.body.temperature = 0;
          call.state['transform-test'] = { seen: true };
        },
      }),
    });
    const kernel = await createTestKernel(plugin);
    const returned = await kernel.preCall({ body: { model: 'alias', messages: [] } });
    expect(returned.body.model).toBe('gpt-4o-mini');
    expect(returned.tags).toEqual(['aliased']);
    const input = { body: { model: 'gpt-4o', messages: [] } as JsonObject };
    const inPlace = await kernel.preCall(input);
    expect(inPlace.body).toEqual({ model: 'gpt-4o', messages: [], temperature: 0 });
    expect(inPlace.state).toEqual({ 'transform-test': { seen: true } });
    expect(input.body).toEqual({ model: 'gpt-4o', messages: [] }); // the hook got a copy, as across the isolate boundary
  });

  it('postCall runs on plain responses, on buffered streams, and per chunk, following its streaming mode', async () => {
    const upper = (s: unknown) => String(s).toUpperCase();
    const buffered = defineSandboxedPlugin({
      id: 'post-buffer',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        postCall: {
          streaming: 'buffer',
          async response(rc) {
            rc.response.id = upper(rc.response.id);
          },
        },
      }),
    });
    const perChunk = defineSandboxedPlugin({
      id: 'post-chunk',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        postCall: {
          streaming: 'chunk',
          async chunk(cc) {
            if (cc.chunk?.drop) return { ...cc, chunk: null };
            cc.chunk!.id = upper(cc.chunk!.id);
          },
        },
      }),
    });
    const plainOnly = defineSandboxedPlugin({
      id: 'post-plain',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({ postCall: async (rc) => ({ ...rc, response: { ...rc.response, checked: true } }) }),
    });

    const b = await createTestKernel(buffered);
    expect((await b.postCall({ id: 'abc' })).response).toEqual({ id: 'ABC' });
    expect((await b.postCall({ id: 'abc' }, { streamed: true })).response).toEqual({ id: 'ABC' });
    expect((await b.chunk({ id: 'abc' })).chunk).toEqual({ id: 'abc' }); // buffer mode never sees chunks

    const c = await createTestKernel(perChunk);
    expect(c.taps.postCall).toEqual({ streaming: 'chunk', response: false, chunk: true });
    expect((await c.chunk({ id: 'abc' }, { index: 3 })).chunk).toEqual({ id: 'ABC' });
    expect((await c.chunk({ id: 'x', drop: true })).chunk).toBeNull();

    const p = await createTestKernel(plainOnly);
    expect((await p.postCall({ id: 'abc' })).response).toEqual({ id: 'abc', checked: true });
    expect((await p.postCall({ id: 'abc' }, { streamed: true })).response).toEqual({ id: 'abc' }); // streaming: none
  });

  it('observers get a frozen copy of the event: writing to it throws', async () => {
    const seen: unknown[] = [];
    const plugin = defineSandboxedPlugin({
      id: 'logging-test',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        async onSpend(event) {
          seen.push(event.cost);
          (event as { cost: number }).cost = 0;
        },
        async onAudit(event) {
          seen.push(event.action);
        },
      }),
    });
    const kernel = await createTestKernel(plugin);
    await expect(kernel.onSpend({ cost: 0.5 })).rejects.toThrow(TypeError);
    await kernel.onAudit({ action: 'team.create' });
    expect(seen).toEqual([0.5, 'team.create']);
  });

  it('hooks see the call without credentials; only body, tags and state come back, as from the sandbox', async () => {
    let seenHeaders: unknown;
    let seenState: unknown;
    const plugin = defineSandboxedPlugin({
      id: 'view-test',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        async preCall(call) {
          seenHeaders = call.headers;
          seenState = call.state;
          return { ...call, requestId: 'forged', principal: { ...call.principal, role: 'proxy_admin' }, state: { ...call.state, 'view-test:mine': 1 } };
        },
      }),
    });
    const kernel = await createTestKernel(plugin);
    const call = await kernel.preCall({ requestId: 'r1', headers: { authorization: 'Bearer sk-secret', cookie: 'c', 'x-team': 't1' }, state: { earlier: true, 'view-test': 0 } });
    expect(seenHeaders).toEqual({ 'x-team': 't1' });
    expect(seenState).toEqual({ 'view-test': 0 }); // other plugins' state is not shown
    expect(call.requestId).toBe('r1');
    expect(call.principal.role).toBe('internal_user');
    expect(call.state).toEqual({ earlier: true, 'view-test': 0, 'view-test:mine': 1 });
  });

  it('a write to another plugin\'s state is a fault, with the gateway\'s message', async () => {
    const plugin = defineSandboxedPlugin({
      id: 'state-test',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        async preCall(call) {
          call.state.budget = 'forged';
        },
      }),
    });
    const kernel = await createTestKernel(plugin);
    await expect(kernel.preCall()).rejects.toThrow('state-test: preCall may write only state["state-test"] or keys starting "state-test:", not state["budget"]');
  });

  it('checks the tapped hooks against plugin.json when given the manifest, as the loader does', async () => {
    const manifest = { id: 'guardrail-test', version: '1.0.0', apiVersion: '^1', hooks: { onSpend: { stage: 'OBSERVE' } } };
    await expect(createTestKernel(guardrail, { manifest })).rejects.toThrow('guardrail-test taps preCall but its plugin.json does not declare it (hooks.preCall)');
    await expect(createTestKernel(guardrail, { manifest: { ...manifest, version: '1.0.1' } })).rejects.toThrow(/code says guardrail-test@1\.0\.0 but plugin\.json says guardrail-test@1\.0\.1/);
    await expect(createTestKernel(guardrail, { manifest: { ...manifest, hooks: { preCall: { stage: 'GUARDRAIL' } } } })).resolves.toBeDefined();
  });

  it('preAuth returns the principal the plugin recognised', async () => {
    const plugin = defineSandboxedPlugin({
      id: 'auth-test',
      version: '1.0.0',
      apiVersion: '^1',
      setup: () => ({
        async preAuth(input) {
          if (input.token === 'sk-odd') return { id: 'k2', authenticatedBy: 'x', role: 'superuser' as never };
          return input.token === 'sk-good' ? { id: 'k1', authenticatedBy: 'someone-else', role: 'internal_user' } : undefined;
        },
      }),
    });
    const kernel = await createTestKernel(plugin);
    expect(await kernel.preAuth({ token: 'sk-good' })).toEqual({ id: 'k1', authenticatedBy: 'auth-test', role: 'internal_user' });
    expect(await kernel.preAuth({ token: 'sk-bad' })).toBeUndefined();
    await expect(kernel.preAuth({ token: 'sk-odd' })).rejects.toThrow(/preAuth must return a principal with a string id and a known role/);
  });
});

describe('createTestKernel: capabilities', () => {
  const vault = defineSandboxedPlugin<{ base: string }>({
    id: 'secrets-test',
    version: '1.0.0',
    apiVersion: '^1',
    setup(ctx, config) {
      return {
        secretResolvers: [
          {
            name: 'test_vault',
            async get(name) {
              const token = await ctx.secrets!.get('VAULT_TOKEN');
              const res = await ctx.http!.fetch(`${config.base}/v1/${name}?version=latest`, { headers: { authorization: `Bearer ${token}` } });
              if (res.status === 404) return undefined;
              return (JSON.parse(res.body) as { value: string }).value;
            },
          },
        ],
      };
    },
  });

  it('a secret resolver reads through ctx.http.fetch from the test handlers, with a granted secret', async () => {
    const routes: TestHttpRoutes = {
      'GET https://vault.test/v1/DB_PASSWORD': (_url, init) => ({ status: 200, body: { value: `pw-for-${init.headers?.authorization}` } }),
      'https://vault.test/v1/MISSING': { status: 404 },
    };
    const kernel = await createTestKernel(vault, {
      config: { base: 'https://vault.test' },
      http: routes,
      secrets: { VAULT_TOKEN: 't0k' },
      grants: { http: ['vault.test'], secrets: ['VAULT_TOKEN'] },
    });
    expect(kernel.taps.secretResolvers).toEqual(['test_vault']);
    expect(await kernel.resolveSecret('test_vault', 'DB_PASSWORD')).toBe('pw-for-Bearer t0k');
    expect(await kernel.resolveSecret('test_vault', 'MISSING')).toBeUndefined();
    expect(kernel.fetches.map((f) => [f.init.method ?? 'GET', f.url])).toEqual([
      ['GET', 'https://vault.test/v1/DB_PASSWORD?version=latest'],
      ['GET', 'https://vault.test/v1/MISSING?version=latest'],
    ]);
    await expect(kernel.resolveSecret('other', 'X')).rejects.toThrow(/no secret resolver named "other" \(it has: "test_vault"\)/);
  });

  it('a handler function sees every request; without a handler a fetch fails clearly', async () => {
    const seen: string[] = [];
    const withHandler = await createTestKernel(vault, {
      config: { base: 'https://vault.test' },
      http: (url) => {
        seen.push(url);
        return { status: 200, body: '{"value":"v"}' };
      },
      secrets: { VAULT_TOKEN: 't' },
    });
    expect(await withHandler.resolveSecret('test_vault', 'A')).toBe('v');
    expect(seen).toEqual(['https://vault.test/v1/A?version=latest']);

    const without = await createTestKernel(vault, { config: { base: 'https://vault.test' }, secrets: { VAULT_TOKEN: 't' } });
    await expect(without.resolveSecret('test_vault', 'A')).rejects.toThrow(/fetched GET https:\/\/vault\.test\/v1\/A\?version=latest, but createTestKernel was given no `http` handler/);
  });

  it('grants are enforced as in the gateway: hosts, secret names, and absent capabilities', async () => {
    const http = () => ({ status: 200, body: { value: 'v' } });
    const wrongHost = await createTestKernel(vault, { config: { base: 'https://evil.test' }, http, secrets: { VAULT_TOKEN: 't' }, grants: { http: ['vault.test'], secrets: ['VAULT_TOKEN'] } });
    await expect(wrongHost.resolveSecret('test_vault', 'A')).rejects.toThrow('http.fetch: host evil.test is not granted to this plugin');
    const wrongSecret = await createTestKernel(vault, { config: { base: 'https://vault.test' }, http, grants: { http: ['vault.test:443'], secrets: ['OTHER'] } });
    await expect(wrongSecret.resolveSecret('test_vault', 'A')).rejects.toThrow('secrets.get: the secret VAULT_TOKEN is not granted to this plugin');

    let seenCtx: Record<string, unknown> = {};
    const probe = defineSandboxedPlugin({ id: 'probe', version: '1.0.0', apiVersion: '^1', setup: (ctx) => ((seenCtx = { ...ctx }), {}) });
    await createTestKernel(probe, { grants: { kv: true } });
    expect(Object.keys(seenCtx).sort()).toEqual(['kv', 'log', 'now', 'pluginId', 'version']);
  });

  it('kv: a round trip through the plugin, visible in (and seeded from) the Map, with ttl and list', async () => {
    let clock = 1_000;
    const counter = defineSandboxedPlugin({
      id: 'kv-test',
      version: '1.0.0',
      apiVersion: '^1',
      setup: (ctx) => ({
        async preCall(call) {
          const kv = ctx.kv!;
          const user = call.principal.id;
          const count = Number((await kv.get(`count:${user}`)) ?? '0') + 1;
          const previous = await kv.get(`last:${user}`);
          await kv.set(`count:${user}`, String(count));
          await kv.set(`last:${user}`, call.requestId, { ttlMs: 100 });
          // A plugin writes only its own part of the call state (as the gateway enforces).
          call.state['kv-test'] = { count, previous, keys: await kv.list('count:'), removed: await kv.delete('stale') };
        },
      }),
    });
    const kv = new Map([['stale', 'x']]);
    const kernel = await createTestKernel(counter, { kv, now: () => clock, grants: { kv: true } });
    expect(kernel.kv).toBe(kv);
    const as = (id: string) => ({ principal: { id, authenticatedBy: 'test', role: 'internal_user' as const } });
    const seen = async (id: string) => (await kernel.preCall(as(id))).state['kv-test'];
    expect(await seen('alice')).toEqual({ count: 1, previous: null, keys: ['count:alice'], removed: true });
    expect(await seen('alice')).toEqual({ count: 2, previous: 'test-req-1', keys: ['count:alice'], removed: false });
    expect(await seen('bob')).toMatchObject({ count: 1, keys: ['count:alice', 'count:bob'] });
    expect(kv.get('count:alice')).toBe('2');
    expect(kv.get('last:bob')).toBe('test-req-3');
    clock += 100; // last:* expire
    expect(await seen('alice')).toMatchObject({ count: 3, previous: null });
  });
});

describe('createTestKernel: config', () => {
  const schema = {
    type: 'object',
    properties: {
      word: { description: 'The blocked word.', type: 'string', minLength: 2 },
      mode: { description: 'What to do.', type: 'string', enum: ['refuse', 'redact'], default: 'refuse' },
      api_key: { description: 'A key.', type: 'string', 'x-secret': true },
    },
    additionalProperties: false,
  };

  it('validates the config against the schema, naming each bad setting', async () => {
    await expect(createTestKernel(guardrail, { config: { word: 7, colour: 'red' }, configSchema: schema })).rejects.toThrow(
      /guardrail-test: invalid config: .*config\.colour is not a known setting.*config\.word must be string/,
    );
    await expect(createTestKernel(guardrail, { config: { mode: 'shout' }, configSchema: schema })).rejects.toThrow(/config\.mode must be one of "refuse", "redact"/);
  });

  it('applies schema defaults before setup, as the gateway does', async () => {
    let seen: unknown;
    const plugin = defineSandboxedPlugin({ id: 'config-probe', version: '1.0.0', apiVersion: '^1', setup: (_ctx, config) => ((seen = config), {}) });
    await createTestKernel(plugin, { config: { word: 'xy' }, configSchema: schema });
    expect(seen).toEqual({ word: 'xy', mode: 'refuse' });
  });

  it('reports a schema that does not compile', async () => {
    await expect(createTestKernel(guardrail, { configSchema: { type: 'objekt' } })).rejects.toThrow(/config\.schema\.json does not compile/);
  });
});
