/**
 * What a plugin may learn at load about the gateway it is loaded into: the other enabled plugins
 * and what is installed, from their manifests. For plugins that act on other plugins (the
 * guardrail framework binds guardrail entries to the plugins implementing them).
 */
import type { PluginManifest } from './schemas/generated/plugin-manifest.js';

/** An enabled plugin, as another plugin sees it at load. */
export interface DescribedPlugin {
  readonly id: string;
  readonly version: string;
  /** Its `plugin.json`, as validated at load; read the sections you understand. */
  readonly manifest: Readonly<PluginManifest>;
}

export interface PluginScope {
  /** The enabled plugins, in the order the config enabled them. */
  readonly enabled: readonly DescribedPlugin[];
  /** Every installed plugin's manifest, enabled or not (for messages naming what could be enabled). */
  readonly installed: readonly Readonly<PluginManifest>[];
}

/**
 * A problem with the operator's config that a plugin finds at load (`checkConfig`, or a
 * provider's compile step); the kernel reports it as a config error naming the config file and
 * `path`. Recognised by its name, so a plugin bundling its own copy of the SDK is understood too.
 */
export class PluginConfigError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(problem);
    this.name = 'PluginConfigError';
    this.path = path;
  }
}

export function isPluginConfigError(e: unknown): e is PluginConfigError {
  return e instanceof Error && e.name === 'PluginConfigError' && typeof (e as { path?: unknown }).path === 'string';
}
