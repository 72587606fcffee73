/**
 * Wraps a packaged third-party plugin as an ordinary PluginDefinition whose hooks call into its
 * isolate. The kernel then taps it like any plugin: same stages, same failure policies.
 */
import { createHash } from 'node:crypto';
import {
  sandboxBoundary as boundary,
  type PluginContext,
  type PluginDefinition,
  type PluginInstance,
  type PostCallHooks,
  type CallContext,
  type ChunkContext,
  type Principal,
  type ResponseContext,
  type Role,
} from '@sluice/plugin-sdk';
import { ConfigError } from '../config/config-error.js';
import type { CatalogEntry } from '../plugins/plugin-catalog.js';
import { assertAuthGranted, assertResolverGranted, roleRank, type PackageGrants } from './package-grants.js';
import type { SandboxSource } from './plugin-package.js';
import { SandboxFault, SandboxedPlugin, type SandboxLimits } from './sandboxed-plugin.js';

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
 * The hook handlers the kernel taps; what crosses is the SDK's boundary (`sandboxBoundary`), the
 * one createTestKernel uses. A waterfall handler (preCall, postCall) gets an AbortSignal from the
 * kernel when the tap has a manifest timeout: once it fired, the call went on without this plugin,
 * and whatever the isolate answers later is dropped instead of applied.
 */
function instanceFor(plugin: SandboxedPlugin, info: NonNullable<SandboxedPlugin['info']>, pluginId: string, grants: PackageGrants): PluginInstance {
  const instance: PluginInstance = { close: () => plugin.close() };
  const fault = (what: string) => new SandboxFault(pluginId, what);
  if (info.hooks.includes('preAuth')) {
    const maxRole = grants.auth!.maxRole;
    instance.preAuth = async (input) => {
      const r = await plugin.call('preAuth', boundary.authView(input));
      return r.undef || r.value === null ? undefined : principalOf(boundary.principalResult(r.value, fault), pluginId, maxRole, input.token);
    };
  }
  if (info.hooks.includes('preCall')) {
    instance.preCall = async (ctx: CallContext, abandoned?: AbortSignal) => {
      const r = await plugin.call('preCall', boundary.callView(ctx, pluginId));
      const result = boundary.preCallResult(r.value, pluginId, fault);
      if (abandoned?.aborted) return;
      ctx.body = result.body;
      if (result.tags) ctx.tags = result.tags;
      if (result.state) Object.assign(ctx.state, result.state);
    };
  }
  if (info.postCall) {
    const post: PostCallHooks = { streaming: info.postCall.streaming };
    if (info.postCall.response) {
      post.response = async (ctx: ResponseContext, abandoned?: AbortSignal) => {
        const r = await plugin.call('postCall.response', boundary.responseView(ctx.call, ctx.deployment, ctx.streamed, ctx.response, pluginId));
        const response = boundary.postCallResponseResult(r.value, fault);
        if (!abandoned?.aborted) ctx.response = response;
      };
    }
    if (info.postCall.chunk) {
      post.chunk = async (ctx: ChunkContext, abandoned?: AbortSignal) => {
        const r = await plugin.call('postCall.chunk', boundary.chunkView(ctx.call, ctx.deployment, ctx.index, ctx.chunk, pluginId));
        const chunk = boundary.postCallChunkResult(r.value, fault);
        if (!abandoned?.aborted) ctx.chunk = chunk;
      };
    }
    instance.postCall = post;
  }
  if (info.hooks.includes('onSpend')) instance.onSpend = async (event) => void (await plugin.call('onSpend', boundary.spendView(event, pluginId)));
  if (info.hooks.includes('onAudit')) instance.onAudit = async (event) => void (await plugin.call('onAudit', boundary.auditView(event)));
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

/**
 * The principal a sandboxed preAuth returned (its shape checked by the boundary), refused when it
 * claims more than grants.auth.max_role. Its `keyHash` is the kernel's own hash of the credential
 * presented (none without one): a plugin could otherwise claim another key's hash, which tenancy's
 * RBAC takes as that key's "self", and spend logs bill to.
 */
function principalOf(p: Principal, pluginId: string, maxRole: Role, token: string | undefined): Principal {
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