/**
 * Reads LiteLLM's guardrail declarations at load: the top-level `guardrails:` list
 * (`guardrail_name` + `litellm_params: {guardrail, mode, default_on, …}`) and the older
 * `litellm_settings.guardrails` list (`- name: {callbacks: [...], default_on}`), then gives every
 * enabled guardrail plugin no entry names an always-on one. A malformed entry is a
 * PluginConfigError naming it. An entry whose type no enabled plugin implements (aporia, lakera,
 * bedrock, a custom `module.Class`…) is kept as unavailable, with a warning: the rest of the
 * config works, and a request that activates it is refused (a guardrail the operator asked for
 * never silently fails to run).
 *
 * The gateway's config translation has already enabled each entry's implementing plugin and
 * handed it the entry's other litellm_params; what it could not find is reported here.
 */
import { PluginConfigError, type PluginScope } from '@sluice/plugin-sdk';
import type { GuardrailsLitellmConfig } from './config.generated.js';
import { GUARDRAIL_MODES, isGuardrailMode, type GuardrailEntry, type GuardrailMode } from './guardrail-entry.js';
import { maskSecrets } from './mask-secrets.js';

/** LiteLLM guardrail integrations Sluice has no plugin for yet, for a precise error message. */
const LITELLM_ONLY = new Set([
  'aporia', 'bedrock', 'lakera', 'lakera_v2', 'presidio', 'aim', 'guardrails_ai', 'pangea', 'lasso', 'panw_prisma_airs',
  'azure/prompt_shield', 'azure/text_moderations', 'openai_moderation', 'noma', 'pillar', 'zscaler_ai_guard',
  'generic_guardrail_api', 'litellm_content_filter', 'model_armor', 'custom_guardrail', 'detect_prompt_injection',
  'lakera_prompt_injection',
]);

const CALLBACK_SETTINGS = ['callbacks', 'success_callback', 'failure_callback'] as const;

type Manifest = PluginScope['installed'][number];
type GuardrailManifest = Manifest & { guardrail: NonNullable<Manifest['guardrail']> };

/** Every name that selects a plugin as a guardrail implementation: guardrail names, then callbacks. */
function implementationNames(manifest: GuardrailManifest): string[] {
  return [...new Set([...manifest.guardrail.names, ...(manifest.litellm?.callbacks ?? [])])];
}

const isGuardrail = (manifest: Manifest): manifest is GuardrailManifest => manifest.guardrail !== undefined;

function entryOf(name: string, manifest: GuardrailManifest | undefined, type: string, rest: Omit<GuardrailEntry, 'name' | 'pluginId' | 'permissionKeys' | 'unavailable'>): GuardrailEntry {
  if (!manifest) return { name, pluginId: '', permissionKeys: [name, type], unavailable: { type }, ...rest };
  return { name, pluginId: manifest.id, permissionKeys: [name, ...implementationNames(manifest).filter((n) => n !== name)], ...rest };
}

export function readGuardrails(config: GuardrailsLitellmConfig, scope: PluginScope): { entries: GuardrailEntry[]; warnings: string[] } {
  const implementers = new Map<string, GuardrailManifest>();
  for (const manifest of scope.installed) if (isGuardrail(manifest)) for (const name of implementationNames(manifest)) implementers.set(name, manifest);
  const enabled = new Map<string, GuardrailManifest>();
  for (const { manifest } of scope.enabled) if (isGuardrail(manifest)) enabled.set(manifest.id, manifest);
  const entries: GuardrailEntry[] = [];
  const warnings: string[] = [];

  /**
   * The enabled plugin implementing `name` (its loaded version, for modes and /guardrails/list),
   * or undefined with a warning when there is none.
   */
  const ownerOf = (name: string, path: string, guardrail: string): GuardrailManifest | undefined => {
    const installed = implementers.get(name);
    const owner = installed && enabled.get(installed.id);
    if (owner) return owner;
    let why: string;
    if (installed) why = `needs plugin ${installed.id}, which the config disables`;
    else if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(name)) why = `"${name}" is a custom guardrail (a Python class) Sluice cannot load`;
    else if (LITELLM_ONLY.has(name)) why = `"${name}" is a LiteLLM guardrail Sluice does not implement`;
    else why = `"${name}" is not a guardrail Sluice knows`;
    const known = [...implementers.keys()].sort().join(', ') || 'none';
    warnings.push(`${path}: guardrail "${guardrail}" ${why} (available: ${known}). It is not available in this gateway: a request that activates it gets a 500`);
    return undefined;
  };

  const seen = new Map<string, string>();
  (config.guardrails ?? []).forEach((raw, i) => {
    const origin = `guardrails[${i}]`;
    const item = objectAt(raw, origin);
    const name = item.guardrail_name;
    if (typeof name !== 'string' || name === '') throw new PluginConfigError(`${origin}.guardrail_name`, 'is required (a non-empty string)');
    const other = seen.get(name);
    if (other) throw new PluginConfigError(`${origin}.guardrail_name`, `"${name}" is also the name of ${other}`);
    seen.set(name, origin);
    const params = objectAt(item.litellm_params, `${origin}.litellm_params`);
    if (typeof params.guardrail !== 'string' || params.guardrail === '') {
      throw new PluginConfigError(`${origin}.litellm_params.guardrail`, `guardrail "${name}": is required (the implementation, e.g. hide-secrets)`);
    }
    const owner = ownerOf(params.guardrail, `${origin}.litellm_params.guardrail`, name);
    const modes = readModes(params.mode, `${origin}.litellm_params.mode`, name, owner, warnings);
    if (params.default_on !== undefined && typeof params.default_on !== 'boolean') {
      throw new PluginConfigError(`${origin}.litellm_params.default_on`, `guardrail "${name}": must be true or false`);
    }
    if (modes.has('logging_only')) warnings.push(loggingOnlyWarning(origin, name));
    const info = item.guardrail_info;
    entries.push(
      entryOf(name, owner, params.guardrail, {
        modes,
        defaultOn: params.default_on === true,
        origin,
        order: i,
        listed: {
          guardrail_name: name,
          litellm_params: maskSecrets(params),
          guardrail_info: info && typeof info === 'object' && !Array.isArray(info) ? (info as Record<string, unknown>) : null,
          guardrail_definition_location: 'config',
        },
      }),
    );
  });

  readLegacyList(config.legacy_guardrails, ownerOf, entries);
  addAlwaysOnEntries(config, enabled, entries);
  return { entries, warnings };
}

/**
 * LiteLLM's first guardrails format, under litellm_settings: `- prompt_injection: {callbacks:
 * [lakera_prompt_injection], default_on: true}`. The callbacks ran all their hooks, so each
 * implementing plugin runs at every mode it supports on the request path.
 */
function readLegacyList(
  list: unknown[] | undefined,
  ownerOf: (name: string, path: string, guardrail: string) => GuardrailManifest | undefined,
  entries: GuardrailEntry[],
): void {
  if (list === undefined) return;
  const base = 'litellm_settings.guardrails';
  let order = entries.length;
  list.forEach((raw, i) => {
    const item = objectAt(raw, `${base}[${i}]`);
    for (const [name, specRaw] of Object.entries(item)) {
      const origin = `${base}[${i}].${name}`;
      const spec = objectAt(specRaw, origin);
      const callbacks = spec.callbacks;
      if (!Array.isArray(callbacks) || callbacks.length === 0 || !callbacks.every((c) => typeof c === 'string')) {
        throw new PluginConfigError(`${origin}.callbacks`, `guardrail "${name}": must be a non-empty list of callback names`);
      }
      if (spec.default_on !== undefined && typeof spec.default_on !== 'boolean') {
        throw new PluginConfigError(`${origin}.default_on`, `guardrail "${name}": must be true or false`);
      }
      for (const callback of callbacks as string[]) {
        const owner = ownerOf(callback, `${origin}.callbacks`, name);
        const modes = new Set<GuardrailMode>(spec.logging_only === true ? ['logging_only'] : owner ? requestPathModes(owner) : ['pre_call']);
        entries.push(
          entryOf(name, owner, callback, {
            modes,
            defaultOn: spec.default_on === true,
            origin,
            order: order++,
            listed: {
              guardrail_name: name,
              litellm_params: { guardrail: callback, mode: [...modes], default_on: spec.default_on === true },
              guardrail_info: null,
              guardrail_definition_location: 'config',
            },
          }),
        );
      }
    }
  });
}

/**
 * A guardrail plugin enabled by a callback name, or by `plugins:` without a `guardrails:` entry,
 * gets an always-on entry: it runs on every request, but a key's `permissions` can still switch
 * it off.
 */
function addAlwaysOnEntries(config: GuardrailsLitellmConfig, enabled: ReadonlyMap<string, GuardrailManifest>, entries: GuardrailEntry[]): void {
  const named = CALLBACK_SETTINGS.flatMap((s) => [config[s] ?? []].flat()).filter((n): n is string => typeof n === 'string');
  let order = entries.length;
  for (const manifest of enabled.values()) {
    const mine = entries.filter((e) => e.pluginId === manifest.id);
    const callback = named.find((n) => manifest.litellm?.callbacks?.includes(n));
    const name = callback ?? manifest.guardrail.names[0];
    if ((callback === undefined && mine.length > 0) || mine.some((e) => e.name === name)) continue;
    const modes = requestPathModes(manifest);
    entries.push(
      entryOf(name, manifest, name, {
        modes: new Set(modes),
        defaultOn: true,
        origin: callback !== undefined ? `litellm_settings.callbacks: ${callback}` : `plugins: ${manifest.id}`,
        order: order++,
        listed: { guardrail_name: name, litellm_params: { guardrail: name, mode: modes, default_on: true }, guardrail_info: null, guardrail_definition_location: 'config' },
      }),
    );
  }
}

/** The modes a plugin runs at when nothing says which: all it supports in the request's path. */
const requestPathModes = (manifest: GuardrailManifest): GuardrailMode[] => manifest.guardrail.modes.filter((m) => m !== 'during_call');

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new PluginConfigError(path, 'must be a mapping');
  return value as Record<string, unknown>;
}

function readModes(raw: unknown, path: string, name: string, manifest: GuardrailManifest | undefined, warnings: string[]): Set<GuardrailMode> {
  if (raw === undefined || raw === null) {
    throw new PluginConfigError(path, `guardrail "${name}": is required (one of ${GUARDRAIL_MODES.join(', ')}, or a list of them)`);
  }
  // LiteLLM's Mode object: `{tags: {"User-Agent: claude-cli": logging_only}, default: pre_call}`.
  const byTag = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  if (byTag) {
    if (byTag.default === undefined) throw new PluginConfigError(`${path}.default`, `guardrail "${name}": is required (the mode when no tag matches)`);
    if (byTag.tags !== undefined) warnings.push(`${path}.tags (${name}): modes by request tag are not supported; the guardrail runs at its default mode on every request it is active for`);
    return readModes(byTag.default, `${path}.default`, name, manifest, warnings);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new PluginConfigError(path, `guardrail "${name}": must name at least one mode`);
  const supported: readonly string[] = manifest ? manifest.guardrail.modes : GUARDRAIL_MODES;
  const modes = new Set<GuardrailMode>();
  for (const mode of list) {
    if (!isGuardrailMode(mode)) {
      throw new PluginConfigError(path, `guardrail "${name}": ${JSON.stringify(mode)} is not a guardrail mode (${GUARDRAIL_MODES.join(', ')})`);
    }
    if (mode !== 'logging_only' && !supported.includes(mode)) {
      throw new PluginConfigError(path, `guardrail "${name}": ${manifest!.id} does not support mode ${mode} (it supports ${supported.join(', ')})`);
    }
    modes.add(mode);
  }
  return modes;
}

function loggingOnlyWarning(origin: string, name: string): string {
  return `${origin} (${name}): mode logging_only has no effect yet: Sluice logs no request or response content for it to apply to`;
}
