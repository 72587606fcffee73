/**
 * Decides which plugins run, in which version, with which config — from the `plugins:` list, the
 * default plugins, the plugins a translated config implies (config/litellm/: callbacks,
 * `guardrails:`) and the providers of model_list.
 */
import type { SluiceConfig } from '../../schemas/generated/config.js';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';
import { ConfigError } from '../config/config-error.js';
import { providerInference } from '../models/provider-inference.js';
import type { CatalogEntry, PluginCatalog } from './plugin-catalog.js';
import type { HookName, StageName } from '../stages.js';
import { dirname } from 'node:path';
import { checkManifestGrants, packageGrants, type PackageGrants } from '../sandbox/package-grants.js';
import { isPackagePath, readPluginPackage } from '../sandbox/plugin-package.js';
import type { SandboxLimits } from '../sandbox/sandboxed-plugin.js';

export type EnabledBecause = 'config' | 'default' | 'callback' | 'setting' | 'guardrail' | 'provider';

export interface PluginSelection {
  entry: CatalogEntry;
  because: EnabledBecause;
  /** Where its config came from, for error messages: `plugins[2]` or the implying setting. */
  origin: string;
  /** The `config:` given in YAML, before LiteLLM settings, env and defaults are merged. */
  explicitConfig: Record<string, unknown>;
  stages: Partial<Record<HookName, StageName>>;
  failurePolicy: 'fail-closed' | 'fail-open' | undefined;
  /** For packaged (third-party) plugins: the isolate's limits and the operator's grants. */
  sandbox?: { limits: SandboxLimits; grants: PackageGrants };
}

/** A plugin turned on by something other than the `plugins:` list (e.g. a LiteLLM callback name). */
export interface ImpliedPlugin {
  entry: CatalogEntry;
  because: EnabledBecause;
  /** The setting that implies it, for messages: `litellm_settings.callbacks: langfuse`. */
  origin: string;
  /** Config the implying setting gives it (a guardrail entry's litellm_params); `plugins:` config wins. */
  config?: Record<string, unknown>;
}

/** Packaged plugins named by path in `plugins:`, read ahead of resolution (reading a .tgz is async). */
export type PackageEntries = Map<string, CatalogEntry>;

export async function readPackages(config: SluiceConfig, file: string): Promise<PackageEntries> {
  const out: PackageEntries = new Map();
  const base = file.startsWith('<') ? process.cwd() : dirname(file);
  for (const [i, p] of (config.plugins ?? []).entries()) {
    if (p.enabled === false || !isPackagePath(p.use)) continue;
    if (!p.sha256 && !p.allow_unpinned) {
      const problem = p.use.endsWith('.tgz')
        ? 'a package must be pinned: add the sha256 `sluice plugin pack` printed for it (or allow_unpinned: true, for development only)'
        : 'a package folder cannot be pinned by sha256: pack it with `sluice plugin pack` and pin the .tgz (or set allow_unpinned: true, for development only)';
      throw new ConfigError(file, `plugins[${i}].sha256`, problem);
    }
    out.set(p.use, await readPluginPackage(p.use, base, p.sha256));
  }
  return out;
}

export interface PluginResolution {
  selected: PluginSelection[];
  warnings: string[];
}

export function parseUse(use: string): { id: string; range: string } {
  const at = use.lastIndexOf('@');
  if (at <= 0) return { id: use, range: '*' };
  return { id: use.slice(0, at), range: use.slice(at + 1) || '*' };
}

export function resolvePlugins(
  config: SluiceConfig,
  catalog: PluginCatalog,
  file: string,
  packages: PackageEntries,
  implied: readonly ImpliedPlugin[],
  env: NodeJS.ProcessEnv = process.env,
): PluginResolution {
  const selected = new Map<string, PluginSelection>();
  const disabled = new Set<string>();
  const warnings: string[] = [];

  (config.plugins ?? []).forEach((p, i) => {
    const origin = `plugins[${i}]`;
    const packaged = packages.get(p.use);
    const { id, range } = packaged ? { id: packaged.manifest.id, range: '*' } : parseUse(p.use);
    if (p.enabled === false) {
      disabled.add(id);
      return;
    }
    if (p.runtime === 'isolate' && !packaged) {
      throw new ConfigError(file, `${origin}.runtime`, `${id} is not a package: build it with \`sluice plugin pack\` and name the .tgz in use: to run it in an isolate`);
    }
    if (packaged && p.runtime === 'in-process') {
      throw new ConfigError(file, `${origin}.runtime`, 'plugins loaded from a package always run in an isolate');
    }
    const entry = packaged ?? catalog.find(id, range);
    if (!entry) {
      const have = catalog.versions(id);
      throw new ConfigError(
        file,
        `${origin}.use`,
        have.length ? `no installed version of ${id} satisfies ${range} (installed: ${have.join(', ')})` : `no plugin named ${id} is installed`,
      );
    }
    if (selected.has(id)) throw new ConfigError(file, `${origin}.use`, `plugin ${id} is enabled twice`);
    if (packaged) {
      const who = `the package ${id}@${packaged.manifest.version} (${p.use})`;
      if (catalog.versions(id).length > 0) {
        if (!p.override_first_party) {
          throw new ConfigError(file, `${origin}.use`, `${who} has the id of the first-party plugin ${id}; refusing to replace it (set override_first_party: true on this entry to do so deliberately)`);
        }
        warnings.push(`${origin}: ${who} overrides the first-party plugin ${id} (override_first_party: true)`);
      }
      if (!p.sha256) warnings.push(`${origin}: ${who} is not pinned by sha256 (allow_unpinned: true); pin it outside development`);
      checkManifestGrants(packaged.manifest, packageGrants(p.grants), file, origin);
    }
    selected.set(id, {
      entry,
      because: 'config',
      origin,
      explicitConfig: (p.config ?? {}) as Record<string, unknown>,
      stages: (p.stages ?? {}) as Partial<Record<HookName, StageName>>,
      failurePolicy: p.failure_policy,
      sandbox: packaged
        ? {
            limits: { memoryMb: p.sandbox?.memory_mb ?? 64, timeoutMs: p.sandbox?.timeout_ms ?? 1000, setupTimeoutMs: p.sandbox?.setup_timeout_ms },
            grants: packageGrants(p.grants),
          }
        : undefined,
    });
  });

  const imply = (entry: CatalogEntry, because: EnabledBecause, origin: string, config?: Record<string, unknown>) => {
    const id = entry.manifest.id;
    if (disabled.has(id)) return;
    const already = selected.get(id);
    // Precedence: `plugins:` config > config the implying setting gives (a guardrail entry's litellm_params).
    if (already) already.explicitConfig = { ...config, ...already.explicitConfig };
    else selected.set(id, { entry, because, origin, explicitConfig: { ...config }, stages: {}, failurePolicy: undefined });
  };

  for (const entry of catalog.latest()) if (entry.manifest.enabledByDefault) imply(entry, 'default', `default plugin ${entry.manifest.id}`);

  for (const p of implied) imply(p.entry, p.because, p.origin, p.config);

  const providerOwners = new Map<string, CatalogEntry>();
  for (const entry of catalog.latest()) for (const name of entry.manifest.provides?.providers ?? []) providerOwners.set(name, entry);
  const inference = providerInference(catalog.latest());
  for (const deployment of config.model_list ?? []) {
    const { provider } = inference.split(deployment.litellm_params.model, deployment.litellm_params.custom_llm_provider);
    const owner = provider === undefined ? undefined : providerOwners.get(provider);
    if (owner) imply(owner, 'provider', `model_list provider ${provider}`);
  }
  // A setting naming a provider/model a plugin makes a deployment for (llamaguard_model_name) enables that provider's plugin.
  for (const s of [...selected.values()]) {
    for (const path of s.entry.manifest.provides?.runtimeDeployments?.modelSettings ?? []) {
      const value = settingAt(config, path);
      if (typeof value !== 'string' || !value.includes('/')) continue;
      const { provider } = inference.split(value);
      const owner = provider === undefined ? undefined : providerOwners.get(provider);
      if (owner) imply(owner, 'provider', `${path} provider ${provider}`);
    }
  }
  // A plugin supplying deployments at runtime may name any provider: every installed one is enabled.
  const runtimeSource = [...selected.values()].find((s) => runtimeDeploymentsOn(s.entry.manifest.provides?.runtimeDeployments, config, env));
  if (runtimeSource) {
    for (const owner of new Set(providerOwners.values())) imply(owner, 'provider', `runtime deployments of ${runtimeSource.entry.manifest.id}`);
  }

  return { selected: [...selected.values()], warnings };
}

const TRUE = /^(true|1|yes)$/i;

function settingAt(config: SluiceConfig, path: string): unknown {
  let node: unknown = config;
  for (const part of path.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

function runtimeDeploymentsOn(decl: { settings?: string[]; env?: string[] } | undefined, config: SluiceConfig, env: NodeJS.ProcessEnv): boolean {
  if (!decl) return false;
  const truthy = (v: unknown) => v === true || (typeof v === 'string' && TRUE.test(v.trim()));
  for (const path of decl.settings ?? []) {
    let node: unknown = config;
    for (const part of path.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    if (truthy(node)) return true;
  }
  return (decl.env ?? []).some((name) => truthy(env[name]));
}
