/**
 * LiteLLM's guardrail declarations → the plugins that implement them. A `guardrails:` entry
 * (`litellm_params.guardrail: hide-secrets`) or an entry of the older `litellm_settings.guardrails`
 * list (`callbacks: [hide_secrets]`) turns on the plugin whose plugin.json claims that name
 * (`guardrail.names`, `litellm.callbacks`), and the entry's other litellm_params become that
 * plugin's config where its schema has the key.
 *
 * When and for whom each entry runs is the guardrails-litellm plugin's business, which reads the
 * same lists (as its config) and reports every problem with them: here a name no plugin claims
 * is simply not turned into a plugin.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { ConfigError } from '../config-error.js';
import type { CatalogEntry } from '../../plugins/plugin-catalog.js';
import type { ImpliedPlugin } from '../../plugins/resolve-plugins.js';

/** litellm_params keys the guardrail framework reads itself; the others go to the implementing plugin. */
const FRAMEWORK_PARAMS = new Set(['guardrail', 'mode', 'default_on']);

type Mapping = Record<string, unknown>;
const mappingOf = (value: unknown): Mapping | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Mapping) : undefined;

export function guardrailPlugins(config: SluiceConfig, installed: readonly CatalogEntry[], file: string): { implied: ImpliedPlugin[]; warnings: string[] } {
  const owners = new Map<string, CatalogEntry>();
  for (const entry of installed) {
    if (!entry.manifest.guardrail) continue;
    for (const name of [...entry.manifest.guardrail.names, ...(entry.manifest.litellm?.callbacks ?? [])]) owners.set(name, entry);
  }
  const implied = new Map<string, ImpliedPlugin>();
  const warnings: string[] = [];
  const imply = (name: unknown, origin: string): ImpliedPlugin | undefined => {
    const owner = typeof name === 'string' ? owners.get(name) : undefined;
    if (!owner) return undefined;
    const id = owner.manifest.id;
    if (!implied.has(id)) implied.set(id, { entry: owner, because: 'guardrail', origin, config: {} });
    return implied.get(id);
  };

  const list = config.guardrails as unknown;
  if (Array.isArray(list)) {
    list.forEach((raw: unknown, i) => {
      const origin = `guardrails[${i}]`;
      const params = mappingOf(mappingOf(raw)?.litellm_params);
      const plugin = imply(params?.guardrail, origin);
      if (plugin && params) passParams(plugin, params, `${origin}.litellm_params`, file, warnings);
    });
  }
  const legacy = config.litellm_settings?.guardrails as unknown;
  if (Array.isArray(legacy)) {
    legacy.forEach((raw: unknown, i) => {
      for (const [name, spec] of Object.entries(mappingOf(raw) ?? {})) {
        const callbacks = mappingOf(spec)?.callbacks;
        if (Array.isArray(callbacks)) for (const callback of callbacks) imply(callback, `litellm_settings.guardrails[${i}].${name}`);
      }
    });
  }
  return { implied: [...implied.values()], warnings };
}

/** Extra litellm_params become plugin config where the plugin's schema has the key. */
function passParams(plugin: ImpliedPlugin, params: Mapping, path: string, file: string, warnings: string[]): void {
  const id = plugin.entry.manifest.id;
  const known = (plugin.entry.configSchema as { properties?: Mapping } | undefined)?.properties ?? {};
  const config = plugin.config!;
  for (const [key, value] of Object.entries(params)) {
    if (FRAMEWORK_PARAMS.has(key)) continue;
    if (!Object.hasOwn(known, key)) {
      warnings.push(`${path}.${key} is not a setting of ${id}; it is ignored`);
      continue;
    }
    if (Object.hasOwn(config, key) && JSON.stringify(config[key]) !== JSON.stringify(value)) {
      throw new ConfigError(file, `${path}.${key}`, `another guardrail entry gives ${id} a different ${key}; one plugin has one config`);
    }
    config[key] = value;
  }
}
