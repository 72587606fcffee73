/**
 * `sluice config check FILE`: everything startup checks that needs no database, Redis or network —
 * YAML, the config schema, plugin resolution and versions, every plugin's config against its
 * schema — then prints the resolved plugin order.
 */
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { envLookup, resolveEnvRefs } from '../config/env-refs.js';
import { reportSettings } from '../config/litellm-settings.js';
import { applyEnvironmentVariables, readConfigFile } from '../config/read-config-file.js';
import { defaultPolicy } from '../plugins/hook-taps.js';
import { importPlugin, validatedPluginConfig } from '../plugins/load-plugins.js';
import { scanPlugins } from '../plugins/plugin-catalog.js';
import { readPackages, resolvePlugins } from '../plugins/resolve-plugins.js';
import { ConfigError } from '../config/config-error.js';
import { inspectBundle } from '../sandbox/inspect-bundle.js';
import { describeGrants } from '../sandbox/package-grants.js';
import { HOOK_NAMES, STAGES, type StageName } from '../stages.js';

export interface ConfigReport {
  file: string;
  plugins: string[];
  hookOrder: string[];
  models: string[];
  warnings: string[];
}

export async function checkConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigReport> {
  const { file, config } = readConfigFile(path);
  applyEnvironmentVariables(config, env);
  const catalog = scanPlugins();
  const resolution = resolvePlugins(config, catalog, file, await readPackages(config, file));
  const { value: resolved, missing } = await resolveEnvRefs<SluiceConfig>(config, envLookup(env));
  const warnings = [...resolution.warnings, ...[...new Set(missing)].map((n) => `os.environ/${n} is referenced in the config but is not set`)];
  const taps: { stage: StageName; line: string; id: string }[] = [];
  const plugins: string[] = [];
  for (const sel of resolution.selected) {
    const m = sel.entry.manifest;
    await importPlugin(sel);
    if (sel.entry.sandbox) {
      const identity = await inspectBundle(sel.entry.sandbox.bundle).catch((err: Error) => {
        throw new ConfigError(sel.entry.sandbox!.source, 'plugin.js', err.message);
      });
      if (identity.id !== m.id || identity.version !== m.version) {
        throw new ConfigError(sel.entry.sandbox.source, 'plugin.js', `code says ${identity.id}@${identity.version} but plugin.json says ${m.id}@${m.version}`);
      }
    }
    validatedPluginConfig(sel, resolved, file, env);
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
  warnings.push(...reportSettings({ general_settings: config.general_settings, litellm_settings: config.litellm_settings, router_settings: config.router_settings }, resolution.claims));
  const models = [...new Set((resolved.model_list ?? []).map((d) => `${d.model_name} → ${d.litellm_params.model}`))];
  return { file, plugins, hookOrder: taps.map((t) => t.line), models, warnings };
}
