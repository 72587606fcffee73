/**
 * One sandbox boundary: the same plugin, run as a sandboxed package in a gateway and under
 * createTestKernel, sees the same thing in every hook. The plugin reports what each hook saw to a
 * recorder over ctx.http.fetch; an in-process spy tapped just before it (same stage, earlier id)
 * snapshots the kernel's own context, which is then replayed through createTestKernel. Every view
 * on both sides also matches the wire format's JSON Schemas (`plugin-sdk/schemas/sandbox-boundary/v1`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxBoundary, SluiceError, type PluginDefinition } from '@sluice/plugin-sdk';
import { createTestKernel, type TestKernel } from '@sluice/plugin-sdk/testing';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { bundleSource, writePackageDir, type PackageSpec } from './support/sandbox-packages.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

interface Seen {
  hook: string;
  view: unknown;
}

/** The plugin under test: it reports every hook's argument, the kv's answer for a missing key, and throws a 5xx verdict on request. */
const SEER: PackageSpec = {
  id: 'b-seer',
  hooks: {
    preAuth: { stage: 'SECURITY' },
    preCall: { stage: 'SECURITY' },
    postCall: { stage: 'SECURITY', streaming: 'chunk' },
    onSpend: { stage: 'OBSERVE' },
    onAudit: { stage: 'OBSERVE' },
  },
  // The SDK's SluiceError as a bundle carries it: branded with Symbol.for('sluice.verdict').
  prelude: `class SluiceError extends Error {
    constructor(code, status, type, message) { super(message); this.name = 'SluiceError'; this.code = code; this.status = status; this.type = type; this.param = null; this.envelopeCode = status; }
  }
  Object.defineProperty(SluiceError.prototype, Symbol.for('sluice.verdict'), { value: true });`,
  setup: `const report = (hook, view) => ctx.http.fetch(config.recorder, { method: 'POST', body: JSON.stringify({ hook, view }) });
  return {
    preAuth: async (input) => { await report('preAuth', input); return undefined; },
    preCall: async (c) => {
      await report('preCall', c);
      await report('kv.get', { missing: await ctx.kv.get('never-set') });
      if (JSON.stringify(c.body).includes('verdict-503')) throw new SluiceError('SEER_DOWN', 503, 'service_unavailable', 'moderation is down');
      c.state['b-seer'] = { saw: c.requestId };
    },
    postCall: {
      streaming: 'chunk',
      response: async (rc) => { await report('postCall.response', rc); },
      chunk: async (cc) => { await report('postCall.chunk', cc); },
    },
    onSpend: async (e) => { await report('onSpend', e); },
    onAudit: async (e) => { await report('onAudit', e); },
  };`,
};

/** In-process, tapped just before the seer: sets scopes, response headers and state (its own, the seer's, another's), then snapshots what the kernel holds. */
const SPY_SOURCE = pluginSource(`
  const snap = (hook, value) => globalThis.__kernelSide.push({ hook, value: structuredClone(value) });
  let audited = false;
  return {
    preAuth: async (input) => { snap('preAuth', input); return undefined; },
    preCall: async (c) => {
      c.scopes = [...c.scopes, { kind: 'tag', id: 'conformance', rpmLimit: 100 }];
      c.responseHeaders = { ...(c.responseHeaders ?? {}), 'x-spy': 'set-before-the-seer' };
      c.state['a-spy'] = 'hidden from the seer';
      c.state['b-seer:given'] = { by: 'spy' };
      snap('preCall', c);
      if (!audited) { audited = true; ctx.audit({ actor: { id: 'spy', role: 'system' }, action: 'spy.saw', objectType: 'call', objectId: c.requestId }); }
    },
    postCall: {
      streaming: 'chunk',
      response: async (rc) => { snap('postCall.response', rc); },
      chunk: async (cc) => { snap('postCall.chunk', cc); },
    },
    onSpend: async (e) => { snap('onSpend', e); },
    onAudit: async (e) => { snap('onAudit', e); },
  };`);

const g = globalThis as unknown as { __kernelSide: { hook: string; value: never }[] };
g.__kernelSide = [];

const sandboxSide: Seen[] = [];
let recorder: Server;
let recorderUrl = '';
let gw: TestGateway;

beforeAll(async () => {
  recorder = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      sandboxSide.push(JSON.parse(body) as Seen);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/seen`;
  const root = tempDir('sluice-conformance-');
  const spy = writeTestPlugin(
    {
      id: 'a-spy',
      hooks: { preAuth: { stage: 'SECURITY' }, preCall: { stage: 'SECURITY' }, postCall: { stage: 'SECURITY', streaming: 'chunk' }, onSpend: { stage: 'OBSERVE' }, onAudit: { stage: 'OBSERVE' } },
      source: SPY_SOURCE,
    },
    root,
  );
  const seer = writePackageDir(SEER, root);
  gw = await startGateway({
    model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }],
    general_settings: { master_key: MASTER_KEY },
    plugins: [
      { use: 'a-spy' },
      {
        use: seer,
        allow_unpinned: true,
        config: { recorder: recorderUrl },
        grants: { http: [new URL(recorderUrl).host], kv: true, auth: { max_role: 'internal_user' } },
      },
    ],
  } as never, { extraPluginDirs: [spy] });
});

afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => recorder.close(() => r()));
});

async function chat(content: string, stream = false): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-team': 'conformance' },
    body: JSON.stringify({ model: 'fake', stream, messages: [{ role: 'user', content }] }),
  });
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(done()).toBe(true);
}

/** createTestKernel running the very bundle the gateway ran, its fetches recorded the same way. */
async function testKernelOfSeer(): Promise<{ kernel: TestKernel; seen: Seen[] }> {
  const plugin = (new Function(`${bundleSource(SEER)}; return __sluicePlugin;`)() as { default: PluginDefinition<Record<string, unknown>> }).default;
  const seen: Seen[] = [];
  const kernel = await createTestKernel(plugin, {
    config: { recorder: recorderUrl },
    grants: { http: [new URL(recorderUrl).host], kv: true },
    http: (_url, init) => {
      seen.push(JSON.parse(String(init.body)) as Seen);
      return { status: 204 };
    },
  });
  return { kernel, seen };
}

/** Replays what the kernel held for one hook through createTestKernel. */
async function replay(kernel: TestKernel, hook: string, value: never): Promise<void> {
  const v = value as Record<string, never>;
  if (hook === 'preAuth') await kernel.preAuth(value);
  else if (hook === 'preCall') await kernel.preCall(value);
  else if (hook === 'postCall.response') await kernel.postCall(v.response, { call: v.call, deployment: v.deployment, streamed: v.streamed });
  else if (hook === 'postCall.chunk') await kernel.chunk(v.chunk, { call: v.call, deployment: v.deployment, index: v.index });
  else if (hook === 'onSpend') await kernel.onSpend(value);
  else if (hook === 'onAudit') await kernel.onAudit(value);
}

const SCHEMA_DIR = join(import.meta.dirname, '../plugin-sdk/schemas/sandbox-boundary', sandboxBoundary.SANDBOX_BOUNDARY_VERSION);
const SCHEMA_OF: Record<string, string> = {
  preAuth: 'pre-auth.input.json',
  preCall: 'pre-call.input.json',
  'postCall.response': 'post-call-response.input.json',
  'postCall.chunk': 'post-call-chunk.input.json',
  onSpend: 'on-spend.input.json',
  onAudit: 'on-audit.input.json',
};

function boundarySchemas(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  for (const file of readdirSync(SCHEMA_DIR)) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as object);
  return ajv;
}

describe('a sandboxed plugin and the same plugin under createTestKernel see the same thing', () => {
  it('in every hook: preAuth, preCall, postCall (response and chunks), onSpend, onAudit', async () => {
    const plain = await chat('hello');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-spy')).toBe('set-before-the-seer');
    await plain.text();
    const streamed = await chat('stream me', true);
    expect(streamed.status).toBe(200);
    await streamed.text();
    await until(() => sandboxSide.filter((s) => s.hook === 'onSpend').length === 2 && sandboxSide.some((s) => s.hook === 'onAudit'));
    await until(() => g.__kernelSide.filter((s) => s.hook === 'onSpend').length === 2);

    const { kernel, seen } = await testKernelOfSeer();
    for (const { hook, value } of g.__kernelSide) await replay(kernel, hook, value);

    const hooks = (list: Seen[]) => list.filter((s) => s.hook !== 'kv.get');
    const bySandbox = hooks(sandboxSide);
    expect(new Set(bySandbox.map((s) => s.hook))).toEqual(new Set(['preAuth', 'preCall', 'postCall.response', 'postCall.chunk', 'onSpend', 'onAudit']));
    // Observers run in any order relative to the call: compare hook by hook, in each hook's order.
    for (const hook of Object.keys(SCHEMA_OF)) {
      expect(hooks(seen).filter((s) => s.hook === hook), hook).toEqual(bySandbox.filter((s) => s.hook === hook));
    }
    const preCall = bySandbox.find((s) => s.hook === 'preCall')!.view as Record<string, unknown>;
    expect(preCall).toMatchObject({
      scopes: expect.arrayContaining([{ kind: 'tag', id: 'conformance', rpmLimit: 100 }]),
      responseHeaders: { 'x-spy': 'set-before-the-seer' },
      state: { 'b-seer:given': { by: 'spy' } },
      headers: expect.objectContaining({ 'x-team': 'conformance' }),
    });
    expect(preCall.headers).not.toHaveProperty('authorization');
  });

  it('every view matches the wire format schemas', () => {
    const ajv = boundarySchemas();
    for (const { hook, view } of sandboxSide) {
      if (hook === 'kv.get') continue;
      const validate = ajv.getSchema(`https://sluice.dev/schemas/sandbox-boundary/v1/${SCHEMA_OF[hook]}`)!;
      expect(validate(view) ? [] : validate.errors, hook).toEqual([]);
    }
  });

  it('every schema of the wire format compiles, and the results and outcomes the host accepts match theirs', () => {
    const ajv = boundarySchemas();
    const check = (file: string, value: unknown) => {
      const validate = ajv.getSchema(`https://sluice.dev/schemas/sandbox-boundary/v1/${file}`)!;
      return validate(value) ? true : validate.errors;
    };
    for (const file of readdirSync(SCHEMA_DIR)) expect(ajv.getSchema(`https://sluice.dev/schemas/sandbox-boundary/v1/${file}`), file).toBeTypeOf('function');
    const call = sandboxSide.find((s) => s.hook === 'preCall')!.view as Record<string, unknown>;
    const fault = (what: string) => new Error(what);
    expect(check('pre-call.output.json', call)).toBe(true);
    expect(sandboxBoundary.preCallResult(call, 'b-seer', fault).body).toEqual(call.body);
    expect(check('pre-auth.output.json', null)).toBe(true);
    expect(check('pre-auth.output.json', { id: 'u1', role: 'internal_user' })).toBe(true);
    expect(check('post-call-chunk.output.json', { chunk: null })).toBe(true);
    expect(check('outcome.json', { value: null, undef: true })).toBe(true);
    expect(check('outcome.json', { verdict: sandboxBoundary.verdictWire(new SluiceError('X_DOWN', { status: 503, type: 'service_unavailable', message: '' }, 'down')) })).toBe(true);
    expect(check('outcome.json', { fault: 'TypeError: x is undefined' })).toBe(true);
  });

  it('kv.get answers null for a missing key on both sides', async () => {
    const kv = sandboxSide.filter((s) => s.hook === 'kv.get');
    expect(kv.length).toBeGreaterThan(0);
    for (const s of kv) expect(s.view).toEqual({ missing: null });
    const { kernel, seen } = await testKernelOfSeer();
    await kernel.preCall();
    expect(seen.find((s) => s.hook === 'kv.get')?.view).toEqual({ missing: null });
  });

  it('a 5xx verdict is a verdict on both sides: the client gets its status and code; the test kernel a SluiceError', async () => {
    const res = await chat('verdict-503');
    expect(res.status).toBe(503);
    expect(res.headers.get('x-sluice-error-code')).toBe('SEER_DOWN');
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('moderation is down');
    const { kernel } = await testKernelOfSeer();
    const err = await kernel.preCall({ body: { model: 'fake', messages: [{ role: 'user', content: 'verdict-503' }] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SluiceError);
    expect(err).toMatchObject({ code: 'SEER_DOWN', status: 503, message: 'moderation is down', pluginId: 'b-seer' });
  });
});
