/**
 * `sluice config check FILE`: everything startup checks that needs no database, Redis or network —
 * YAML, the config schema, the translation of LiteLLM's sections, plugin resolution and versions,
 * every plugin's config against its schema, the deployments (check-deployments.ts) — then prints
 * the resolved plugin order and every warning startup would log.
 */
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { envLookup, resolveEnvRefs } from '../config/env-refs.js';
import { settingsWarnings, translateLiteLLMConfig } from '../config/litellm/translate-litellm-config.js';
import { readConfigFile } from '../config/read-config-file.js';
import { defaultPolicy } from '../plugins/hook-taps.js';
import { importPlugin, validatedPluginConfig } from '../plugins/load-plugins.js';
import { checkPluginConfig, pluginScope } from '../plugins/check-plugin-config.js';
import { scanPlugins } from '../plugins/plugin-catalog.js';
import { readPackages, resolvePlugins } from '../plugins/resolve-plugins.js';
import { ConfigError } from '../config/config-error.js';
import { describeGrants } from '../sandbox/package-grants.js';
import { HOOK_NAMES, STAGES, type StageName } from '../stages.js';
import { deploymentWarnings } from './check-deployments.js';

export interface ConfigReport {
  file: string;
  plugins: string[];
  hookOrder: string[];
  models: string[];
  warnings: string[];
}

export async function checkConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigReport> {
  const source = readConfigFile(path);
  const { file } = source;
  const catalog = scanPlugins();
  const translation = await translateLiteLLMConfig(source, catalog.latest(), env);
  const { config } = translation;
  const resolution = resolvePlugins(config, catalog, file, await readPackages(config, file), translation.implied);
  const { value: resolved, missing } = await resolveEnvRefs<SluiceConfig>(config, envLookup(env));
  const warnings = [...translation.warnings, ...resolution.warnings, ...[...new Set(missing)].map((n) => `os.environ/${n} is referenced in the config but is not set`)];
  const taps: { stage: StageName; line: string; id: string }[] = [];
  const plugins: string[] = [];
  const scope = pluginScope(resolution.selected, catalog.latest());
  const defs = new Map<string, Awaited<ReturnType<typeof importPlugin>>>();
  for (const sel of resolution.selected) {
    const m = sel.entry.manifest;
    const def = await importPlugin(sel);
    defs.set(m.id, def);
    if (sel.entry.sandbox) {
      // The tooling (esbuild, tar) loads only when a config has a sandboxed package, not on every start.
      const { inspectBundle } = await import('@sluice/plugin-sdk/tooling');
      const identity = await inspectBundle(sel.entry.sandbox.bundle).catch((err: Error) => {
        throw new ConfigError(sel.entry.sandbox!.source, 'plugin.js', err.message);
      });
      if (identity.id !== m.id || identity.version !== m.version) {
        throw new ConfigError(sel.entry.sandbox.source, 'plugin.js', `code says ${identity.id}@${identity.version} but plugin.json says ${m.id}@${m.version}`);
      }
    }
    warnings.push(...checkPluginConfig(def, validatedPluginConfig(sel, resolved, file, env), scope, file));
    const sandboxed = sel.entry.sandbox && sel.sandbox ? `, sandboxed from ${sel.entry.sandbox.source}; grants: ${describeGrants(sel.sandbox.grants)}` : '';
    plugins.push(`${m.id}@${m.version} (${sel.because}: ${sel.origin}${sandboxed})`);
    for (const hook of HOOK_NAMES) {
      const decl = m.hooks?.[hook];
      if (!decl) continue;
      const stage = (sel.stages[hook] ?? decl.stage ?? 'DEFAULT') as StageName;
      const policy = sel.failurePolicy ?? m.failurePolicy?.[hook] ?? m.failurePolicy?.default ?? defaultPolicy(hook);
      taps.push({ stage, id: m.id, line: `${hook.padEnd(9)} ${stage.padEnd(9)} ${m.id}@${m.version} (${policy})` });
    }
  }
  taps.sort((a, b) => a.line.split(' ')[0]!.localeCompare(b.line.split(' ')[0]!) || STAGES[a.stage] - STAGES[b.stage] || a.id.localeCompare(b.id));
  // Deployments that cannot be built start and fail their calls: listed here as at startup.
  warnings.push(...(await deploymentWarnings({ config, resolved, selected: resolution.selected, defs, installed: catalog.latest(), file, env })));
  warnings.push(...settingsWarnings(config, catalog.latest(), resolution.selected));
  const models = [...new Set((resolved.model_list ?? []).map((d) => `${d.model_name} → ${d.litellm_params.model}`))];
  return { file, plugins, hookOrder: taps.map((t) => t.line), models, warnings };
}
