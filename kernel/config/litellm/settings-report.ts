/**
 * What Sluice does with each LiteLLM setting it finds. Nothing is ignored silently: every key of
 * litellm_settings / general_settings / router_settings is either used (by this translation or an
 * enabled plugin), accepted but not yet supported, or unknown — and the last two are reported at
 * startup and by `sluice config check`. So are, at any depth:
 * - top-level sections nothing reads (`finetune_settings`, `files_settings`, `search_tools`…);
 * - keys inside a setting a plugin reads that its config schema does not have
 *   (`litellm_settings.cache_params.disk_cache_dir`);
 * - `model_info.access_groups` of a deployment, unless an enabled plugin declares it acts on it.
 * A plugin declares what it reads in plugin.json: `litellm.settings` (as its config) or
 * `litellm.actsOn` (read per deployment or request, or through ctx.settings).
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';

/** Read by the translation itself (into native config), or listed so they are never "unknown". */
export const TRANSLATED_SETTINGS = new Set([
  'general_settings.database_url',
  'general_settings.master_key', // via auth-master-key's manifest, listed here so it is never "unknown"
  'litellm_settings.callbacks',
  'litellm_settings.success_callback',
  'litellm_settings.failure_callback',
  'litellm_settings.request_timeout',
  'litellm_settings.set_verbose',
  'litellm_settings.json_logs',
  // LiteLLM's first guardrails format: guardrail-plugins.ts enables the plugins it names.
  'litellm_settings.guardrails',
  // Read by the provider plugins (through ctx.settings), whichever are enabled.
  'litellm_settings.drop_params',
  'router_settings.redis_host',
  'router_settings.redis_port',
  'router_settings.redis_password',
  'router_settings.redis_url',
  'router_settings.timeout',
  'router_settings.stream_timeout',
  'general_settings.litellm_key_header_name', // → server.api_key_header
  'general_settings.use_x_forwarded_for', // → server.trusted_proxies
  'general_settings.trusted_proxies',
]);

/** Accepted and planned: reported as "not yet supported" (with the area that will handle it). */
const PLANNED: Record<string, string[]> = {
  router: [
    'router_settings.routing_strategy', 'router_settings.routing_strategy_args', 'router_settings.num_retries',
    'router_settings.retry_after', 'router_settings.retry_policy', 'router_settings.fallbacks',
    'router_settings.context_window_fallbacks', 'router_settings.content_policy_fallbacks',
    'router_settings.default_fallbacks', 'router_settings.allowed_fails', 'router_settings.allowed_fails_policy',
    'router_settings.cooldown_time', 'router_settings.disable_cooldowns', 'router_settings.model_group_alias',
    'router_settings.enable_pre_call_checks', 'router_settings.enable_tag_filtering', 'router_settings.cache_responses',
    'router_settings.provider_budget_config', 'router_settings.debug_level', 'router_settings.max_fallbacks',
    'litellm_settings.num_retries', 'litellm_settings.fallbacks', 'litellm_settings.context_window_fallbacks',
    'litellm_settings.content_policy_fallbacks', 'litellm_settings.default_fallbacks', 'litellm_settings.allowed_fails',
    'litellm_settings.cooldown_time', 'litellm_settings.modify_params',
    'litellm_settings.model_group_alias',
  ],
  governance: [
    'general_settings.disable_spend_logs', 'general_settings.proxy_batch_write_at', 'general_settings.proxy_budget_rescheduler_min_time',
    'general_settings.proxy_budget_rescheduler_max_time', 'general_settings.disable_reset_budget',
    'general_settings.allow_requests_on_db_unavailable', 'general_settings.database_connection_pool_limit',
    'general_settings.disable_master_key_return', 'general_settings.store_model_in_db', 'general_settings.alerting',
    'general_settings.alerting_threshold', 'general_settings.alert_types', 'general_settings.use_redis_transaction_buffer',
    'general_settings.user_header_name', 'general_settings.default_team_disabled',
    'litellm_settings.max_budget', 'litellm_settings.budget_duration', 'litellm_settings.max_internal_user_budget',
    'litellm_settings.internal_user_budget_duration', 'litellm_settings.default_key_generate_params',
    'litellm_settings.upperbound_key_generate_params', 'litellm_settings.default_internal_user_params',
    'litellm_settings.key_generation_settings', 'litellm_settings.default_team_settings',
    'litellm_settings.disable_end_user_cost_tracking', 'litellm_settings.max_end_user_budget',
  ],
  access: [
    'general_settings.allowed_routes', 'general_settings.public_routes',
    'general_settings.allowed_ips', 'general_settings.enable_jwt_auth', 'general_settings.litellm_jwtauth',
    'general_settings.custom_auth', 'general_settings.ui_access_mode', 'general_settings.key_management_system',
    'general_settings.key_management_settings', 'general_settings.enable_oauth2_auth',
  ],
  guardrails: [
    'litellm_settings.llm_guard_mode',
    'litellm_settings.llamaguard_model_name',
    'litellm_settings.llamaguard_unsafe_content_categories', 'litellm_settings.google_moderation_confidence_threshold',
    'litellm_settings.presidio_ad_hoc_recognizers', 'litellm_settings.output_parse_pii',
  ],
  logging: [
    'litellm_settings.turn_off_message_logging', 'litellm_settings.redact_user_api_key_info',
    'litellm_settings.langfuse_default_tags', 'litellm_settings.default_team_logging', 'litellm_settings.service_callback',
    'litellm_settings.callback_settings', 'litellm_settings.gcs_bucket_name',
    'general_settings.background_health_checks', 'general_settings.health_check_interval',
    'general_settings.health_check_details',
  ],
  caching: ['litellm_settings.cache', 'litellm_settings.cache_params', 'litellm_settings.enable_caching_on_provider_specific_optional_params'],
};

/** Google moderation's per-category thresholds (`toxic_confidence_threshold`, `violent_threshold`…). */
const THRESHOLD_SETTING = /^litellm_settings\.[a-z_]+_threshold$/;

const PLANNED_AREA = new Map<string, string>();
for (const [area, paths] of Object.entries(PLANNED)) for (const p of paths) PLANNED_AREA.set(p, area);

export type SettingStatus =
  | { status: 'used'; by: string }
  | { status: 'needs-plugin'; plugin: string }
  | { status: 'planned'; area: string }
  | { status: 'unknown' };

export interface SettingClaims {
  /** dotted path → id of the enabled plugin that reads it */
  enabled: Map<string, string>;
  /** dotted path → id of a known but not enabled plugin that would read it */
  available: Map<string, string>;
  /** dotted path → the JSON Schema of the plugin config key it becomes (enabled plugins), for nested keys */
  schemas?: Map<string, unknown>;
}

/** Top-level sections the kernel reads (the native ones and LiteLLM's it translates). */
const KNOWN_SECTIONS = new Set([
  'model_list', 'litellm_settings', 'general_settings', 'router_settings', 'environment_variables', 'include',
  'guardrails', 'credential_list', 'plugins', 'server', 'logging', 'storage',
]);

/** Why a top-level LiteLLM section does nothing here, where it says more than "ignored". */
const SECTION_NOTES: Record<string, string> = {
  finetune_settings: 'the /fine_tuning/jobs endpoints are not implemented',
  files_settings: 'the /files endpoints are not implemented',
};

export function classifySetting(path: string, claims: SettingClaims): SettingStatus {
  const enabled = claims.enabled.get(path);
  if (enabled) return { status: 'used', by: enabled };
  if (TRANSLATED_SETTINGS.has(path)) return { status: 'used', by: 'translation' };
  const available = claims.available.get(path);
  if (available) return { status: 'needs-plugin', plugin: available };
  const area = PLANNED_AREA.get(path) ?? (THRESHOLD_SETTING.test(path) ? 'guardrails' : undefined);
  if (area) return { status: 'planned', area };
  return { status: 'unknown' };
}

/** One warning line per setting Sluice does not act on, once the enabled plugins are known. */
export function reportSettings(config: SluiceConfig, claims: SettingClaims): string[] {
  const sections = { general_settings: config.general_settings, litellm_settings: config.litellm_settings, router_settings: config.router_settings };
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (KNOWN_SECTIONS.has(key) || claims.enabled.has(key)) continue;
    const available = claims.available.get(key);
    if (available) warnings.push(`${key} has no effect: it is read by plugin ${available}, which is not enabled`);
    else warnings.push(`${key} is not acted on by Sluice${SECTION_NOTES[key] ? ` (${SECTION_NOTES[key]})` : ''}; it is ignored`);
  }
  for (const [section, values] of Object.entries(sections)) {
    for (const [key, value] of Object.entries(values ?? {})) {
      const path = `${section}.${key}`;
      const s = classifySetting(path, claims);
      if (s.status === 'needs-plugin') warnings.push(`${path} has no effect: it is read by plugin ${s.plugin}, which is not enabled`);
      else if (s.status === 'planned') warnings.push(`${path} is accepted but not yet supported (${s.area}); it has no effect yet`);
      else if (s.status === 'unknown') warnings.push(`${path} is not a setting Sluice knows; it is ignored`);
      else if (s.by !== 'translation') nestedWarnings(value, claims.schemas?.get(path), path, s.by, warnings);
    }
  }
  if (!claims.enabled.has('model_info.access_groups')) {
    (config.model_list ?? []).forEach((entry, i) => {
      if (entry.model_info && 'access_groups' in entry.model_info) {
        const by = claims.available.get('model_info.access_groups');
        warnings.push(`model_list[${i}] (${entry.model_name}).model_info.access_groups has no effect${by ? `: it is read by plugin ${by}, which is not enabled` : ' (access groups are not implemented)'}`);
      }
    });
  }
  return warnings;
}

type SchemaNode = { properties?: Record<string, SchemaNode>; additionalProperties?: unknown; items?: SchemaNode; type?: unknown };

/** Keys under a setting a plugin reads that the plugin's config schema does not have, at any depth. */
function nestedWarnings(value: unknown, schema: unknown, path: string, plugin: string, out: string[]): void {
  const s = schema as SchemaNode | undefined;
  if (!s || typeof s !== 'object') return;
  if (Array.isArray(value)) {
    if (s.items) value.forEach((item, i) => nestedWarnings(item, s.items, `${path}[${i}]`, plugin, out));
    return;
  }
  if (!value || typeof value !== 'object' || !s.properties || s.additionalProperties === true || typeof s.additionalProperties === 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    const sub = s.properties[key];
    if (!sub) out.push(`${path}.${key} is not a setting ${plugin} reads; it is ignored`);
    else nestedWarnings(inner, sub, `${path}.${key}`, plugin, out);
  }
}

/**
 * Which plugin reads each setting (plugin.json `litellm.settings` and `litellm.actsOn`), split by
 * whether it is enabled; `configSchemas` (plugin id → config schema) lets nested keys be checked.
 */
export function settingClaims(installed: readonly PluginManifest[], enabledIds: ReadonlySet<string>, configSchemas?: ReadonlyMap<string, unknown>): SettingClaims {
  const claims: SettingClaims = { enabled: new Map(), available: new Map(), schemas: new Map() };
  for (const manifest of installed) {
    const enabled = enabledIds.has(manifest.id);
    const target = enabled ? claims.enabled : claims.available;
    const properties = (configSchemas?.get(manifest.id) as SchemaNode | undefined)?.properties;
    for (const [key, path] of Object.entries(manifest.litellm?.settings ?? {})) {
      if (!target.has(path)) target.set(path, manifest.id);
      if (enabled && properties?.[key] && !claims.schemas!.has(path)) claims.schemas!.set(path, properties[key]);
    }
    for (const path of manifest.litellm?.actsOn ?? []) if (!target.has(path)) target.set(path, manifest.id);
    // A setting that switches a plugin on is read by it (`general_settings.key_management_system=aws_kms`).
    for (const rule of manifest.litellm?.enabledBy ?? []) {
      const path = rule.split('=')[0]!;
      if (!path.startsWith('env.') && !target.has(path)) target.set(path, manifest.id);
    }
  }
  return claims;
}
