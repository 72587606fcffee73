/**
 * Validation of /key/* bodies (field checks in field-checks.ts). Unknown fields are refused by
 * name rather than ignored.
 */
import { parseDuration } from '@sluice/plugin-sdk';
import type { KeyFields } from './key-record.js';
import { KeyErrors } from './errors.js';
import {
  asObject,
  bool,
  budget,
  durationString,
  isoTime,
  lifetimeMs,
  lifetimeString,
  LIMIT_FIELDS,
  modelLimits,
  modelMaxBudget,
  modelAliases,
  nullableBool,
  nullableObject,
  nullableString,
  object,
  orUnset,
  stringList,
  type Check,
} from './field-checks.js';

export { asObject };

const invalid = (field: string, reason: string) => KeyErrors.INVALID_FIELD({ field, reason }, { param: field });

const KEY_TYPES = ['default', 'llm_api', 'management', 'read_only'];
const keyType: Check = (v, f) => {
  if (v === null || (typeof v === 'string' && KEY_TYPES.includes(v))) return v;
  throw invalid(f, `expected one of ${KEY_TYPES.join(', ')}`);
};

/**
 * Every field of LiteLLM's GenerateKeyRequest / UpdateKeyRequest / RegenerateKeyRequest. Lists and
 * objects are Optional there: null leaves them as they are (their default on a new key).
 */
const FIELDS: Record<string, Check> = {
  key_alias: nullableString,
  models: orUnset(stringList),
  ...LIMIT_FIELDS,
  model_max_budget: orUnset(modelMaxBudget),
  model_rpm_limit: orUnset(modelLimits),
  model_tpm_limit: orUnset(modelLimits),
  budget_id: nullableString,
  metadata: orUnset(object),
  permissions: orUnset(object),
  enforced_params: orUnset(stringList),
  guardrails: orUnset(stringList),
  tags: orUnset(stringList),
  team_id: nullableString,
  user_id: nullableString,
  organization_id: nullableString,
  project_id: nullableString,
  spend: orUnset(budget),
  blocked: orUnset(bool),
  aliases: orUnset(modelAliases),
  config: orUnset(object),
  allowed_cache_controls: orUnset(stringList),
  allowed_routes: orUnset(stringList),
  key_type: keyType,
  object_permission: nullableObject,
  send_invite_email: nullableBool,
  auto_rotate: nullableBool,
  rotation_interval: durationString,
};

/** LiteLLM reads a key's per-model limits and guardrails from its metadata too: they act as the fields. */
const FROM_METADATA: Record<string, Check> = { model_rpm_limit: modelLimits, model_tpm_limit: modelLimits, guardrails: stringList };

/** Only /key/update may grant a temporary increase, as in LiteLLM. */
const TEMP_FIELDS: Record<string, Check> = { temp_budget_increase: budget, temp_budget_expiry: isoTime };

export interface KeyRequest {
  /** `key` as sent: a chosen plain key on generate, the key to act on elsewhere. */
  key?: string;
  fields: KeyFields;
  /** `duration` given: a new expiry in ms from now, or null for none. */
  durationMs?: number | null;
  /** `duration` as sent (`"30d"`), for messages. */
  durationText?: string;
  gracePeriodMs?: number;
  newKey?: string;
  /** `new_master_key` (regenerate of the master key: master-key-routes.ts). */
  newMasterKey?: string;
}

export type KeyRoute = '/key/generate' | '/key/update' | '/key/regenerate';

const EXTRA: Record<KeyRoute, string[]> = {
  '/key/generate': ['key', 'duration'],
  '/key/update': ['key', 'duration', ...Object.keys(TEMP_FIELDS)],
  '/key/regenerate': ['key', 'duration', 'grace_period', 'new_key', 'new_master_key'],
};

export function parseKeyRequest(body: unknown, route: KeyRoute): KeyRequest {
  const input = asObject(body, route);
  const allowed = [...EXTRA[route], ...Object.keys(FIELDS)];
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw KeyErrors.UNKNOWN_FIELDS({ route, fields: unknown.map((f) => `'${f}'`).join(', '), supported: allowed.join(', ') }, { param: unknown[0] });
  }
  const fields: Record<string, unknown> = {};
  const take = (checks: Record<string, Check>) => {
    for (const [name, check] of Object.entries(checks)) {
      const value = input[name] === undefined ? undefined : check(input[name], name);
      if (value !== undefined) fields[name] = value;
    }
  };
  take(FIELDS);
  if (route === '/key/update') take(TEMP_FIELDS);
  const metadata = fields.metadata as Record<string, unknown> | undefined;
  if (metadata) {
    for (const [name, check] of Object.entries(FROM_METADATA)) {
      if (fields[name] === undefined && metadata[name] !== undefined && metadata[name] !== null) fields[name] = check(metadata[name], `metadata.${name}`);
    }
  }
  if ((fields.temp_budget_increase ?? null) !== null && (fields.temp_budget_expiry ?? null) === null) {
    throw invalid('temp_budget_expiry', 'temp_budget_increase needs temp_budget_expiry (when the increase ends)');
  }
  const out: KeyRequest = { fields: fields as KeyFields };
  if (input.key !== undefined && input.key !== null) {
    if (typeof input.key !== 'string' || input.key.length === 0) throw invalid('key', 'expected a string');
    out.key = input.key;
  }
  if (route === '/key/generate' && out.key !== undefined) checkChosenKey(out.key, 'key');
  // LiteLLM's prepare_key_update_data ignores an empty `duration` on update/regenerate (no change).
  const keepsExpiry = input.duration === '' && route !== '/key/generate';
  if (input.duration !== undefined && !keepsExpiry) {
    lifetimeString(input.duration, 'duration');
    out.durationMs = input.duration === null ? null : lifetimeMs(input.duration as string)!;
    if (typeof input.duration === 'string') out.durationText = input.duration;
  }
  if (input.grace_period !== undefined && input.grace_period !== null) {
    durationString(input.grace_period, 'grace_period');
    out.gracePeriodMs = parseDuration(input.grace_period as string)!;
  }
  if (input.new_master_key !== undefined && input.new_master_key !== null) {
    if (typeof input.new_master_key !== 'string' || !input.new_master_key.startsWith('sk-')) throw invalid('new_master_key', "a master key must be a string starting with 'sk-'");
    out.newMasterKey = input.new_master_key;
  }
  if (input.new_key !== undefined && input.new_key !== null) {
    if (typeof input.new_key !== 'string') throw invalid('new_key', 'expected a string');
    out.newKey = checkChosenKey(input.new_key, 'new_key');
  }
  return out;
}

function checkChosenKey(key: string, field: string): string {
  if (!/^sk-[A-Za-z0-9_-]{8,}$/.test(key)) {
    throw invalid(field, 'a chosen key must start with "sk-" followed by at least 8 letters, digits, "-" or "_"');
  }
  return key;
}
