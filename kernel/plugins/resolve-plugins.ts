/**
 * Decides which plugins run, in which version, with which config — from the `plugins:` list and
 * from what a LiteLLM config implies (callbacks, `guardrails:`, providers of model_list, default
 * plugins) — and binds each guardrail plugin to the guardrail entries that say when it runs.
 */
import type { SluiceConfig } from '../../schemas/generated/config.js';
import type { PluginManifest } from '../../schemas/generated/plugin-manifest.js';
import { ConfigError } from '../config/config-error.js';
import { PLANNED_CALLBACKS, type SettingClaims } from '../config/litellm-settings.js';
import type { GuardrailEntry, GuardrailMode } from '../guardrails/guardrail-entry.js';
import { implementationNames, readGuardrails } from '../guardrails/read-guardrails.js';
import { splitProviderModel } from '../models/deployments.js';
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
  /** For guardrail plugins: the entries that decide on which requests and at which modes it runs. */
  guardrails?: GuardrailEntry[];
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
  claims: SettingClaims;
}

const CALLBACK_SETTINGS = ['callbacks', 'success_callback', 'failure_callback'] as const;

export function parseUse(use: string): { id: string; range: string } {
  const at = use.lastIndexOf('@');
  if (at <= 0) return { id: use, range: '*' };
  return { id: use.slice(0, at), range: use.slice(at + 1) || '*' };
}

export function resolvePlugins(config: SluiceConfig, catalog: PluginCatalog, file: string, packages: PackageEntries = new Map()): PluginResolution {
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

  const imply = (entry: CatalogEntry, because: EnabledBecause, origin: string) => {
    const id = entry.manifest.id;
    if (selected.has(id) || disabled.has(id)) return;
    selected.set(id, { entry, because, origin, explicitConfig: {}, stages: {}, failurePolicy: undefined });
  };

  for (const entry of catalog.latest()) if (entry.manifest.enabledByDefault) imply(entry, 'default', `default plugin ${entry.manifest.id}`);

  /** Guardrail plugins a callback names: always on, as the callback is in LiteLLM. */
  const callbackNamed = new Map<string, string>();
  const callbackOwners = new Map<string, CatalogEntry>();
  for (const entry of catalog.latest()) for (const name of entry.manifest.litellm?.callbacks ?? []) callbackOwners.set(name, entry);
  for (const setting of CALLBACK_SETTINGS) {
    const names = config.litellm_settings?.[setting];
    if (names === undefined) continue;
    const list = Array.isArray(names) ? names : [names];
    list.forEach((name, i) => {
      if (typeof name !== 'string') {
        warnings.push(`litellm_settings.${setting}[${i}] is not a callback name; it is ignored`);
        return;
      }
      const owner = callbackOwners.get(name);
      if (owner) {
        imply(owner, 'callback', `litellm_settings.${setting}: ${name}`);
        if (!callbackNamed.has(owner.manifest.id)) callbackNamed.set(owner.manifest.id, name);
      }
      else if (PLANNED_CALLBACKS.has(name)) warnings.push(`litellm_settings.${setting}: "${name}" is accepted but not yet supported; it has no effect yet`);
      else warnings.push(`litellm_settings.${setting}: "${name}" is not a callback Sluice knows; it is ignored`);
    });
  }

  // Plugins a LiteLLM switch turns on, e.g. `litellm_settings.store_audit_logs: true`.
  for (const entry of catalog.latest()) {
    for (const path of entry.manifest.litellm?.enabledBy ?? []) {
      const [section, key] = path.split('.') as [keyof SluiceConfig, string];
      if ((config[section] as Record<string, unknown> | undefined)?.[key] === true) imply(entry, 'setting', path);
    }
  }

  const declared = readGuardrails(config, catalog, file, disabled);
  warnings.push(...declared.warnings);
  for (const { entry, origin } of declared.owners.values()) imply(entry, 'guardrail', origin);
  bindGuardrails(selected, declared.entries, declared.pluginConfig, callbackNamed);

  const providerOwners = new Map<string, CatalogEntry>();
  for (const entry of catalog.latest()) for (const name of entry.manifest.provides?.providers ?? []) providerOwners.set(name, entry);
  for (const deployment of config.model_list ?? []) {
    const { provider } = splitProviderModel(deployment.litellm_params.model, deployment.litellm_params.custom_llm_provider);
    const owner = providerOwners.get(provider);
    if (owner) imply(owner, 'provider', `model_list provider ${provider}`);
  }

  return { selected: [...selected.values()], warnings, claims: settingClaims(catalog, selected) };
}

/**
 * Gives each selected guardrail plugin its entries. A plugin enabled by a callback name, or by
 * `plugins:` without a `guardrails:` entry, gets an always-on entry: it runs on every request, as
 * today, but a key's `permissions` can still switch it off.
 */
function bindGuardrails(
  selected: Map<string, PluginSelection>,
  declared: readonly GuardrailEntry[],
  pluginConfig: ReadonlyMap<string, Record<string, unknown>>,
  callbackNamed: ReadonlyMap<string, string>,
): void {
  let order = declared.length;
  for (const sel of selected.values()) {
    const manifest = sel.entry.manifest;
    if (!manifest.guardrail) continue;
    const id = manifest.id;
    const entries = declared.filter((e) => e.pluginId === id);
    const callback = callbackNamed.get(id);
    if ((callback !== undefined || entries.length === 0) && !entries.some((e) => e.name === (callback ?? manifest.guardrail!.names[0]))) {
      const name = callback ?? manifest.guardrail.names[0]!;
      const modes = manifest.guardrail.modes.filter((m) => m !== 'during_call') as GuardrailMode[];
      entries.push({
        name,
        pluginId: id,
        modes: new Set(modes),
        defaultOn: true,
        permissionKeys: [name, ...implementationNames(manifest).filter((n) => n !== name)],
        origin: callback !== undefined ? `litellm_settings.callbacks: ${callback}` : sel.origin,
        order: order++,
        listed: { guardrail_name: name, litellm_params: { guardrail: name, mode: modes, default_on: true }, guardrail_info: null, guardrail_definition_location: 'config' },
      });
    }
    sel.guardrails = entries;
    // Precedence: `plugins:` config > the entries' litellm_params > LiteLLM settings > env > defaults.
    const fromEntries = pluginConfig.get(id);
    if (fromEntries) sel.explicitConfig = { ...fromEntries, ...sel.explicitConfig };
  }
}

function settingClaims(catalog: PluginCatalog, selected: Map<string, PluginSelection>): SettingClaims {
  const claims: SettingClaims = { enabled: new Map(), available: new Map() };
  for (const entry of catalog.latest()) {
    const id = entry.manifest.id;
    const target = selected.has(id) ? claims.enabled : claims.available;
    for (const path of Object.values(entry.manifest.litellm?.settings ?? {})) if (!target.has(path)) target.set(path, id);
  }
  return claims;
}

/**
 * Builds a plugin's config: explicit YAML > LiteLLM settings > environment > schema defaults.
 * `granted` (packaged plugins): only the environment variables and settings the operator granted.
 */
export function composePluginConfig(
  manifest: PluginManifest,
  explicit: Record<string, unknown>,
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
  granted?: Pick<PackageGrants, 'env' | 'settings'>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, names] of Object.entries(manifest.litellm?.env ?? {})) {
    const value = names.filter((n) => !granted || granted.env.includes(n)).map((n) => env[n]).find((v) => v !== undefined && v !== '');
    if (value !== undefined) out[key] = value;
  }
  for (const [key, path] of Object.entries(manifest.litellm?.settings ?? {})) {
    if (granted && !granted.settings.includes(path)) continue;
    const value = readPath(config, path);
    if (value !== undefined) out[key] = value;
  }
  return { ...out, ...structuredClone(explicit) };
}

function readPath(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
