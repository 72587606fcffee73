/**
 * LiteLLM's config.yaml → Sluice's native config, as a control plane translates its own API into
 * Envoy's xDS. The kernel reads the native form only — `plugins:` (each with its `config:`),
 * `storage:`, `server:`, `logging:` and the deployments of `model_list` — and an operator may write
 * that form directly. Everything that knows LiteLLM's names lives in this folder:
 *
 * - YAML as PyYAML reads it (1.1 numbers, the last of duplicate keys) as the file is read (pyyaml-reading.ts);
 * - `include:` → merged as the file is read (include-files.ts);
 * - `credential_list` → the named credentials' values filled into the deployments that name them
 *   (credential-list.ts);
 * - `environment_variables` → set into the process environment, before any reference is resolved;
 * - `general_settings.database_url`, `router_settings.redis_*`, REDIS_HOST/PORT/PASSWORD → `storage:`
 *   (storage-settings.ts);
 * - `router_settings.timeout` / `stream_timeout`, `litellm_settings.request_timeout` → `server:`'s
 *   default timeouts (timeout-settings.ts);
 * - `litellm_settings.callbacks` and switches like `store_audit_logs: true` → the plugins they
 *   imply (callback-plugins.ts, from each plugin.json's `litellm.callbacks` / `litellm.enabledBy`);
 * - settings and environment variable names → plugin config (plugin-settings.ts, from each
 *   plugin.json's `litellm.settings` / `litellm.env`);
 * - `guardrails:` entries → the guardrail plugins they name, with the entries' extra params as
 *   config (guardrail-plugins.ts; the guardrails-litellm plugin reads the lists themselves);
 * - every setting nothing reads → a warning (settings-report.ts);
 * - request fields LiteLLM clients send that nothing acts on → kept from the provider
 *   (request-fields.ts, read by kernel/proxy/gateway-only-fields.ts).
 *
 * The LiteLLM sections themselves stay in the config: plugins may read them through `ctx.settings`.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { envLookup } from '../env-refs.js';
import type { CatalogEntry } from '../../plugins/plugin-catalog.js';
import type { ImpliedPlugin, PluginSelection } from '../../plugins/resolve-plugins.js';
import type { ConfigSource } from '../read-config-file.js';
import { callbackPlugins } from './callback-plugins.js';
import { applyCredentialList } from './credential-list.js';
import { guardrailPlugins } from './guardrail-plugins.js';
import { reportSettings, settingClaims } from './settings-report.js';
import { translateStorage } from './storage-settings.js';
import { translateTimeouts } from './timeout-settings.js';

export { composePluginConfig, type SettingGrants } from './plugin-settings.js';

export interface LiteLLMTranslation {
  /** The native config. */
  config: SluiceConfig;
  /** Plugins the LiteLLM sections turn on, in the order they are named (the `plugins:` list wins over them). */
  implied: ImpliedPlugin[];
  warnings: string[];
}

/** Sets `environment_variables` into `env` (as LiteLLM does), then translates. */
export async function translateLiteLLMConfig({ file, config: source, warnings: read = [] }: ConfigSource, installed: readonly CatalogEntry[], env: NodeJS.ProcessEnv): Promise<LiteLLMTranslation> {
  for (const [name, value] of Object.entries(source.environment_variables ?? {})) env[name] = String(value);
  const credentials = applyCredentialList(source);
  const storage = await translateStorage(source, env);
  const server = forwardedFor(source, keyHeader(source, await translateTimeouts(source, envLookup(env))));
  const callbacks = callbackPlugins(source, installed, env);
  const guardrails = guardrailPlugins(source, installed, file);
  return {
    config: { ...source, ...(credentials.modelList && { model_list: credentials.modelList }), ...(storage && { storage }), ...(server && { server }) },
    implied: [...callbacks.implied, ...guardrails.implied],
    warnings: [...read, ...credentials.warnings, ...callbacks.warnings, ...guardrails.warnings],
  };
}

/** `general_settings.litellm_key_header_name` → `server.api_key_header` (the only header the key is read from). */
function keyHeader(source: SluiceConfig, server: SluiceConfig['server']): SluiceConfig['server'] {
  const name = (source.general_settings as Record<string, unknown> | undefined)?.litellm_key_header_name;
  return typeof name === 'string' && name !== '' ? { ...server, api_key_header: name } : server;
}

/** What LiteLLM's `use_x_forwarded_for` trusts when no `trusted_proxies` names the hops. */
export const DEFAULT_TRUSTED_PROXIES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `general_settings.use_x_forwarded_for: true` → `server.trusted_proxies`. LiteLLM believes the
 * header from anyone; Sluice only from the hops of `general_settings.trusted_proxies`, by default
 * the loopback and private ranges a load balancer sits in, never a client on the internet.
 */
function forwardedFor(source: SluiceConfig, server: SluiceConfig['server']): SluiceConfig['server'] {
  const general = source.general_settings as Record<string, unknown> | undefined;
  if (general?.use_x_forwarded_for !== true || server?.trusted_proxies) return server;
  const listed = general.trusted_proxies;
  const proxies = Array.isArray(listed) ? listed.map(String) : typeof listed === 'string' ? listed.split(',').map((p) => p.trim()).filter(Boolean) : DEFAULT_TRUSTED_PROXIES;
  return { ...server, trusted_proxies: proxies };
}

/** One warning per LiteLLM setting that has no effect, once the enabled plugins are known. */
export function settingsWarnings(config: SluiceConfig, installed: readonly CatalogEntry[], selected: readonly PluginSelection[]): string[] {
  const enabled = new Set(selected.map((s) => s.entry.manifest.id));
  const schemas = new Map(installed.map((e) => [e.manifest.id, e.configSchema as unknown]));
  return reportSettings(config, settingClaims(installed.map((e) => e.manifest), enabled, schemas));
}
