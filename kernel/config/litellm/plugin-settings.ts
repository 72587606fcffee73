/**
 * LiteLLM settings and environment variable names → a plugin's config. Each plugin declares in
 * plugin.json which config key comes from which dotted setting (`litellm.settings`) and which
 * environment variables (`litellm.env`), so this stays data: no plugin's names are written here.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';

/** What the operator granted a packaged plugin to read: `grants.env` and `grants.settings` of its `plugins:` entry. */
export interface SettingGrants {
  env: readonly string[];
  settings: readonly string[];
}

/**
 * Builds a plugin's config: explicit YAML > LiteLLM settings > environment > schema defaults.
 * `config` is the config with `os.environ/` references resolved. `granted` (packaged plugins):
 * only the environment variables and settings the operator granted.
 */
export function composePluginConfig(
  manifest: PluginManifest,
  explicit: Record<string, unknown>,
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
  granted?: SettingGrants,
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
