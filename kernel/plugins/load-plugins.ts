/**
 * Imports the selected plugins, validates their config against their schema, runs `setup` and
 * collects what they contribute: hook taps, routes, providers and secret resolvers.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import {
  KERNEL_API_VERSION,
  type PluginDefinition,
  type PluginInstance,
  type PostCallHooks,
  type ResponseHandler,
  type RouteDefinition,
  type PluginContext,
  type SecretResolver,
  type IdentityDirectory,
  type ProviderDefinition,
  type Router,
  type Pricing,
  type ModelAccess,
  type TapActivation,
  type Importer,
} from '@sluice/plugin-sdk';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { ConfigError } from '../config/config-error.js';
import { assertValid } from '../config/schema-validator.js';
import { pluginEntryModule } from '../paths.js';
import { HOOK_NAMES, type HookName, type StageName } from '../stages.js';
import { defaultPolicy, type FailurePolicy, type PendingTap } from './hook-taps.js';
import type { PluginSelection } from './resolve-plugins.js';
import { composePluginConfig } from '../config/litellm/translate-litellm-config.js';
import type { CatalogEntry } from './plugin-catalog.js';
import { sandboxedDefinition } from '../sandbox/sandboxed-definition.js';
import { withDeclaredCapabilities } from './declared-capabilities.js';
import type { SandboxSource } from '../sandbox/plugin-package.js';

export interface LoadedPlugin {
  id: string;
  version: string;
  because: PluginSelection['because'];
  instance: PluginInstance;
  /** Config after defaults, as the plugin received it. */
  config: Record<string, unknown>;
}

export interface Contributions {
  taps: PendingTap[];
  routes: { pluginId: string; route: RouteDefinition }[];
  providers: Map<string, { pluginId: string; definition: ProviderDefinition }>;
  secretResolvers: SecretResolver[];
  router?: { pluginId: string; router: Router };
  pricing?: { pluginId: string; pricing: Pricing };
  /** Who may call and see which models, in load order (every one is asked). */
  modelAccess: ModelAccess[];
  /** Whether any plugin holds whole streams for its postCall (`streaming: buffer`); final once taps are activated. */
  buffersStreams: boolean;
  /** Decides per request which taps run (tap-activation.ts). */
  tapActivation?: { pluginId: string; activation: TapActivation };
  /** `sluice import` (importer.ts), in load order; entities are unique per source. */
  importers: { pluginId: string; importer: Importer }[];
  /** Principals for JWT and SSO identities (identity.ts); one provider per gateway. */
  identities?: { pluginId: string; directory: IdentityDirectory };
}

export function emptyContributions(): Contributions {
  return { taps: [], routes: [], providers: new Map(), secretResolvers: [], modelAccess: [], buffersStreams: false, importers: [] };
}

export async function importPlugin(
  selection: PluginSelection,
  onSandboxRestart: (pluginId: string, reason: string) => void = () => undefined,
): Promise<PluginDefinition<Record<string, unknown>>> {
  const { manifest, dir } = selection.entry;
  const manifestFile = selection.entry.sandbox ? `${selection.entry.sandbox.source}!plugin.json` : join(dir, 'plugin.json');
  if (!semver.satisfies(KERNEL_API_VERSION, manifest.apiVersion)) {
    throw new ConfigError(
      manifestFile,
      'apiVersion',
      `${manifest.id}@${manifest.version} needs kernel API ${manifest.apiVersion}, but this kernel provides ${KERNEL_API_VERSION}`,
    );
  }
  if (selection.entry.sandbox && selection.sandbox) {
    return sandboxedDefinition(selection.entry as CatalogEntry & { sandbox: SandboxSource }, { ...selection.sandbox, onRestart: onSandboxRestart });
  }
  const module = (await import(pathToFileURL(pluginEntryModule(dir, manifest.main ?? 'src/index.ts')).href)) as {
    default?: PluginDefinition<Record<string, unknown>>;
  };
  const def = module.default;
  if (!def || typeof def.setup !== 'function') throw new ConfigError(manifestFile, 'main', `the module does not default-export definePlugin(...)`);
  if (def.id !== manifest.id || def.version !== manifest.version) {
    throw new ConfigError(manifestFile, 'version', `code says ${def.id}@${def.version} but the manifest says ${manifest.id}@${manifest.version}`);
  }
  return def;
}

/** The plugin's config from every source, with schema defaults applied; throws a ConfigError naming the path. */
export function validatedPluginConfig(selection: PluginSelection, config: SluiceConfig, file: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const { manifest, validateConfig } = selection.entry;
  const pluginConfig = composePluginConfig(manifest, selection.explicitConfig, config, env, selection.sandbox?.grants);
  if (validateConfig) assertValid(validateConfig, pluginConfig, file, `${selection.origin} (${manifest.id}) config`);
  return pluginConfig;
}

export async function setupPlugin(
  selection: PluginSelection,
  def: PluginDefinition<Record<string, unknown>>,
  pluginConfig: Record<string, unknown>,
  makeContext: (id: string, version: string) => PluginContext,
  into: Contributions,
): Promise<LoadedPlugin> {
  const { manifest } = selection.entry;
  const full = makeContext(manifest.id, manifest.version);
  // A sandboxed plugin's capabilities are gated by its grants, on the host side (capability-host).
  const ctx = selection.entry.sandbox && selection.sandbox ? full : withDeclaredCapabilities(full, manifest);
  const instance = await def.setup(ctx, pluginConfig);
  collect(selection, instance, into);
  return { id: manifest.id, version: manifest.version, because: selection.because, instance, config: pluginConfig };
}

function collect(selection: PluginSelection, instance: PluginInstance, into: Contributions): void {
  const { manifest, dir } = selection.entry;
  const manifestFile = join(dir, 'plugin.json');
  const push = (tap: PendingTap) => into.taps.push(tap);
  for (const hook of HOOK_NAMES) {
    const handler = instance[hook];
    if (handler === undefined) continue;
    const decl = manifest.hooks?.[hook];
    if (!decl) throw new ConfigError(manifestFile, `hooks.${hook}`, `${manifest.id} taps ${hook} but its manifest does not declare it`);
    const stage = (selection.stages[hook] ?? decl.stage ?? 'DEFAULT') as StageName;
    const policy: FailurePolicy =
      selection.failurePolicy ?? manifest.failurePolicy?.[hook] ?? manifest.failurePolicy?.default ?? defaultPolicy(hook);
    const base = { hook, pluginId: manifest.id, pluginVersion: manifest.version, stage, policy, timeoutMs: decl.timeoutMs };
    if (hook === 'postCall') {
      const post: PostCallHooks =
        typeof handler === 'function' ? { streaming: decl.streaming ?? 'none', response: handler as ResponseHandler } : (handler as PostCallHooks);
      if (post.response) {
        // The second argument is the tap's abort signal (see hook-taps), passed on to the handler.
        const respond = post.response as (ctx: never, abandoned?: AbortSignal) => Promise<unknown>;
        const streaming = post.streaming;
        // Streamed responses reach response() only for plugins that buffer streams.
        push({
          ...base,
          lane: 'postCall',
          fn: ((ctx: { streamed: boolean }, abandoned?: AbortSignal) =>
            ctx.streamed && streaming !== 'buffer' ? Promise.resolve(undefined) : respond(ctx as never, abandoned)) as PendingTap['fn'],
          ...(streaming === 'buffer' && { buffersStreams: true }),
        });
      }
      if (post.chunk && post.streaming === 'chunk') push({ ...base, lane: 'postCallChunk', fn: post.chunk as PendingTap['fn'] });
      continue;
    }
    push({ ...base, lane: hook as HookName, fn: handler as PendingTap['fn'] });
  }
  for (const route of instance.routes ?? []) into.routes.push({ pluginId: manifest.id, route });
  for (const definition of instance.providers ?? []) {
    for (const name of definition.names) {
      const other = into.providers.get(name);
      if (other) throw new ConfigError(manifestFile, 'provides.providers', `provider ${name} is served by both ${other.pluginId} and ${manifest.id}`);
      into.providers.set(name, { pluginId: manifest.id, definition });
    }
  }
  into.secretResolvers.push(...(instance.secretResolvers ?? []));
  if (instance.router) {
    if (into.router) throw new ConfigError(manifestFile, 'router', `both ${into.router.pluginId} and ${manifest.id} provide the router; enable one`);
    into.router = { pluginId: manifest.id, router: instance.router };
  }
  if (instance.pricing) {
    if (into.pricing) throw new ConfigError(manifestFile, 'pricing', `both ${into.pricing.pluginId} and ${manifest.id} provide pricing; enable one`);
    into.pricing = { pluginId: manifest.id, pricing: instance.pricing };
  }
  if (instance.modelAccess) into.modelAccess.push(instance.modelAccess);
  if (instance.identities) {
    if (into.identities) throw new ConfigError(manifestFile, 'identities', `both ${into.identities.pluginId} and ${manifest.id} provide the identity directory; enable one`);
    into.identities = { pluginId: manifest.id, directory: instance.identities };
  }
  if (instance.tapActivation) {
    if (into.tapActivation) {
      throw new ConfigError(manifestFile, 'tapActivation', `both ${into.tapActivation.pluginId} and ${manifest.id} provide tap activation; enable one`);
    }
    into.tapActivation = { pluginId: manifest.id, activation: instance.tapActivation };
  }
  for (const importer of instance.importers ?? []) {
    const other = into.importers.find((i) => i.importer.source === importer.source && i.importer.entity === importer.entity);
    if (other) throw new ConfigError(manifestFile, 'importers', `${importer.source} importer ${importer.entity} is provided by both ${other.pluginId} and ${manifest.id}`);
    into.importers.push({ pluginId: manifest.id, importer });
  }
}
