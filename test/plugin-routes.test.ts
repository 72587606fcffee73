/**
 * The route contract plugins get (plugin-sdk `RouteDefinition`), beyond JSON in / JSON out:
 * sub-path routes, raw request bytes, answers streamed with backpressure and cancelled when the
 * client goes away, requests recorded as billable calls (`recordSpend` → onSpend), and routes the
 * gateway already serves kept for the gateway.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpendEvent } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const g = globalThis as unknown as { __routeSpend: SpendEvent[]; __routeGate?: () => void; __routeAborted?: boolean; __routeGateOpen?: Promise<void> };

const root = tempDir('sluice-route-plugins-');
const SDK = resolve('plugin-sdk/index.ts');
const dirs = [
  writeTestPlugin(
    {
      id: 'route-echo',
      manifestExtra: { capabilities: ['routes'] },
      source: pluginSource(`return { routes: [
        { method: ['POST', 'PUT'], url: '/echo/*', body: 'raw', access: 'public', handler: async (r) => ({
            body: { method: r.method, url: r.url, rest: r.params['*'], isBytes: r.body instanceof Uint8Array,
                    base64: Buffer.from(r.body).toString('base64') } }) },
        { method: 'POST', url: '/parsed', access: 'public', handler: async (r) => ({ body: { parsed: r.body } }) },
        { method: 'GET', url: '/stream', access: 'public', handler: async (r) => {
            r.signal.addEventListener('abort', () => { globalThis.__routeAborted = true; });
            async function* chunks() {
              yield Buffer.from('one\\n');
              await globalThis.__routeGateOpen;
              yield Buffer.from('two\\n');
              await new Promise(() => {}); // then never ends: only the client going away stops it
            }
            return { status: 203, headers: { 'x-streamed': ['a', 'b'] }, contentType: 'text/plain', stream: chunks() };
          } },
        { method: 'POST', url: '/billed', access: 'authenticated', handler: async (r) => {
            r.recordSpend({ endpoint: 'pass_through_endpoint', model: 'target-model', status: 'success', httpStatus: 200, cost: 2.5,
                            startedAt: Date.now(), tags: ['t1'], metadata: { note: 'x' } });
            return { body: { ok: true } };
          } },
        { method: 'POST', url: '/public-billed', access: 'public', handler: async (r) => {
            r.recordSpend({ endpoint: 'pass_through_endpoint', model: 'm', status: 'success', httpStatus: 200, cost: 1, startedAt: Date.now() });
            return { body: { ok: true } };
          } },
        { method: 'GET', url: '/v1/models', access: 'public', handler: async () => ({ body: { hijacked: true } }) },
        { method: 'POST', url: '/admitted/*', access: 'authenticated', handler: async (r) => {
            const admitted = await r.admit({ body: r.body, model: 'target-model' });
            const how = r.params['*'];
            if (how === 'fails') throw new Error('route broke');
            if (how === 'records') r.recordSpend({ endpoint: 'pass_through_endpoint', model: 'target-model', status: 'success', httpStatus: 200, cost: 3, startedAt: Date.now() });
            return { status: how === 'teapot' ? 418 : 200, headers: admitted.headers, body: { ok: true } };
          } },
      ] };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'route-admit-gate',
      hooks: { preCall: { stage: 'BUDGET' } },
      source: `import { definePluginErrors } from ${JSON.stringify(SDK)};
        const E = definePluginErrors('ADMIT_GATE', { REFUSED: { status: 429, type: 'rate_limit_error', message: 'gate refused {model}' } });
        ${pluginSource(`return { preCall: async (c) => {
          if (c.endpoint !== 'pass_through_endpoint') return;
          c.state['route-admit-gate'] = { model: c.body.model, tags: c.tags };
          if (c.body.refuse === true) throw E.REFUSED({ model: c.body.model });
          c.responseHeaders = { ...(c.responseHeaders ?? {}), 'x-gate': 'passed' };
        } };`)}`,
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'route-spend-recorder',
      hooks: { onSpend: { stage: 'OBSERVE' } },
      source: pluginSource(`return { onSpend: async (e) => { globalThis.__routeSpend.push(e); } };`),
    },
    root,
  ),
];

let gw: TestGateway;
beforeAll(async () => {
  g.__routeSpend = [];
  gw = await startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY }, plugins: [{ use: 'route-echo' }, { use: 'route-admit-gate' }, { use: 'route-spend-recorder' }] } as never, { extraPluginDirs: dirs });
});
afterAll(() => gw.close());

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(cond()).toBe(true);
}

describe('plugin routes', () => {
  it("a `/*` route serves every sub-path; `body: 'raw'` hands over the bytes whatever the content type", async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 123, 34]);
    const res = await fetch(`${gw.url}/echo/a/b%20c?x=1`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'PUT', url: '/echo/a/b%20c?x=1', rest: 'a/b c', isBytes: true, base64: bytes.toString('base64') });
    const empty = await fetch(`${gw.url}/echo/x`, { method: 'POST' });
    expect(((await empty.json()) as { base64: string; isBytes: boolean }).base64).toBe('');
  });

  it('other routes still get parsed JSON, and bad JSON is still a 400', async () => {
    const res = await fetch(`${gw.url}/parsed`, { method: 'POST', body: '{"a":[1,2]}', headers: { 'content-type': 'text/plain' } });
    expect(await res.json()).toEqual({ parsed: { a: [1, 2] } });
    expect((await fetch(`${gw.url}/parsed`, { method: 'POST', body: '{"a":' })).status).toBe(400);
  });

  it('streams the answer as it is produced and aborts the route’s signal when the client goes away', async () => {
    g.__routeAborted = false;
    g.__routeGateOpen = new Promise((resolve) => (g.__routeGate = resolve));
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/stream`, { signal: controller.signal });
    expect(res.status).toBe(203);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-streamed')).toBe('a, b');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let got = decoder.decode((await reader.read()).value);
    expect(got).toBe('one\n'); // the second chunk is not produced yet
    g.__routeGate!();
    while (!got.includes('two')) got += decoder.decode((await reader.read()).value);
    expect(got).toBe('one\ntwo\n');
    controller.abort();
    await until(() => g.__routeAborted === true);
  });

  it('recordSpend delivers an onSpend event for the authenticated caller; on a public route it records nothing', async () => {
    g.__routeSpend.length = 0;
    const res = await fetch(`${gw.url}/billed`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(res.status).toBe(200);
    await until(() => g.__routeSpend.length === 1);
    const e = g.__routeSpend[0]!;
    expect(e).toMatchObject({ endpoint: 'pass_through_endpoint', model: 'target-model', status: 'success', httpStatus: 200, cost: 2.5, tags: ['t1'], metadata: { note: 'x' } });
    expect(e.requestId).toBe(res.headers.get('x-request-id'));
    expect(e.principal.id).toBeTruthy();
    expect(Object.isFrozen(e)).toBe(true);

    expect((await fetch(`${gw.url}/public-billed`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${gw.url}/billed`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` } })).status).toBe(200);
    await until(() => g.__routeSpend.length === 2);
    expect(g.__routeSpend.map((s) => s.model)).toEqual(['target-model', 'target-model']);
  });

  it('admit runs the preCall chain as a pass-through call; its state reaches the spend event, which the route or the gateway emits once', async () => {
    const auth = { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-litellm-tags': 'h1' };
    const post = (how: string, body: Record<string, unknown> = {}) => fetch(`${gw.url}/admitted/${how}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });

    // Admitted and recorded by the route: one event, with the chain's state, scopes and tags.
    g.__routeSpend.length = 0;
    const ok = await post('records');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-gate')).toBe('passed');
    await until(() => g.__routeSpend.length === 1);
    expect(g.__routeSpend[0]).toMatchObject({ endpoint: 'pass_through_endpoint', status: 'success', cost: 3, tags: ['h1'], state: { 'route-admit-gate': { model: 'target-model', tags: ['h1'] } } });

    // Refused by the chain: the verdict as the answer, nothing past admit ran, a failure event settles the state.
    const refused = await post('records', { refuse: true });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('gate refused target-model');
    await until(() => g.__routeSpend.length === 2);
    expect(g.__routeSpend[1]).toMatchObject({ status: 'failure', httpStatus: 429, cost: 0, errorCode: 'ADMIT_GATE_REFUSED', state: { 'route-admit-gate': { model: 'target-model' } } });

    // Not recorded by the route: the gateway settles it, as success or failure by the answer.
    expect((await post('plain')).status).toBe(200);
    expect((await post('teapot')).status).toBe(418);
    expect((await post('fails')).status).toBe(500);
    await until(() => g.__routeSpend.length === 5);
    expect(g.__routeSpend.slice(2).map((e) => [e.status, e.httpStatus, e.model, e.cost, Object.keys(e.state)])).toEqual([
      ['success', 200, 'target-model', 0, ['route-admit-gate']],
      ['failure', 418, 'target-model', 0, ['route-admit-gate']],
      ['failure', 500, 'target-model', 0, ['route-admit-gate']],
    ]);
    await gw.gateway.observers.drain();
    expect(g.__routeSpend).toHaveLength(5); // never twice
  });

  it('a route the gateway already serves stays the gateway’s, with a warning naming the plugin', async () => {
    const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(((await res.json()) as { object: string }).object).toBe('list');
    expect(gw.logs.join('\n')).toContain('route-echo: GET /v1/models is already served by the gateway');
  });
});
