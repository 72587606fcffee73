/**
 * The five hook points as plugins see them: preAuth bails on the first principal, preCall and
 * postCall are waterfalls that may change or deny, onSpend/onAudit observe off the request path,
 * stages order the taps, failure policies contain faults.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { createHooks } from '../kernel/hooks.js';
import type { Logger } from '../kernel/logging/create-logger.js';
import { KernelMetrics } from '../kernel/metrics.js';
import { ObserverQueue } from '../kernel/observers.js';
import { KERNEL_API_VERSION, type SpendEvent } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { KERNEL_API_RANGE, pluginSource, writeTestPlugin } from './support/test-plugins.js';

const SDK = resolve('plugin-sdk/index.ts');
const g = globalThis as unknown as { __calls: string[]; __spend: SpendEvent[]; __audit: unknown[] };

const root = tempDir('sluice-hook-plugins-');
const dirs = [
  writeTestPlugin(
    {
      id: 'auth-header-a',
      hooks: { preAuth: { stage: 'AUTH' } },
      source: pluginSource(`return { preAuth: async (input) => input.token === 'team-a-token'
        ? { id: 'team-a', authenticatedBy: '__ID__', role: 'internal_user', models: ['fake-model'] } : undefined };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'auth-spy',
      hooks: { preAuth: { stage: 'DEFAULT' } },
      source: pluginSource(`return { preAuth: async () => { globalThis.__calls.push('auth-spy'); return undefined; } };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'rewrite-a',
      hooks: { preCall: { stage: 'TRANSFORM' } },
      source: pluginSource(`return { preCall: async (c) => {
        globalThis.__calls.push('rewrite-a');
        const last = c.body.messages.at(-1); last.content = last.content + ' [a]'; return c; } };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'guard-b',
      hooks: { preCall: { stage: 'GUARDRAIL' } },
      source: `import { definePluginErrors } from ${JSON.stringify(SDK)};
        const E = definePluginErrors('GUARD_B', { BLOCKED: { status: 400, type: 'invalid_request_error', message: 'Blocked by guard-b: {word}' } });
        ${pluginSource(`return { preCall: async (c) => {
          globalThis.__calls.push('guard-b');
          if (JSON.stringify(c.body.messages).includes('forbidden')) throw E.BLOCKED({ word: 'forbidden' });
        } };`)}`,
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'crashy',
      hooks: { preCall: { stage: 'DEFAULT', timeoutMs: 100 } },
      source: pluginSource(`return { preCall: async (c) => {
        const text = JSON.stringify(c.body.messages);
        if (text.includes('crash')) throw new Error('crashy exploded');
        if (text.includes('hang')) await new Promise((r) => setTimeout(r, 2000));
      } };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'shout',
      hooks: { postCall: { stage: 'TRANSFORM', streaming: 'chunk' } },
      source: pluginSource(`return { postCall: {
        streaming: 'chunk',
        response: async (c) => { const m = c.response.choices[0].message; m.content = m.content.toUpperCase(); },
        chunk: async (c) => { const d = c.chunk.choices?.[0]?.delta; if (d && typeof d.content === 'string') d.content = d.content.toUpperCase(); },
      } };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'censor-buffered',
      hooks: { postCall: { stage: 'GUARDRAIL', streaming: 'buffer' } },
      source: pluginSource(`return { postCall: { streaming: 'buffer', response: async (c) => {
        globalThis.__calls.push('censor:' + c.streamed + ':' + c.response.choices[0].message.content);
        c.response.choices[0].message.content = 'censored';
      } } };`),
    },
    root,
  ),
  writeTestPlugin(
    {
      id: 'spend-recorder',
      hooks: { onSpend: { stage: 'OBSERVE' }, onAudit: { stage: 'OBSERVE' } },
      source: pluginSource(`return {
        onSpend: async (e) => { await new Promise((r) => setTimeout(r, config.delayMs ?? 0)); globalThis.__spend.push(e); },
        onAudit: async (e) => { globalThis.__audit.push(e); },
        routes: [
          { method: 'POST', url: '/test/admin-op', access: ['proxy_admin'], handler: async (r) => {
              ctx.audit({ actor: { id: r.principal.id, role: r.principal.role }, action: 'test.op', objectType: 'thing', objectId: '1', after: r.body });
              return { body: { ok: true } };
          } },
          { method: 'GET', url: '/test/public', access: 'public', handler: async () => ({ body: 'hello', contentType: 'text/plain' }) },
        ],
      };`),
      configSchema: { type: 'object', properties: { delayMs: { type: 'integer', minimum: 0, description: 'observer delay' } }, additionalProperties: false },
    },
    root,
  ),
];

function config(plugins: { use: string; config?: object; stages?: object; failure_policy?: string }[]) {
  return {
    model_list: [
      { model_name: 'fake-model', litellm_params: { model: 'fake/fake-model', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
      { model_name: 'other-fake', litellm_params: { model: 'fake/other' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    plugins,
  } as never;
}

async function chat(gw: TestGateway, content: string, opts: { key?: string; stream?: boolean; model?: string } = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.key ?? MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: opts.model ?? 'fake-model', stream: opts.stream, messages: [{ role: 'user', content }] }),
  });
  const text = await res.text();
  if (opts.stream && res.ok) {
    const events = text.split('\n\n').filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6)));
    return { status: res.status, headers: res.headers, content: events.map((e) => e.choices?.[0]?.delta?.content ?? '').join(''), events, text };
  }
  const json = JSON.parse(text);
  return { status: res.status, headers: res.headers, json, content: json.choices?.[0]?.message?.content as string | undefined, text };
}

beforeAll(() => {
  g.__calls = [];
  g.__spend = [];
  g.__audit = [];
});
afterEach(() => {
  g.__calls.length = 0;
  g.__spend.length = 0;
  g.__audit.length = 0;
});

describe('preAuth', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config([{ use: 'auth-header-a' }, { use: 'auth-spy' }, { use: 'spend-recorder' }]), { extraPluginDirs: dirs });
  });
  afterAll(() => gw.close());

  it('the first plugin that recognises the credential wins; later ones are not asked', async () => {
    const res = await chat(gw, 'hi', { key: 'team-a-token' });
    expect(res.status).toBe(200);
    expect(g.__calls).not.toContain('auth-spy');
    expect((await chat(gw, 'hi')).status).toBe(200); // master key, auth-master-key at AUTH
    expect(g.__calls).not.toContain('auth-spy');
  });

  it('when nobody recognises it, every plugin was asked and the answer is 401', async () => {
    const res = await chat(gw, 'hi', { key: 'nobody' });
    expect(res.status).toBe(401);
    expect(g.__calls).toEqual(['auth-spy']);
  });

  it("a principal's model list is enforced", async () => {
    const res = await chat(gw, 'hi', { key: 'team-a-token', model: 'other-fake' });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toContain('not allowed to access model');
  });

  it('plugin routes enforce their roles; public routes need no key', async () => {
    const asAdmin = await fetch(`${gw.url}/test/admin-op`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` }, body: JSON.stringify({ x: 1 }) });
    expect(asAdmin.status).toBe(200);
    const asUser = await fetch(`${gw.url}/test/admin-op`, { method: 'POST', headers: { authorization: 'Bearer team-a-token' }, body: '{}' });
    expect(asUser.status).toBe(403);
    expect(((await asUser.json()) as { error: { type: string } }).error.type).toBe('auth_error');
    const anonymous = await fetch(`${gw.url}/test/admin-op`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    const pub = await fetch(`${gw.url}/test/public`);
    expect(await pub.text()).toBe('hello');
  });

  it('ctx.audit reaches onAudit observers with id, time and actor', async () => {
    await fetch(`${gw.url}/test/admin-op`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` }, body: JSON.stringify({ x: 2 }) });
    await gw.gateway.observers.drain();
    expect(g.__audit).toHaveLength(1);
    expect(g.__audit[0]).toMatchObject({ action: 'test.op', actor: { id: 'master_key', role: 'proxy_admin' }, after: { x: 2 } });
    expect(Object.isFrozen(g.__audit[0])).toBe(true);
  });
});

describe('preCall', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(config([{ use: 'rewrite-a' }, { use: 'guard-b' }, { use: 'crashy' }]), { extraPluginDirs: dirs });
  });
  afterAll(() => gw.close());

  it('taps run by stage (GUARDRAIL before TRANSFORM) and may rewrite the request', async () => {
    const res = await chat(gw, 'hello');
    expect(res.status).toBe(200);
    expect(res.content).toContain('hello [a]'); // the fake model echoes the prompt it received
    expect(g.__calls).toEqual(['guard-b', 'rewrite-a']);
    const ours = /(guard-b|crashy|rewrite-a)@/;
    expect(gw.gateway.hookOrder.filter((l) => l.startsWith('preCall') && ours.test(l))).toEqual([
      expect.stringMatching(/preCall\s+GUARDRAIL\s+guard-b@1\.0\.0 \(fail-closed\)/),
      expect.stringMatching(/preCall\s+DEFAULT\s+crashy@1\.0\.0/),
      expect.stringMatching(/preCall\s+TRANSFORM\s+rewrite-a@1\.0\.0/),
    ]);
  });

  it('a coded verdict denies with its status, message and the plugin id', async () => {
    const res = await chat(gw, 'this is forbidden');
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { message: 'Blocked by guard-b: forbidden', type: 'invalid_request_error', param: null, code: '400' } });
    expect(res.headers.get('x-sluice-error-code')).toBe('GUARD_B_BLOCKED');
    expect(res.headers.get('x-sluice-plugin')).toBe('guard-b');
    expect(g.__calls).toEqual(['guard-b']); // later taps never ran
  });

  it('a fault in a fail-closed plugin refuses the request with a coded 5xx naming the plugin', async () => {
    const res = await chat(gw, 'please crash');
    expect(res.status).toBe(500);
    expect(res.json.error.message).toBe('Plugin crashy failed in preCall; the request was refused (fail-closed).');
    expect(res.headers.get('x-sluice-error-code')).toBe('SLUICE_ERR_PLUGIN_FAILED');
    expect(gw.gateway.metrics.get('plugin_faults_total', { plugin: 'crashy', hook: 'preCall' })).toBe(1);
    expect((await chat(gw, 'fine')).status).toBe(200);
  });

  it('a plugin that exceeds its timeout is a fault too', async () => {
    const started = Date.now();
    const res = await chat(gw, 'hang please');
    expect(res.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('the operator can reorder stages and switch a plugin to fail-open in YAML', async () => {
    const other = await startGateway(
      config([{ use: 'rewrite-a', stages: { preCall: 'SECURITY' } }, { use: 'guard-b' }, { use: 'crashy', failure_policy: 'fail-open' }]),
      { extraPluginDirs: dirs },
    );
    try {
      const res = await chat(other, 'crash but carry on');
      expect(res.status).toBe(200);
      expect(g.__calls).toEqual(['rewrite-a', 'guard-b']);
      expect(other.gateway.metrics.get('plugin_faults_total', { plugin: 'crashy', hook: 'preCall' })).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('postCall', () => {
  it('rewrites plain responses and, in chunk mode, every streamed chunk as it passes', async () => {
    const gw = await startGateway(config([{ use: 'shout' }]), { extraPluginDirs: dirs });
    try {
      const plain = await chat(gw, 'hello');
      expect(plain.content).toBe(plain.content!.toUpperCase());
      expect(plain.content).toContain('HELLO');
      const streamed = await chat(gw, 'hello', { stream: true });
      expect(streamed.content).toBe(plain.content);
      expect(streamed.events!.length).toBeGreaterThan(3);
    } finally {
      await gw.close();
    }
  });

  it('in buffer mode sees the assembled stream and may replace it', async () => {
    const gw = await startGateway(config([{ use: 'censor-buffered' }]), { extraPluginDirs: dirs });
    try {
      const streamed = await chat(gw, 'secret stuff', { stream: true });
      expect(streamed.status).toBe(200);
      expect(streamed.content).toBe('censored');
      expect(g.__calls[0]).toMatch(/^censor:true:Hello from Sluice's built-in fake model\. You said: secret stuff$/);
      expect(streamed.text.endsWith('data: [DONE]\n\n')).toBe(true);
    } finally {
      await gw.close();
    }
  });
});

describe('onSpend', () => {
  it('gets a frozen event per call, after the response, with usage and cost — streams included', async () => {
    const gw = await startGateway(config([{ use: 'spend-recorder', config: { delayMs: 300 } }]), { extraPluginDirs: dirs });
    try {
      const started = Date.now();
      const res = await chat(gw, 'count me');
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(250); // the slow observer is not on the request path
      await chat(gw, 'count me too', { stream: true });
      await chat(gw, 'x', { model: 'nope' });
      await gw.gateway.observers.drain();
      expect(g.__spend).toHaveLength(3);
      const [plain, streamed, failed] = g.__spend;
      expect(plain).toMatchObject({ status: 'success', httpStatus: 200, model: 'fake-model', stream: false, principal: { id: 'master_key' } });
      expect(plain!.usage.total_tokens).toBe(res.json.usage.total_tokens);
      expect(plain!.cost).toBeCloseTo(res.json.usage.prompt_tokens * 0.001 + res.json.usage.completion_tokens * 0.002, 10);
      expect(plain!.deployment).toEqual({ id: expect.any(String), modelName: 'fake-model', provider: 'fake', model: 'fake-model', apiBase: undefined });
      expect(Object.isFrozen(plain)).toBe(true);
      expect(Object.isFrozen(plain!.usage)).toBe(true);
      expect(streamed).toMatchObject({ status: 'success', stream: true });
      expect(streamed!.usage.completion_tokens).toBeGreaterThan(0); // captured though the client did not ask for usage
      expect(failed).toMatchObject({ status: 'failure', httpStatus: 400, errorCode: 'SLUICE_ERR_MODEL_NOT_FOUND' });
    } finally {
      await gw.close();
    }
  });
});

describe('loading', () => {
  it('refuses a plugin config that does not match its schema, naming the file, path and problem', async () => {
    await expect(startGateway(config([{ use: 'spend-recorder', config: { delayMs: 'slow' } }]), { extraPluginDirs: dirs })).rejects.toThrow(
      /<inline>: plugins\[0\] \(spend-recorder\) config\.delayMs: must be integer/,
    );
  });

  it('refuses a plugin written for another kernel API', async () => {
    const future = `^${Number(KERNEL_API_RANGE.slice(1)) + 1}`;
    const dir = writeTestPlugin({ id: 'future-plugin', apiVersion: future, source: pluginSource('return {};') });
    await expect(startGateway(config([{ use: 'future-plugin' }]), { extraPluginDirs: [dir] })).rejects.toThrow(
      `future-plugin@1.0.0 needs kernel API ${future}, but this kernel provides ${KERNEL_API_VERSION}`,
    );
  });

  it('refuses a plugin that taps a hook its manifest does not declare', async () => {
    const dir = writeTestPlugin({ id: 'sneaky', source: pluginSource('return { preCall: async () => undefined };') });
    await expect(startGateway(config([{ use: 'sneaky' }]), { extraPluginDirs: [dir] })).rejects.toThrow(/sneaky taps preCall but its manifest does not declare it/);
  });

  it('installs two versions side by side and picks by range', async () => {
    const r = tempDir();
    const v1 = writeTestPlugin({ id: 'versioned', version: '1.4.0', hooks: { preCall: {} }, source: pluginSource(`return { preCall: async () => { globalThis.__calls.push('v1'); } };`) }, r);
    const v2 = writeTestPlugin({ id: 'versioned', version: '2.1.0', hooks: { preCall: {} }, source: pluginSource(`return { preCall: async () => { globalThis.__calls.push('v2'); } };`) }, r);
    for (const [range, expected] of [['^1', 'v1'], ['^2', 'v2'], ['*', 'v2']] as const) {
      const gw = await startGateway(config([{ use: `versioned@${range}` }]), { extraPluginDirs: [v1, v2] });
      try {
        await chat(gw, 'hi');
        expect(g.__calls.at(-1)).toBe(expected);
      } finally {
        await gw.close();
      }
    }
    await expect(startGateway(config([{ use: 'versioned@^3' }]), { extraPluginDirs: [v1, v2] })).rejects.toThrow(/no installed version of versioned satisfies \^3 \(installed: 2\.1\.0, 1\.4\.0\)/);
  });
});

describe('ObserverQueue', () => {
  const quiet = { error: () => undefined } as unknown as Logger;
  const shared = Object.freeze({ id: 'k', authenticatedBy: 'test', role: 'internal_user', scopes: Object.freeze([Object.freeze({ kind: 'key', id: 'k' })]) });
  const spendEvent = () =>
    ({
      requestId: 'r',
      principal: shared,
      scopes: shared.scopes,
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } },
      tags: ['a'],
      state: { budget: { reserved: [1, 2] } },
      metadata: { trace: { spans: [{ id: 1 }] } },
    }) as unknown as SpendEvent;

  it('hands observers the event with everything reachable from it frozen', async () => {
    const hooks = createHooks();
    const seen: SpendEvent[] = [];
    hooks.onSpend.tapPromise('spy', async (e) => void seen.push(e));
    const q = new ObserverQueue(hooks, quiet, new KernelMetrics());
    const e = spendEvent();
    q.spend(e);
    await q.drain();
    expect(seen).toEqual([e]);
    const state = e.state as { budget: { reserved: number[] } };
    const metadata = e.metadata as { trace: { spans: { id: number }[] } };
    for (const part of [e, e.usage, (e.usage as unknown as { prompt_tokens_details: object }).prompt_tokens_details, e.tags, state, state.budget, state.budget.reserved, metadata, metadata.trace, metadata.trace.spans, metadata.trace.spans[0]]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => (state.budget.reserved as number[]).push(3)).toThrow(TypeError);
  });

  it('drain() waits for slow observers; pending counts queued and running deliveries', async () => {
    const hooks = createHooks();
    let done = 0;
    hooks.onSpend.tapPromise('slow', () => new Promise<void>((r) => setTimeout(() => (done++, r()), 30)));
    const q = new ObserverQueue(hooks, quiet, new KernelMetrics());
    q.spend(spendEvent());
    q.spend(spendEvent());
    expect(q.pending).toBe(2);
    await new Promise((r) => setImmediate(r));
    expect(q.pending).toBe(2); // delivered, still running
    await q.drain();
    expect(done).toBe(2);
    expect(q.pending).toBe(0);
  });

  it('a failed delivery is counted and logged, and drain() still returns', async () => {
    const hooks = createHooks();
    const errors: unknown[] = [];
    const log = { error: (o: unknown) => void errors.push(o) } as unknown as Logger;
    hooks.onSpend.tapPromise('broken', () => Promise.reject(new Error('boom')));
    const metrics = new KernelMetrics();
    const q = new ObserverQueue(hooks, log, metrics);
    q.spend(spendEvent());
    q.spend(spendEvent());
    await q.drain();
    expect(metrics.get('observer_failures_total', { hook: 'onSpend' })).toBe(2);
    expect(errors).toHaveLength(2);
    expect(q.pending).toBe(0);
  });

  it('queues nothing when no plugin observes', async () => {
    const q = new ObserverQueue(createHooks(), quiet, new KernelMetrics());
    q.spend(spendEvent());
    expect(q.pending).toBe(0);
    await q.drain();
  });
});
