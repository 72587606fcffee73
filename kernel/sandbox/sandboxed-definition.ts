/**
 * Wraps a packaged third-party plugin as an ordinary PluginDefinition whose hooks call into its
 * isolate. The kernel then taps it like any plugin: same stages, same failure policies.
 */
import { createHash } from 'node:crypto';
import type { PluginContext } from '../../plugin-sdk/capabilities.js';
import type { PluginDefinition, PluginInstance, PostCallHooks } from '../../plugin-sdk/define-plugin.js';
import type { CallContext, ChunkContext, Principal, ResponseContext, Role } from '../../plugin-sdk/hook-contexts.js';
import type { JsonObject } from '../../plugin-sdk/json.js';
import { ConfigError } from '../config/config-error.js';
import type { CatalogEntry } from '../plugins/plugin-catalog.js';
import { assertAuthGranted, assertResolverGranted, ownsStateKey, roleRank, type PackageGrants } from './package-grants.js';
import type { SandboxSource } from './plugin-package.js';
import { SandboxFault, SandboxedPlugin, type SandboxLimits } from './sandboxed-plugin.js';

const ROLES = new Set<Role>(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'team_admin', 'internal_user', 'internal_user_viewer', 'customer']);
/** Credentials are shown to a sandboxed plugin only in preAuth, where recognising them is its job. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'x-litellm-api-key', 'x-goog-api-key', 'cookie']);

export interface SandboxPlacement {
  limits: SandboxLimits;
  grants: PackageGrants;
  onRestart(pluginId: string, reason: string): void;
}

export function sandboxedDefinition(entry: CatalogEntry & { sandbox: SandboxSource }, placement: SandboxPlacement): PluginDefinition<Record<string, unknown>> {
  const { manifest } = entry;
  return {
    id: manifest.id,
    version: manifest.version,
    apiVersion: manifest.apiVersion,
    async setup(ctx: PluginContext, config: Record<string, unknown>): Promise<PluginInstance> {
      const plugin = new SandboxedPlugin(entry.sandbox.bundle, ctx, config, placement.limits, placement.grants, (reason) => placement.onRestart(manifest.id, reason));
      let info;
      try {
        info = await plugin.start();
      } catch (err) {
        throw new ConfigError(entry.sandbox.source, '', (err as Error).message);
      }
      if (info.id !== manifest.id || info.version !== manifest.version) {
        await plugin.close();
        throw new ConfigError(entry.sandbox.source, 'plugin.js', `code says ${info.id}@${info.version} but plugin.json says ${manifest.id}@${manifest.version}`);
      }
      if (info.unsupported.length > 0) {
        await plugin.close();
        throw new ConfigError(entry.sandbox.source, info.unsupported.join(', '), 'sandboxed plugins may tap hooks and resolve secrets, but not add routes or providers');
      }
      // The manifest was checked against the grants at resolution; the code may do more than it declares.
      try {
        const who = `${manifest.id}@${manifest.version}`;
        if (info.hooks.includes('preAuth')) assertAuthGranted(who, placement.grants, entry.sandbox.source, 'grants.auth');
        if (info.secretResolvers.length > 0) assertResolverGranted(who, placement.grants, entry.sandbox.source, 'grants.secret_resolver');
      } catch (err) {
        await plugin.close();
        throw err;
      }
      return instanceFor(plugin, info, manifest.id, placement.grants);
    },
  };
}

/**
 * The hook handlers the kernel taps. A waterfall handler (preCall, postCall) gets an AbortSignal
 * from the kernel when the tap has a manifest timeout: once it fired, the call went on without
 * this plugin, and whatever the isolate answers later is dropped instead of applied.
 */
function instanceFor(plugin: SandboxedPlugin, info: NonNullable<SandboxedPlugin['info']>, pluginId: string, grants: PackageGrants): PluginInstance {
  const instance: PluginInstance = { close: () => plugin.close() };
  if (info.hooks.includes('preAuth')) {
    const maxRole = grants.auth!.maxRole;
    instance.preAuth = async (input) => {
      const r = await plugin.call('preAuth', input);
      return r.undef || r.value === null ? undefined : principalOf(r.value, pluginId, maxRole, input.token);
    };
  }
  if (info.hooks.includes('preCall')) {
    instance.preCall = async (ctx: CallContext, abandoned?: AbortSignal) => {
      const r = await plugin.call('preCall', callView(ctx, pluginId));
      if (!abandoned?.aborted) applyCall(ctx, r.value, pluginId);
    };
  }
  if (info.postCall) {
    const post: PostCallHooks = { streaming: info.postCall.streaming };
    if (info.postCall.response) {
      post.response = async (ctx: ResponseContext, abandoned?: AbortSignal) => {
        const r = await plugin.call('postCall.response', { call: callView(ctx.call, pluginId), deployment: ctx.deployment, streamed: ctx.streamed, response: ctx.response });
        const response = (r.value as { response?: unknown } | null)?.response;
        if (!isObject(response)) throw new SandboxFault(pluginId, 'postCall must leave `response` an object');
        if (!abandoned?.aborted) ctx.response = response;
      };
    }
    if (info.postCall.chunk) {
      post.chunk = async (ctx: ChunkContext, abandoned?: AbortSignal) => {
        const r = await plugin.call('postCall.chunk', { call: callView(ctx.call, pluginId), deployment: ctx.deployment, index: ctx.index, chunk: ctx.chunk });
        const chunk = (r.value as { chunk?: unknown } | null)?.chunk;
        if (chunk !== null && !isObject(chunk)) throw new SandboxFault(pluginId, 'postCall chunk must be an object or null');
        if (!abandoned?.aborted) ctx.chunk = chunk;
      };
    }
    instance.postCall = post;
  }
  if (info.hooks.includes('onSpend')) instance.onSpend = async (event) => void (await plugin.call('onSpend', { ...event, state: ownState(event.state, pluginId) }));
  if (info.hooks.includes('onAudit')) instance.onAudit = async (event) => void (await plugin.call('onAudit', event));
  if (info.secretResolvers.length > 0) {
    // Asked only for the names the operator listed: never for the master key or an upstream key it was not given.
    const granted = new Set(grants.secretResolver);
    instance.secretResolvers = info.secretResolvers.map((name) => ({
      name,
      get: async (secret: string) => {
        if (!granted.has(secret)) return undefined;
        const r = await plugin.call(`secret:${name}`, secret);
        return typeof r.value === 'string' ? r.value : undefined;
      },
    }));
  }
  return instance;
}

/** What a sandboxed plugin sees of a call: a copy, without the caller's credentials or other plugins' state. */
function callView(ctx: Readonly<CallContext>, pluginId: string): JsonObject {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(ctx.headers)) if (v !== undefined && !CREDENTIAL_HEADERS.has(k)) headers[k] = v;
  return {
    requestId: ctx.requestId,
    endpoint: ctx.endpoint,
    principal: ctx.principal as unknown as JsonObject,
    headers,
    ip: ctx.ip,
    receivedAt: ctx.receivedAt,
    body: ctx.body,
    tags: ctx.tags,
    state: ownState(ctx.state, pluginId),
  };
}

/** The plugin's own namespace of call state (see ownsStateKey); the rest is invisible to it. */
function ownState(state: Readonly<Record<string, unknown>>, pluginId: string): JsonObject {
  const own: JsonObject = {};
  for (const [k, v] of Object.entries(state)) if (ownsStateKey(pluginId, k)) own[k] = v as JsonObject[string];
  return own;
}

function applyCall(ctx: CallContext, value: unknown, pluginId: string): void {
  if (!isObject(value)) throw new SandboxFault(pluginId, 'preCall must return the context (or nothing)');
  if (!isObject(value.body)) throw new SandboxFault(pluginId, 'preCall must leave `body` an object');
  ctx.body = value.body;
  if (Array.isArray(value.tags)) ctx.tags = value.tags.filter((t): t is string => typeof t === 'string');
  if (!isObject(value.state)) return;
  const foreign = Object.keys(value.state).find((k) => !ownsStateKey(pluginId, k));
  if (foreign !== undefined) {
    throw new SandboxFault(pluginId, `preCall may write only state[${JSON.stringify(pluginId)}] or keys starting "${pluginId}:", not state[${JSON.stringify(foreign)}]`);
  }
  Object.assign(ctx.state, value.state);
}

/**
 * The principal a sandboxed preAuth returned, refused when it claims more than grants.auth.max_role.
 * Its `keyHash` is the kernel's own hash of the credential presented (none without one): a plugin
 * could otherwise claim another key's hash, which tenancy's RBAC takes as that key's "self", and
 * spend logs bill to.
 */
function principalOf(value: unknown, pluginId: string, maxRole: Role, token: string | undefined): Principal {
  if (!isObject(value) || typeof value.id !== 'string' || !ROLES.has(value.role as Role)) {
    throw new SandboxFault(pluginId, 'preAuth must return a principal with a string id and a known role, or nothing');
  }
  const p = value as unknown as Principal;
  // Administering teams or organizations is what team_admin / org_admin mean, whatever `role` says.
  const claimed = [p.role, ...(p.adminOf?.teams?.length ? (['team_admin'] as const) : []), ...(p.adminOf?.organizations?.length ? (['org_admin'] as const) : [])];
  const above = claimed.find((role) => roleRank(role) > roleRank(maxRole));
  if (above !== undefined) {
    throw new SandboxFault(pluginId, `preAuth returned a principal with role ${above}, above its grants.auth.max_role ${maxRole}`);
  }
  const { keyHash: _claimed, ...rest } = p;
  // Hex SHA-256, the form first-party auth plugins give and tenancy stores keys under.
  const keyHash = token === undefined ? undefined : createHash('sha256').update(token).digest('hex');
  return Object.freeze({ ...rest, authenticatedBy: pluginId, ...(keyHash !== undefined && { keyHash }) });
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
