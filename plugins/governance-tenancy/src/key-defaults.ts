/**
 * LiteLLM's `litellm_settings.default_key_generate_params` and `upperbound_key_generate_params`,
 * applied to /key/generate as LiteLLM applies them: a default fills a field the request left
 * unset (null, or `[]` / `{}` for models and metadata); an upper bound fills an unset field and
 * refuses a larger value (400). Both are checked once at load time.
 */
import { parseDuration } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';
import { budget, durationString, limit, nullableString, object, stringList, type Check } from './field-checks.js';
import type { KeyRequest } from './key-request.js';

/** The fields LiteLLM takes from `default_key_generate_params`, with their checks. */
const DEFAULTABLE: Record<string, Check> = {
  max_budget: budget,
  user_id: nullableString,
  team_id: nullableString,
  max_parallel_requests: limit,
  tpm_limit: limit,
  rpm_limit: limit,
  budget_duration: durationString,
  duration: durationString,
  models: stringList,
  metadata: object,
};

/** LiteLLM_UpperboundKeyGenerateParams. */
const NUMERIC_BOUNDS = ['max_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit'] as const;
const DURATION_BOUNDS = ['budget_duration', 'duration'] as const;

export interface KeyGenerateParams {
  defaults: Record<string, unknown>;
  upperbound: Record<string, unknown>;
}

/** Validates both settings at load (a wrong type is a startup error naming the setting). */
export function keyGenerateParams(defaults: Record<string, unknown> | undefined, upperbound: Record<string, unknown> | undefined): KeyGenerateParams {
  const out: KeyGenerateParams = { defaults: {}, upperbound: {} };
  for (const [name, value] of Object.entries(defaults ?? {})) {
    const check = DEFAULTABLE[name];
    if (check && value !== null && value !== undefined) out.defaults[name] = check(value, `default_key_generate_params.${name}`);
  }
  for (const name of [...NUMERIC_BOUNDS, ...DURATION_BOUNDS]) {
    const value = upperbound?.[name];
    if (value === null || value === undefined) continue;
    out.upperbound[name] = (NUMERIC_BOUNDS as readonly string[]).includes(name) ? budget(value, `upperbound_key_generate_params.${name}`) : durationString(value, `upperbound_key_generate_params.${name}`);
  }
  return out;
}

const isUnset = (v: unknown) => v === undefined || v === null;

/** Applies the defaults, then the upper bounds, to a parsed /key/generate request. */
export function applyKeyGenerateParams(parsed: KeyRequest, params: KeyGenerateParams): void {
  const fields = parsed.fields as Record<string, unknown>;
  for (const [name, value] of Object.entries(params.defaults)) {
    if (name === 'duration') {
      if (isUnset(parsed.durationMs)) parsed.durationMs = parseDuration(value as string)!;
    } else if (name === 'models' || name === 'metadata') {
      const current = fields[name];
      const empty = isUnset(current) || (Array.isArray(current) ? current.length === 0 : Object.keys(current as object).length === 0);
      if (empty) fields[name] = structuredClone(value);
    } else if (isUnset(fields[name])) {
      fields[name] = value;
    }
  }
  for (const name of NUMERIC_BOUNDS) {
    const bound = params.upperbound[name] as number | undefined;
    if (bound === undefined) continue;
    const value = fields[name] as number | null | undefined;
    if (isUnset(value)) fields[name] = bound;
    else if (value! > bound) throw overLimit(name, value, bound);
  }
  for (const name of DURATION_BOUNDS) {
    const bound = params.upperbound[name] as string | undefined;
    if (bound === undefined) continue;
    const boundMs = parseDuration(bound)!;
    if (name === 'duration') {
      // No duration = never expires: the bound fills it.
      if (isUnset(parsed.durationMs)) parsed.durationMs = boundMs;
      else if (parsed.durationMs! > boundMs) throw overLimit(name, parsed.durationText, bound);
    } else {
      const value = fields[name] as string | null | undefined;
      if (isUnset(value)) fields[name] = bound;
      else if (parseDuration(value!)! > boundMs) throw overLimit(name, value, bound);
    }
  }
}

function overLimit(field: string, value: unknown, bound: unknown) {
  return KeyErrors.OVER_UPPERBOUND({ field, value: String(value), bound: String(bound) }, { param: field });
}
