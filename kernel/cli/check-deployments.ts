/**
 * `sluice config check` builds the config's deployments as startup does, to list the ones that
 * cannot be built (no provider plugin, no credential, an unset secret reference) — each starts,
 * and every call to it fails. Only the provider plugins are set up, with a context that reaches
 * nothing: no database, no Redis, and an HTTP client no adapter uses before a call.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { PluginContext, PluginDefinition } from '@sluice/plugin-sdk';
import { MemoryCounters } from '@sluice/plugin-sdk/node';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { UndiciHttpClient } from '../http/http-client.js';
import { createLogger, SecretValues } from '../logging/create-logger.js';
import { KernelMetrics } from '../metrics.js';
import { buildConfigDeployments, deploymentDefaults } from '../models/deployments.js';
import { providerInference } from '../models/provider-inference.js';
import { emptyContributions, setupPlugin, validatedPluginConfig } from '../plugins/load-plugins.js';
import type { CatalogEntry } from '../plugins/plugin-catalog.js';
import type { PluginSelection } from '../plugins/resolve-plugins.js';

const unavailable = (what: string) => () => {
  throw new Error(`${what} is not available while checking a config`);
};

export async function deploymentWarnings(opts: {
  /** The native config before and after `os.environ/` references were resolved. */
  config: SluiceConfig;
  resolved: SluiceConfig;
  selected: readonly PluginSelection[];
  defs: ReadonlyMap<string, PluginDefinition<Record<string, unknown>>>;
  installed: readonly CatalogEntry[];
  file: string;
  env: NodeJS.ProcessEnv;
}): Promise<string[]> {
  const providers = opts.selected.filter((s) => !s.entry.sandbox && (s.entry.manifest.provides?.providers?.length ?? 0) > 0);
  const contributions = emptyContributions();
  const http = new UndiciHttpClient();
  const secrets = new SecretValues();
  const log = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }, secrets);
  const metrics = new KernelMetrics();
  const settings = Object.freeze({
    general_settings: Object.freeze({ ...(opts.resolved.general_settings ?? {}) }),
    litellm_settings: Object.freeze({ ...(opts.resolved.litellm_settings ?? {}) }),
    router_settings: Object.freeze({ ...(opts.resolved.router_settings ?? {}) }),
  });
  const ctxFor = (id: string, version: string): PluginContext => ({
    pluginId: id,
    version,
    log: log.child({ plugin: id }),
    http,
    counters: new MemoryCounters(),
    database: new Proxy({}, { get: unavailable('the database') }) as PluginContext['database'],
    metrics: metrics.registry.forOwner(id),
    kv: new Proxy({}, { get: unavailable('the key/value store') }) as PluginContext['kv'],
    secrets: { get: async (name) => opts.env[name], redact: (v) => secrets.add(v), scrub: (t) => secrets.scrub(t), write: async () => [], remove: async () => [] },
    models: { list: () => [], has: () => false, estimateCost: () => 0, complete: unavailable('calling a model') } as unknown as PluginContext['models'],
    settings,
    pluginDir: opts.selected.find((s) => s.entry.manifest.id === id)!.entry.dir,
    dataDir: join(tmpdir(), 'sluice-config-check', id),
    audit: () => {},
    now: Date.now,
  });
  const loaded = [];
  try {
    for (const sel of providers) {
      const pluginConfig = validatedPluginConfig(sel, opts.resolved, opts.file, opts.env);
      loaded.push(await setupPlugin(sel, opts.defs.get(sel.entry.manifest.id)!, pluginConfig, ctxFor, contributions));
    }
    // A sandboxed provider is not started here: its deployments count as buildable.
    for (const sel of opts.selected.filter((s) => s.entry.sandbox)) {
      for (const name of sel.entry.manifest.provides?.providers ?? []) {
        if (contributions.providers.has(name)) continue;
        const definition = { names: [name], endpoints: [], createAdapter: () => ({ call: () => Promise.reject(new Error('not started')) }) };
        contributions.providers.set(name, { pluginId: sel.entry.manifest.id, definition });
      }
    }
    const { deployments, warnings } = buildConfigDeployments(opts.resolved, opts.config.model_list, {
      defaults: deploymentDefaults(opts.resolved),
      inference: providerInference(opts.installed),
      providers: contributions.providers,
      disabledPluginFor: (provider) => opts.installed.find((e) => e.manifest.provides?.providers?.includes(provider))?.manifest.id,
      redact: () => {},
    });
    await Promise.allSettled(deployments.map((d) => d.adapter.close?.()));
    return warnings;
  } finally {
    await Promise.allSettled(loaded.map((p) => p.instance.close?.()));
    await http.close();
  }
}
