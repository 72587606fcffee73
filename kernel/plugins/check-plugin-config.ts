/**
 * A plugin's own load-time check of its config against the gateway's other plugins
 * (definePlugin's `checkConfig`), run before any setup at startup and by `sluice config check`,
 * and the one rule reporting a plugin's PluginConfigError as the kernel's ConfigError.
 */
import { isPluginConfigError, type PluginDefinition, type PluginScope } from '@sluice/plugin-sdk';
import { ConfigError } from '../config/config-error.js';
import type { CatalogEntry } from './plugin-catalog.js';
import type { PluginSelection } from './resolve-plugins.js';

export function pluginScope(selected: readonly PluginSelection[], installed: readonly CatalogEntry[]): PluginScope {
  return {
    enabled: selected.map(({ entry: { manifest } }) => ({ id: manifest.id, version: manifest.version, manifest })),
    installed: installed.map((e) => e.manifest),
  };
}

/** Runs the plugin's `checkConfig`, if it has one; returns its warnings. */
export function checkPluginConfig(
  def: PluginDefinition<Record<string, unknown>>,
  config: Record<string, unknown>,
  scope: PluginScope,
  file: string,
): readonly string[] {
  return def.checkConfig ? reportedAgainstConfig(file, () => def.checkConfig!(config, scope)) : [];
}

/** A config problem a plugin finds is reported against the config file, like the kernel's own. */
export function reportedAgainstConfig<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (isPluginConfigError(err)) throw new ConfigError(file, err.path, err.message);
    throw err;
  }
}
