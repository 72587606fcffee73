/**
 * `createTestKernel`: runs a plugin in-process the way the sandbox runs it, with no network and no
 * gateway. The plugin gets the sandbox's `ctx` (log, now, and the granted http/kv/secrets); hook
 * arguments and results cross as JSON copies through the same boundary (`sandbox-boundary.ts`)
 * the gateway's isolate host uses, so each hook sees what it would see in production; a thrown
 * SluiceError (a verdict, whatever its error status) comes out as a SluiceError. Anything else a
 * hook throws is rethrown as it is: the test sees the fault the gateway would count against the
 * plugin's failure policy.
 *
 * It cannot take away what Node has and the isolate lacks (URL, timers, Buffer…), nor enforce
 * timeouts and memory limits: `sluice plugin verify` and a gateway smoke test cover those.
 *
 * Import it from `@sluice/plugin-sdk/testing` in tests only; it is not part of the SDK index, so
 * bundles never contain it (it uses ajv).
 */
import type { PluginDefinition, PostCallHooks } from './define-plugin.js';
import type { AuditEvent, AuthInput, CallContext, ChunkContext, DeploymentInfo, Principal, ResponseContext, SpendEvent } from './hook-contexts.js';
import type { JsonObject } from './json.js';
import type { SandboxPluginInstance } from './sandbox-context.js';
import { checkManifest, tapsOf, validatedConfig, type ManifestLike, type TestTaps } from './testing/load-checks.js';
import * as boundary from './sandbox-boundary.js';
import { asVerdictOrFault, copy, deepFreeze } from './testing/sandbox-boundary.js';
import { testContext, type TestFetch, type TestGrants, type TestHttpHandler, type TestHttpRoutes, type TestLogEntry } from './testing/test-capabilities.js';

export type { TestFetch, TestGrants, TestHttpHandler, TestHttpResponse, TestHttpRoutes, TestLogEntry } from './testing/test-capabilities.js';
export type { TestTaps } from './testing/load-checks.js';

export interface TestKernelOptions<Config = Record<string, unknown>> {
  config?: Config | Record<string, unknown>;
  /** The plugin's config.schema.json: the config is validated (and defaulted) against it, as at load time. */
  configSchema?: object;
  /**
   * The plugin's plugin.json. When given, the kernel refuses what the gateway's loader refuses: a
   * tapped hook the manifest does not declare, or an id/version that differs from the code's.
   */
  manifest?: ManifestLike;
  /** Where `ctx.http.fetch` goes. Without it, a fetch fails with a clear error. */
  http?: TestHttpHandler | TestHttpRoutes;
  /** The plugin's key/value store; pass your own Map to seed it. */
  kv?: Map<string, string>;
  /** Values `ctx.secrets.get` returns. */
  secrets?: Record<string, string>;
  /** The host clock behind `ctx.now()`. */
  now?: () => number;
  /** As in YAML; omitted, everything is granted. */
  grants?: TestGrants;
}

export interface CallOptions {
  call?: Partial<CallContext>;
  deployment?: Partial<DeploymentInfo>;
}

export interface TestKernel {
  readonly taps: TestTaps;
  /** Returns the principal the plugin recognised (with `authenticatedBy` set to the plugin id), or undefined. */
  preAuth(input?: Partial<AuthInput>): Promise<Principal | undefined>;
  /** Runs preCall on a context filled with defaults; returns the context the next plugin would see. */
  preCall(partial?: Partial<CallContext>): Promise<CallContext>;
  /**
   * Runs postCall on a response. For `streamed: true` the handler runs only when the plugin asked
   * for `streaming: 'buffer'`, as in the gateway; otherwise the context comes back unchanged.
   */
  postCall(response: JsonObject, opts?: CallOptions & { streamed?: boolean }): Promise<ResponseContext>;
  /** Runs the streaming lane on one chunk (only for `streaming: 'chunk'`); `chunk: null` in the result means dropped. */
  chunk(chunk: JsonObject, opts?: CallOptions & { index?: number }): Promise<ChunkContext>;
  onSpend(event?: Partial<SpendEvent>): Promise<void>;
  onAudit(event?: Partial<AuditEvent>): Promise<void>;
  resolveSecret(resolverName: string, name: string): Promise<string | undefined>;
  readonly logs: TestLogEntry[];
  readonly kv: Map<string, string>;
  /** Every `ctx.http.fetch` the plugin made, in order. */
  readonly fetches: TestFetch[];
  close(): Promise<void>;
}

export const TEST_PRINCIPAL: Principal = Object.freeze({ id: 'test-user', authenticatedBy: 'test-kernel', role: 'internal_user' });

export const TEST_DEPLOYMENT: DeploymentInfo = Object.freeze({ id: 'test-deployment', modelName: 'test-model', provider: 'fake', model: 'test-model', apiBase: undefined });

type HookKind = 'bail' | 'waterfall' | 'observe';

/** Sets the plugin up with its config and the sandbox context; rejects on an invalid config or a failing setup. */
export async function createTestKernel<Config>(plugin: PluginDefinition<Config>, opts: TestKernelOptions<Config> = {}): Promise<TestKernel> {
  if (!plugin || typeof plugin.setup !== 'function') throw new Error('createTestKernel: expected the plugin made by definePlugin(...) (its default export)');
  const pluginId = plugin.id;
  const config = validatedConfig(pluginId, copy(opts.config ?? {}) as Record<string, unknown>, opts.configSchema);
  const now = opts.now ?? Date.now;
  const logs: TestLogEntry[] = [];
  const fetches: TestFetch[] = [];
  const kv = opts.kv ?? new Map<string, string>();
  const ctx = testContext({ pluginId, version: plugin.version, now, grants: opts.grants, http: opts.http, secrets: opts.secrets, kv, logs, fetches });

  const instance = ((await plugin.setup(ctx as never, config as Config)) ?? {}) as SandboxPluginInstance & Record<string, unknown>;
  const refused = ['routes', 'providers'].filter((k) => instance[k] !== undefined);
  if (refused.length) throw new Error(`${pluginId}: setup returned ${refused.join(' and ')}, which sandboxed plugins cannot contribute`);
  const taps = tapsOf(instance);
  if (opts.manifest) checkManifest(pluginId, plugin, taps, opts.manifest);
  const post = instance.postCall;
  const postHooks: PostCallHooks | undefined = typeof post === 'function' ? { streaming: 'none', response: post } : post;

  let requestSeq = 0;
  let closed = false;
  // The gateway's messages name the plugin the same way (SandboxFault).
  const fault = (what: string) => new Error(`${pluginId}: ${what}`);
  const callContext = (partial: Partial<CallContext> = {}): CallContext => ({
    requestId: `test-req-${++requestSeq}`,
    endpoint: 'chat',
    principal: TEST_PRINCIPAL,
    headers: {},
    ip: '127.0.0.1',
    receivedAt: now(),
    body: { model: 'test-model', messages: [] },
    state: {},
    tags: [],
    scopes: partial.principal?.scopes ?? [],
    ...partial,
  });
  const deployment = (partial: Partial<DeploymentInfo> = {}): DeploymentInfo => ({ ...TEST_DEPLOYMENT, ...partial });

  /** One hook call across the (simulated) isolate boundary. */
  async function invoke<T>(hook: string, handler: (arg: T) => unknown, arg: T, kind: HookKind): Promise<unknown> {
    if (closed) throw new Error(`${pluginId}: the test kernel is closed`);
    // Observers get frozen copies (the gateway's contract): a write to the event throws.
    const inside = kind === 'observe' ? deepFreeze(copy(arg)) : copy(arg);
    let value: unknown;
    try {
      value = await handler.call(instance, inside);
    } catch (err) {
      throw asVerdictOrFault(pluginId, hook, err);
    }
    // Waterfall hooks may change their argument in place and return nothing.
    if (value === undefined && kind === 'waterfall') value = inside;
    return value === undefined ? undefined : copy(value);
  }

  return {
    taps,
    logs,
    kv,
    fetches,
    async preAuth(input = {}) {
      if (!instance.preAuth) return undefined;
      const full: AuthInput = { headers: {}, token: undefined, method: 'POST', path: '/v1/chat/completions', ip: '127.0.0.1', requestId: `test-req-${++requestSeq}`, ...input };
      const value = await invoke('preAuth', instance.preAuth, boundary.authView(full) as never, 'bail');
      // The gateway records which plugin admitted the caller, whatever the plugin wrote.
      return value === undefined || value === null ? undefined : { ...boundary.principalResult(value, fault), authenticatedBy: pluginId };
    },
    async preCall(partial) {
      const call = callContext(partial);
      if (!instance.preCall) return call;
      const value = await invoke('preCall', instance.preCall, boundary.callView(call, pluginId) as never, 'waterfall');
      // The gateway takes back only these three; a changed requestId, principal or scopes is ignored.
      const result = boundary.preCallResult(value, pluginId, fault);
      return { ...call, body: result.body, tags: result.tags ?? call.tags, state: result.state ? { ...call.state, ...result.state } : call.state };
    },
    async postCall(response, o = {}) {
      const rc: ResponseContext = { call: callContext(o.call), deployment: deployment(o.deployment), streamed: o.streamed ?? false, response };
      const respond = postHooks?.response;
      if (!respond || (rc.streamed && postHooks!.streaming !== 'buffer')) return rc;
      const value = await invoke('postCall.response', respond, boundary.responseView(rc.call, rc.deployment, rc.streamed, rc.response, pluginId) as never, 'waterfall');
      return { ...rc, response: boundary.postCallResponseResult(value, fault) };
    },
    async chunk(chunk, o = {}) {
      const cc: ChunkContext = { call: callContext(o.call), deployment: deployment(o.deployment), index: o.index ?? 0, chunk };
      const onChunk = postHooks?.streaming === 'chunk' ? postHooks.chunk : undefined;
      if (!onChunk) return cc;
      const value = await invoke('postCall.chunk', onChunk, boundary.chunkView(cc.call, cc.deployment, cc.index, cc.chunk, pluginId) as never, 'waterfall');
      return { ...cc, chunk: boundary.postCallChunkResult(value, fault) };
    },
    async onSpend(event = {}) {
      if (instance.onSpend) await invoke('onSpend', instance.onSpend, boundary.spendView(spendEvent(event, now), pluginId) as never, 'observe');
    },
    async onAudit(event = {}) {
      const full: AuditEvent = { id: 'test-audit-1', at: now(), actor: { id: 'test-admin', role: 'proxy_admin' }, action: 'key.generate', objectType: 'key', objectId: 'test-key', ...event };
      if (instance.onAudit) await invoke('onAudit', instance.onAudit, boundary.auditView(full) as never, 'observe');
    },
    async resolveSecret(resolverName, name) {
      const resolver = instance.secretResolvers?.find((r) => r.name === resolverName);
      if (!resolver) {
        const names = taps.secretResolvers.map((n) => JSON.stringify(n)).join(', ') || 'none';
        throw new Error(`${pluginId}: no secret resolver named ${JSON.stringify(resolverName)} (it has: ${names})`);
      }
      const value = await invoke(`secret:${resolverName}`, (n: string) => resolver.get(n), name, 'bail');
      return typeof value === 'string' ? value : undefined;
    },
    async close() {
      closed = true;
    },
  };
}

function spendEvent(partial: Partial<SpendEvent>, now: () => number): SpendEvent {
  const at = now();
  return {
    requestId: 'test-req-spend',
    endpoint: 'chat',
    principal: TEST_PRINCIPAL,
    model: 'test-model',
    deployment: TEST_DEPLOYMENT,
    status: 'success',
    httpStatus: 200,
    stream: false,
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    cost: 0,
    tags: [],
    user: undefined,
    scopes: [],
    state: {},
    startedAt: at,
    endedAt: at,
    overheadMs: 0,
    metadata: {},
    ...partial,
  };
}
