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
  LIMIT_FIELDS,
  modelLimits,
  modelMaxBudget,
  nullableString,
  object,
  stringList,
  type Check,
} from './field-checks.js';

export { asObject };

const invalid = (field: string, reason: string) => KeyErrors.INVALID_FIELD({ field, reason }, { param: field });

const FIELDS: Record<string, Check> = {
  key_alias: nullableString,
  models: stringList,
  ...LIMIT_FIELDS,
  model_max_budget: modelMaxBudget,
  model_rpm_limit: modelLimits,
  model_tpm_limit: modelLimits,
  budget_id: nullableString,
  metadata: object,
  permissions: object,
  enforced_params: stringList,
  guardrails: stringList,
  tags: stringList,
  team_id: nullableString,
  user_id: nullableString,
  organization_id: nullableString,
  project_id: nullableString,
  spend: budget,
};

/** Only /key/update may grant a temporary increase, as in LiteLLM. */
const TEMP_FIELDS: Record<string, Check> = { temp_budget_increase: budget, temp_budget_expiry: isoTime };

export interface KeyRequest {
  /** `key` as sent: a chosen plain key on generate, the key to act on elsewhere. */
  key?: string;
  fields: KeyFields;
  /** `duration` given: a new expiry in ms from now, or null for none. */
  durationMs?: number | null;
  gracePeriodMs?: number;
  newKey?: string;
}

export type KeyRoute = '/key/generate' | '/key/update' | '/key/regenerate';

const EXTRA: Record<KeyRoute, string[]> = {
  '/key/generate': ['key', 'duration'],
  '/key/update': ['key', 'duration', 'blocked', ...Object.keys(TEMP_FIELDS)],
  '/key/regenerate': ['key', 'duration', 'grace_period', 'new_key'],
};

export function parseKeyRequest(body: unknown, route: KeyRoute): KeyRequest {
  const input = asObject(body, route);
  const allowed = [...EXTRA[route], ...Object.keys(FIELDS)];
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw KeyErrors.UNKNOWN_FIELDS({ route, fields: unknown.map((f) => `'${f}'`).join(', '), supported: allowed.join(', ') }, { param: unknown[0] });
  }
  const fields: Record<string, unknown> = {};
  for (const [name, check] of Object.entries(FIELDS)) if (input[name] !== undefined) fields[name] = check(input[name], name);
  if (route === '/key/update') for (const [name, check] of Object.entries(TEMP_FIELDS)) if (input[name] !== undefined) fields[name] = check(input[name], name);
  if ((fields.temp_budget_increase ?? null) !== null && (fields.temp_budget_expiry ?? null) === null) {
    throw invalid('temp_budget_expiry', 'temp_budget_increase needs temp_budget_expiry (when the increase ends)');
  }
  const out: KeyRequest = { fields: fields as KeyFields };
  if (input.blocked !== undefined) out.fields.blocked = bool(input.blocked, 'blocked') as boolean;
  if (input.key !== undefined && input.key !== null) {
    if (typeof input.key !== 'string' || input.key.length === 0) throw invalid('key', 'expected a string');
    out.key = input.key;
  }
  if (route === '/key/generate' && out.key !== undefined) checkChosenKey(out.key, 'key');
  if (input.duration !== undefined) {
    durationString(input.duration, 'duration');
    out.durationMs = input.duration === null ? null : parseDuration(input.duration as string)!;
  }
  if (input.grace_period !== undefined && input.grace_period !== null) {
    durationString(input.grace_period, 'grace_period');
    out.gracePeriodMs = parseDuration(input.grace_period as string)!;
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
