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
} from '../../plugin-sdk/define-plugin.js';
import type { Logger, PluginContext, SecretResolver } from '../../plugin-sdk/capabilities.js';
import type { PluginManifest } from '../../schemas/generated/plugin-manifest.js';
import type { ProviderDefinition } from '../../plugin-sdk/provider.js';
import type { Router } from '../../plugin-sdk/router.js';
import type { Pricing } from '../../plugin-sdk/pricing.js';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { ConfigError } from '../config/config-error.js';
import { assertValid } from '../config/schema-validator.js';
import { pluginEntryModule } from '../paths.js';
import { HOOK_NAMES, type HookName, type StageName } from '../stages.js';
import { defaultPolicy, type FailurePolicy, type PendingTap } from './hook-taps.js';
import { GuardrailRuntime, type GatedLane } from '../guardrails/guardrail-runtime.js';
import { guardrailsListRoute } from '../guardrails/guardrails-list-route.js';
import { composePluginConfig, type PluginSelection } from './resolve-plugins.js';
import type { CatalogEntry } from './plugin-catalog.js';
import { sandboxedDefinition } from '../sandbox/sandboxed-definition.js';
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
  /** Whether any plugin holds whole streams for its postCall (`streaming: buffer`). */
  buffersStreams: boolean;
  /** The guardrail entries of the loaded plugins and the gates on their taps. */
  guardrails: GuardrailRuntime;
}

/** Starts with the kernel's own route: GET /guardrails/list answers even with no guardrail configured. */
export function emptyContributions(): Contributions {
  const guardrails = new GuardrailRuntime();
  return {
    taps: [],
    routes: [{ pluginId: 'kernel', route: guardrailsListRoute(guardrails) }],
    providers: new Map(),
    secretResolvers: [],
    buffersStreams: false,
    guardrails,
  };
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
  const ctx = makeContext(manifest.id, manifest.version);
  const instance = await def.setup(ctx, pluginConfig);
  collect(selection, instance, into, ctx.log);
  return { id: manifest.id, version: manifest.version, because: selection.because, instance, config: pluginConfig };
}

function collect(selection: PluginSelection, instance: PluginInstance, into: Contributions, log: Logger): void {
  const { manifest, dir } = selection.entry;
  const manifestFile = join(dir, 'plugin.json');
  const guardrails = selection.guardrails?.length ? selection.guardrails : undefined;
  if (guardrails) into.guardrails.register(guardrails, log, guardrailInfo(manifest));
  // undefined: not a guardrail, the tap always runs; null: no entry runs at this lane, no tap.
  const gateOf = (lane: GatedLane) => (guardrails ? into.guardrails.gateFor(manifest.id, lane) : undefined);
  const push = (tap: PendingTap, lane?: GatedLane): boolean => {
    const gate = lane ? gateOf(lane) : undefined;
    if (gate === null) return false;
    into.taps.push(gate ? { ...tap, gate } : tap);
    return true;
  };
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
        const tapped = push(
          {
            ...base,
            lane: 'postCall',
            fn: ((ctx: { streamed: boolean }, abandoned?: AbortSignal) =>
              ctx.streamed && streaming !== 'buffer' ? Promise.resolve(undefined) : respond(ctx as never, abandoned)) as PendingTap['fn'],
          },
          'postCall',
        );
        if (tapped && streaming === 'buffer') into.buffersStreams = true;
      }
      if (post.chunk && post.streaming === 'chunk') push({ ...base, lane: 'postCallChunk', fn: post.chunk as PendingTap['fn'] }, 'postCallChunk');
      continue;
    }
    push({ ...base, lane: hook as HookName, fn: handler as PendingTap['fn'] }, hook === 'preCall' ? 'preCall' : undefined);
  }
  into.taps.push(...into.guardrails.barrierTaps());
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
}

/** What /guardrails/list adds to an entry's guardrail_info about its implementation. */
function guardrailInfo(manifest: PluginManifest): Record<string, unknown> {
  const streaming = manifest.hooks?.postCall?.streaming;
  return {
    implemented_by: `${manifest.id}@${manifest.version}`,
    supported_modes: [...(manifest.guardrail?.modes ?? []), 'logging_only'],
    ...(manifest.guardrail?.modes.includes('post_call') && { post_call_streaming: streaming === 'buffer' ? 'buffer' : streaming === 'chunk' ? 'chunk' : 'none' }),
  };
}
