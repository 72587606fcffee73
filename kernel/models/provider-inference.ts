/**
 * Which provider a deployment's `model` names. `provider/model` says it; a bare name is matched
 * against the name prefixes the provider plugins declare in plugin.json (`provides.modelNamePrefixes`,
 * `provides.fallbackProvider`), so the kernel holds no provider names. Built once per catalog.
 */
import { join } from 'node:path';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';
import { ConfigError } from '../config/config-error.js';
import { UNSERVED_PROVIDER_PREFIXES } from '../config/litellm/unserved-providers.js';

export interface ProviderModel {
  /** Undefined when the name has no prefix and no installed plugin claims it. */
  provider: string | undefined;
  model: string;
}

export interface ProviderInference {
  split(model: string, explicitProvider?: unknown): ProviderModel;
  /** `owned_by` of a provider's model groups in `/v1/models`. */
  ownerOf(provider: string): string;
}

/**
 * The plugins' declarations, checked against the providers each serves, and the name prefixes of
 * providers no plugin serves yet (LiteLLM's, from the translation), which only lead to a warning.
 */
export function providerInference(
  plugins: readonly { manifest: PluginManifest; dir: string }[],
  unserved: Readonly<Record<string, readonly string[]>> = UNSERVED_PROVIDER_PREFIXES,
): ProviderInference {
  const prefixes: [prefix: string, provider: string][] = [];
  for (const [provider, names] of Object.entries(unserved)) for (const prefix of names) prefixes.push([prefix, provider]);
  const owners = new Map<string, string>();
  let fallback: { provider: string; pluginId: string } | undefined;
  for (const { manifest, dir } of plugins) {
    const provides = manifest.provides;
    if (!provides) continue;
    const served = new Set(provides.providers ?? []);
    const file = join(dir, 'plugin.json');
    const mustServe = (provider: string, at: string) => {
      if (!served.has(provider)) throw new ConfigError(file, at, `${manifest.id} declares provider ${provider}, which is not in its provides.providers`);
    };
    for (const [provider, names] of Object.entries(provides.modelNamePrefixes ?? {})) {
      mustServe(provider, `provides.modelNamePrefixes.${provider}`);
      for (const prefix of names) prefixes.push([prefix, provider]);
    }
    for (const [provider, owner] of Object.entries(provides.modelOwner ?? {})) {
      mustServe(provider, `provides.modelOwner.${provider}`);
      owners.set(provider, owner);
    }
    if (provides.fallbackProvider !== undefined) {
      mustServe(provides.fallbackProvider, 'provides.fallbackProvider');
      if (fallback) throw new ConfigError(file, 'provides.fallbackProvider', `both ${fallback.pluginId} and ${manifest.id} declare the fallback provider; uninstall one`);
      fallback = { provider: provides.fallbackProvider, pluginId: manifest.id };
    }
  }
  // Longest first: the most specific declaration wins, whichever plugin made it.
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return {
    split(model, explicitProvider) {
      if (typeof explicitProvider === 'string' && explicitProvider) return { provider: explicitProvider, model };
      const slash = model.indexOf('/');
      if (slash > 0) return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
      for (const [prefix, provider] of prefixes) if (model.startsWith(prefix)) return { provider, model };
      return { provider: fallback?.provider, model };
    },
    ownerOf: (provider) => owners.get(provider) ?? provider,
  };
}
