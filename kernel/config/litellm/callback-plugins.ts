/**
 * LiteLLM turns features on by naming them: `litellm_settings.callbacks` (and success/failure
 * callbacks) and boolean switches such as `litellm_settings.store_audit_logs: true`. Each plugin
 * claims its names in plugin.json (`litellm.callbacks`, `litellm.enabledBy`); this turns the names a
 * config uses into the plugins they imply, and reports the names nothing claims.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import type { CatalogEntry } from '../../plugins/plugin-catalog.js';
import type { ImpliedPlugin } from '../../plugins/resolve-plugins.js';

const CALLBACK_SETTINGS = ['callbacks', 'success_callback', 'failure_callback'] as const;

/** LiteLLM callback names that a later plugin will implement. */
const PLANNED_CALLBACKS = new Set([
  'lago', 'openmeter', 'email', 'presidio', 'lakera_prompt_injection', 'aporia',
  'detect_prompt_injection', 'sentry', 'helicone',
]);

export function callbackPlugins(config: SluiceConfig, installed: readonly CatalogEntry[], env: NodeJS.ProcessEnv = {}): { implied: ImpliedPlugin[]; warnings: string[] } {
  const implied: ImpliedPlugin[] = [];
  const warnings: string[] = [];
  const owners = new Map<string, CatalogEntry>();
  for (const entry of installed) for (const name of entry.manifest.litellm?.callbacks ?? []) owners.set(name, entry);
  // LiteLLM's top-level `callback_settings: {<name>: {callback_type: generic_api, …}}` defines a
  // callback named <name> of that type, on whether or not a list names it.
  const named = new Map<string, string>();
  const callbackSettings = (config as { callback_settings?: unknown }).callback_settings;
  if (callbackSettings && typeof callbackSettings === 'object') {
    for (const [name, entry] of Object.entries(callbackSettings)) {
      const type = (entry as { callback_type?: unknown } | null)?.callback_type;
      const owner = typeof type === 'string' ? owners.get(type) : undefined;
      if (!owner) continue;
      named.set(name, type as string);
      if (!owners.has(name)) implied.push({ entry: owner, because: 'callback', origin: `callback_settings.${name}` });
    }
  }
  for (const setting of CALLBACK_SETTINGS) {
    const names = config.litellm_settings?.[setting];
    if (names === undefined) continue;
    const list = Array.isArray(names) ? names : [names];
    list.forEach((name, i) => {
      if (typeof name !== 'string') {
        warnings.push(`litellm_settings.${setting}[${i}] is not a callback name; it is ignored`);
        return;
      }
      const owner = owners.get(name) ?? owners.get(named.get(name) ?? '');
      if (owner) implied.push({ entry: owner, because: 'callback', origin: `litellm_settings.${setting}: ${name}` });
      else if (PLANNED_CALLBACKS.has(name)) warnings.push(`litellm_settings.${setting}: "${name}" is accepted but not yet supported; it has no effect yet`);
      // `module.instance` names a Python file next to LiteLLM's config (custom_callbacks.py): a warning, not a failure.
      else if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/.test(name)) warnings.push(`litellm_settings.${setting}: "${name}" is a Python callback, which Sluice cannot load (write a plugin instead); it is ignored`);
      else warnings.push(`litellm_settings.${setting}: "${name}" is not a callback Sluice knows; it is ignored`);
    });
  }
  for (const entry of installed) {
    for (const rule of entry.manifest.litellm?.enabledBy ?? []) {
      const [path, wanted] = rule.split('=') as [string, string | undefined];
      const [section, key] = path.split('.') as [keyof SluiceConfig | 'env', string];
      if (section === 'env') {
        // LiteLLM turns SSO on by its environment alone (GOOGLE_CLIENT_ID…).
        if (env[key]) implied.push({ entry, because: 'setting', origin: rule });
        continue;
      }
      if (enables((config[section] as Record<string, unknown> | undefined)?.[key], wanted)) implied.push({ entry, because: 'setting', origin: rule });
    }
  }
  return { implied, warnings };
}

/**
 * `true`, a non-empty list or object (`allowed_ips: [...]`) enables; with `wanted`, the setting's
 * string value (or one entry of its list) must equal it.
 */
function enables(value: unknown, wanted: string | undefined): boolean {
  if (wanted !== undefined) return value === wanted || (Array.isArray(value) && value.includes(wanted));
  if (value === true) return true;
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}
