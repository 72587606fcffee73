/**
 * Reads LiteLLM's guardrail declarations at config load: the top-level `guardrails:` list
 * (`guardrail_name` + `litellm_params: {guardrail, mode, default_on, …}`) and the older
 * `litellm_settings.guardrails` list (`- name: {callbacks: [...], default_on}`). Every problem is a
 * ConfigError naming the entry: a guardrail the operator asked for never silently fails to run.
 */
import type { SluiceConfig } from '../../schemas/generated/config.js';
import type { PluginManifest } from '../../schemas/generated/plugin-manifest.js';
import { ConfigError } from '../config/config-error.js';
import type { CatalogEntry, PluginCatalog } from '../plugins/plugin-catalog.js';
import { GUARDRAIL_MODES, isGuardrailMode, type GuardrailEntry, type GuardrailMode } from './guardrail-entry.js';

/** litellm_params keys the framework reads itself; the others go to the implementing plugin. */
const FRAMEWORK_PARAMS = new Set(['guardrail', 'mode', 'default_on']);

/** LiteLLM guardrail integrations Sluice has no plugin for yet, for a precise error message. */
const LITELLM_ONLY = new Set([
  'aporia', 'bedrock', 'lakera', 'lakera_v2', 'presidio', 'aim', 'guardrails_ai', 'pangea', 'lasso', 'panw_prisma_airs',
  'azure/prompt_shield', 'azure/text_moderations', 'openai_moderation', 'noma', 'pillar', 'zscaler_ai_guard',
  'generic_guardrail_api', 'litellm_content_filter', 'model_armor', 'custom_guardrail', 'detect_prompt_injection',
  'lakera_prompt_injection',
]);

export interface GuardrailDeclarations {
  /** Declared entries, in config order. */
  entries: GuardrailEntry[];
  /** Plugins the entries need, with the first entry naming each (for `config check`). */
  owners: Map<string, { entry: CatalogEntry; origin: string }>;
  /** Config for the implementing plugins, from the entries' extra litellm_params. */
  pluginConfig: Map<string, Record<string, unknown>>;
  warnings: string[];
}

/** Every name that selects a plugin as a guardrail implementation: guardrail names, then callbacks. */
export function implementationNames(manifest: PluginManifest): string[] {
  if (!manifest.guardrail) return [];
  return [...new Set([...manifest.guardrail.names, ...(manifest.litellm?.callbacks ?? [])])];
}

export function readGuardrails(config: SluiceConfig, catalog: PluginCatalog, file: string, disabled: ReadonlySet<string>): GuardrailDeclarations {
  const implementers = new Map<string, CatalogEntry>();
  for (const entry of catalog.latest()) for (const name of implementationNames(entry.manifest)) implementers.set(name, entry);
  const out: GuardrailDeclarations = { entries: [], owners: new Map(), pluginConfig: new Map(), warnings: [] };

  const ownerOf = (name: string, path: string, guardrail: string): CatalogEntry => {
    const owner = implementers.get(name);
    if (!owner) {
      const known = [...implementers.keys()].sort().join(', ') || 'none';
      const why = LITELLM_ONLY.has(name) ? `is a LiteLLM guardrail Sluice does not implement yet` : `is not a guardrail Sluice knows`;
      throw new ConfigError(file, path, `guardrail "${guardrail}": "${name}" ${why} (installed: ${known})`);
    }
    if (disabled.has(owner.manifest.id)) {
      throw new ConfigError(file, path, `guardrail "${guardrail}" needs plugin ${owner.manifest.id}, which the config disables`);
    }
    return owner;
  };

  const add = (owner: CatalogEntry, entry: GuardrailEntry) => {
    out.entries.push(entry);
    if (!out.owners.has(owner.manifest.id)) out.owners.set(owner.manifest.id, { entry: owner, origin: entry.origin });
  };

  const list = config.guardrails as unknown;
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list)) throw new ConfigError(file, 'guardrails', 'must be a list of {guardrail_name, litellm_params}');
    const seen = new Map<string, string>();
    list.forEach((raw: unknown, i) => {
      const origin = `guardrails[${i}]`;
      const item = objectAt(raw, file, origin);
      const name = item.guardrail_name;
      if (typeof name !== 'string' || name === '') throw new ConfigError(file, `${origin}.guardrail_name`, 'is required (a non-empty string)');
      const other = seen.get(name);
      if (other) throw new ConfigError(file, `${origin}.guardrail_name`, `"${name}" is also the name of ${other}`);
      seen.set(name, origin);
      const params = objectAt(item.litellm_params, file, `${origin}.litellm_params`);
      if (typeof params.guardrail !== 'string' || params.guardrail === '') {
        throw new ConfigError(file, `${origin}.litellm_params.guardrail`, `guardrail "${name}": is required (the implementation, e.g. hide-secrets)`);
      }
      const owner = ownerOf(params.guardrail, `${origin}.litellm_params.guardrail`, name);
      const modes = readModes(params.mode, file, `${origin}.litellm_params.mode`, name, owner.manifest);
      if (params.default_on !== undefined && typeof params.default_on !== 'boolean') {
        throw new ConfigError(file, `${origin}.litellm_params.default_on`, `guardrail "${name}": must be true or false`);
      }
      passParams(out, owner, params, `${origin}.litellm_params`, file);
      if (modes.has('logging_only')) out.warnings.push(loggingOnlyWarning(origin, name));
      const info = item.guardrail_info;
      add(owner, {
        name,
        pluginId: owner.manifest.id,
        modes,
        defaultOn: params.default_on === true,
        permissionKeys: [name, ...implementationNames(owner.manifest).filter((n) => n !== name)],
        origin,
        order: i,
        listed: {
          guardrail_name: name,
          litellm_params: maskSecrets(params),
          guardrail_info: info && typeof info === 'object' && !Array.isArray(info) ? (info as Record<string, unknown>) : null,
          guardrail_definition_location: 'config',
        },
      });
    });
  }

  readLegacyList(config, file, ownerOf, add, out.entries.length);
  return out;
}

/**
 * LiteLLM's first guardrails format, under litellm_settings: `- prompt_injection: {callbacks:
 * [lakera_prompt_injection], default_on: true}`. The callbacks ran all their hooks, so each
 * implementing plugin runs at every mode it supports on the request path.
 */
function readLegacyList(
  config: SluiceConfig,
  file: string,
  ownerOf: (name: string, path: string, guardrail: string) => CatalogEntry,
  add: (owner: CatalogEntry, entry: GuardrailEntry) => void,
  firstOrder: number,
): void {
  const list = config.litellm_settings?.guardrails as unknown;
  if (list === undefined || list === null) return;
  const base = 'litellm_settings.guardrails';
  if (!Array.isArray(list)) throw new ConfigError(file, base, 'must be a list of {<guardrail name>: {callbacks, default_on}}');
  let order = firstOrder;
  list.forEach((raw: unknown, i) => {
    const item = objectAt(raw, file, `${base}[${i}]`);
    for (const [name, specRaw] of Object.entries(item)) {
      const origin = `${base}[${i}].${name}`;
      const spec = objectAt(specRaw, file, origin);
      const callbacks = spec.callbacks;
      if (!Array.isArray(callbacks) || callbacks.length === 0 || !callbacks.every((c) => typeof c === 'string')) {
        throw new ConfigError(file, `${origin}.callbacks`, `guardrail "${name}": must be a non-empty list of callback names`);
      }
      if (spec.default_on !== undefined && typeof spec.default_on !== 'boolean') {
        throw new ConfigError(file, `${origin}.default_on`, `guardrail "${name}": must be true or false`);
      }
      for (const callback of callbacks as string[]) {
        const owner = ownerOf(callback, `${origin}.callbacks`, name);
        const supported = owner.manifest.guardrail!.modes.filter((m) => m !== 'during_call') as GuardrailMode[];
        const modes = new Set<GuardrailMode>(spec.logging_only === true ? ['logging_only'] : supported);
        add(owner, {
          name,
          pluginId: owner.manifest.id,
          modes,
          defaultOn: spec.default_on === true,
          permissionKeys: [name, ...implementationNames(owner.manifest).filter((n) => n !== name)],
          origin,
          order: order++,
          listed: {
            guardrail_name: name,
            litellm_params: { guardrail: callback, mode: [...modes], default_on: spec.default_on === true },
            guardrail_info: null,
            guardrail_definition_location: 'config',
          },
        });
      }
    }
  });
}

function objectAt(value: unknown, file: string, path: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(file, path, 'must be a mapping');
  return value as Record<string, unknown>;
}

function readModes(raw: unknown, file: string, path: string, name: string, manifest: PluginManifest): Set<GuardrailMode> {
  if (raw === undefined || raw === null) {
    throw new ConfigError(file, path, `guardrail "${name}": is required (one of ${GUARDRAIL_MODES.join(', ')}, or a list of them)`);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new ConfigError(file, path, `guardrail "${name}": must name at least one mode`);
  const supported = manifest.guardrail!.modes as string[];
  const modes = new Set<GuardrailMode>();
  for (const mode of list) {
    if (!isGuardrailMode(mode)) {
      throw new ConfigError(file, path, `guardrail "${name}": ${JSON.stringify(mode)} is not a guardrail mode (${GUARDRAIL_MODES.join(', ')})`);
    }
    if (mode !== 'logging_only' && !supported.includes(mode)) {
      throw new ConfigError(file, path, `guardrail "${name}": ${manifest.id} does not support mode ${mode} (it supports ${supported.join(', ')})`);
    }
    modes.add(mode);
  }
  return modes;
}

/** Extra litellm_params become plugin config where the plugin's schema has the key. */
function passParams(out: GuardrailDeclarations, owner: CatalogEntry, params: Record<string, unknown>, path: string, file: string): void {
  const id = owner.manifest.id;
  const known = (owner.configSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const config = out.pluginConfig.get(id) ?? {};
  for (const [key, value] of Object.entries(params)) {
    if (FRAMEWORK_PARAMS.has(key)) continue;
    if (!Object.hasOwn(known, key)) {
      out.warnings.push(`${path}.${key} is not a setting of ${id}; it is ignored`);
      continue;
    }
    if (Object.hasOwn(config, key) && JSON.stringify(config[key]) !== JSON.stringify(value)) {
      throw new ConfigError(file, `${path}.${key}`, `another guardrail entry gives ${id} a different ${key}; one plugin has one config`);
    }
    config[key] = value;
  }
  out.pluginConfig.set(id, config);
}

function loggingOnlyWarning(origin: string, name: string): string {
  return `${origin} (${name}): mode logging_only has no effect yet: Sluice logs no request or response content for it to apply to`;
}

/** `api_key`, `aws_secret_access_key`, `token`…, but not `banned_keywords_list`. */
const SECRET_WORDS = new Set(['key', 'apikey', 'secret', 'token', 'password', 'credential', 'credentials']);
const isSecretParam = (key: string) => key.toLowerCase().split(/[_\-.]/).some((w) => SECRET_WORDS.has(w));

/** /guardrails/list shows the params as written, with literal secrets masked (env references stay). */
function maskSecrets(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = typeof value === 'string' && isSecretParam(key) && !value.startsWith('os.environ/') ? `${value.slice(0, 4)}****` : value;
  }
  return out;
}
