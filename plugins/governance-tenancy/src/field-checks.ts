/**
 * Type checks for management request bodies, shared by every entity. Each field is checked once
 * here so stores and the auth path can trust records. Unknown fields are refused by name rather
 * than ignored: a LiteLLM field Sluice does not implement must not look as if it took effect.
 */
import { parseDuration } from '@sluice/plugin-sdk';
import { TenancyErrors } from './errors.js';

export type Check = (value: unknown, field: string) => unknown;

export const invalid = (field: string, reason: string) => TenancyErrors.INVALID_FIELD({ field, reason }, { param: field });

export const nullableString: Check = (v, f) => {
  if (v === null || typeof v === 'string') return v;
  throw invalid(f, 'expected a string or null');
};
export const requiredString: Check = (v, f) => {
  if (typeof v === 'string' && v.length > 0) return v;
  throw invalid(f, 'expected a non-empty string');
};
export const stringList: Check = (v, f) => {
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return [...v];
  throw invalid(f, 'expected a list of strings');
};
export const object: Check = (v, f) => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  throw invalid(f, 'expected a JSON object');
};
export const budget: Check = (v, f) => {
  if (v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) return v;
  throw invalid(f, 'expected a number >= 0 or null');
};
export const limit: Check = (v, f) => {
  if (v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0)) return v;
  throw invalid(f, 'expected an integer >= 0 or null');
};
export const durationString: Check = (v, f) => {
  if (v === null) return v;
  if (typeof v === 'string' && parseDuration(v) !== undefined) return v;
  throw invalid(f, `expected a duration like "30s", "30m", "30h", "30d", "2w" or "1mo", got ${JSON.stringify(v)}`);
};
/** A key's `duration` in ms: a duration, or zero (`"0s"`: LiteLLM issues the key already expired). */
export function lifetimeMs(value: string): number | undefined {
  return /^\s*0+\s*(s|m|h|d|w|mo)\s*$/.test(value) ? 0 : parseDuration(value);
}
export const lifetimeString: Check = (v, f) => {
  if (v === null || (typeof v === 'string' && lifetimeMs(v) !== undefined)) return v;
  return durationString(v, f);
};
export const bool: Check = (v, f) => {
  if (typeof v === 'boolean') return v;
  throw invalid(f, 'expected true or false');
};
/** `{"gpt-4o": 10}`: per-model rpm/tpm limits. */
export const modelLimits: Check = (v, f) => {
  const o = object(v, f) as Record<string, unknown>;
  for (const [model, n] of Object.entries(o)) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw invalid(f, `the limit of ${JSON.stringify(model)} must be an integer >= 0`);
  }
  return { ...o };
};
/** LiteLLM's `model_max_budget`: `{"gpt-4o": {"budget_limit": 0.0005, "time_period": "1d"}}`. */
export const modelMaxBudget: Check = (v, f) => {
  const o = object(v, f) as Record<string, unknown>;
  const out: Record<string, { budget_limit: number; time_period: string | null }> = {};
  for (const [model, entry] of Object.entries(o)) {
    const e = (entry && typeof entry === 'object' ? { ...(entry as Record<string, unknown>) } : entry) as Record<string, unknown> | null;
    // LiteLLM (pydantic) takes numbers sent as strings: {"budget_limit": "0.000001"}.
    if (e && typeof e.budget_limit === 'string' && e.budget_limit.trim() !== '' && Number.isFinite(Number(e.budget_limit))) e.budget_limit = Number(e.budget_limit);
    if (!e || typeof e !== 'object' || Array.isArray(e) || typeof e.budget_limit !== 'number' || !(e.budget_limit >= 0)) {
      throw invalid(f, `${JSON.stringify(model)} needs {"budget_limit": <number >= 0>, "time_period": "1d"}`);
    }
    const period = e.time_period ?? null;
    if (period !== null) durationString(period, `${f}.${model}.time_period`);
    out[model] = { budget_limit: e.budget_limit, time_period: period as string | null };
  }
  return out;
};
/** Epoch ms from an ISO date string (LiteLLM sends `temp_budget_expiry` as a datetime). */
export const isoTime: Check = (v, f) => {
  if (v === null) return v;
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isFinite(ms)) return ms;
  throw invalid(f, 'expected an ISO 8601 date-time such as "2030-01-01T00:00:00Z"');
};

/** LiteLLM's Optional fields whose null means "not given" (a list or object left as it is / its default). */
export const orUnset = (check: Check): Check => (v, f) => (v === null ? undefined : check(v, f));

export const nullableBool: Check = (v, f) => (v === null ? v : bool(v, f));

/** `{"alias": "model"}`: LiteLLM's model aliases. */
export const modelAliases: Check = (v, f) => {
  const o = object(v, f) as Record<string, unknown>;
  for (const [alias, target] of Object.entries(o)) {
    if (typeof target !== 'string' || target.length === 0) throw invalid(f, `the alias ${JSON.stringify(alias)} must name a model (a string)`);
  }
  return { ...o };
};

export const nullableObject: Check = (v, f) => (v === null ? v : object(v, f));

export function asObject(body: unknown, route: string): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw TenancyErrors.BODY_NOT_OBJECT({ route });
  return body as Record<string, unknown>;
}

/**
 * Checks `body` against `fields` (+ `extra` names the route reads itself); returns the checked
 * fields that were present. Unknown names are a 400 naming them.
 */
export function parseFields(body: unknown, route: string, fields: Record<string, Check>, extra: readonly string[] = []): {
  input: Record<string, unknown>;
  fields: Record<string, unknown>;
} {
  const input = asObject(body, route);
  const unknown = Object.keys(input).filter((k) => !(k in fields) && !extra.includes(k));
  if (unknown.length > 0) {
    const supported = [...extra, ...Object.keys(fields)].join(', ');
    throw TenancyErrors.UNKNOWN_FIELDS({ route, fields: unknown.map((f) => `'${f}'`).join(', '), supported }, { param: unknown[0] });
  }
  const out: Record<string, unknown> = {};
  for (const [name, check] of Object.entries(fields)) {
    const value = input[name] === undefined ? undefined : check(input[name], name);
    if (value !== undefined) out[name] = value;
  }
  return { input, fields: out };
}

/** A required list of non-empty strings (`team_ids`, `user_ids`…). */
export function idList(input: Record<string, unknown>, field: string): string[] {
  const v = input[field];
  if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0)) return [...new Set(v as string[])];
  throw invalid(field, 'expected a non-empty list of ids');
}

export function requiredId(input: Record<string, unknown>, field: string): string {
  return requiredString(input[field], field) as string;
}

export function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function positiveInt(raw: string | undefined, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(field, `expected an integer from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** The budget and rate-limit fields most entities share. */
export const LIMIT_FIELDS: Record<string, Check> = {
  max_budget: budget,
  soft_budget: budget,
  budget_duration: durationString,
  rpm_limit: limit,
  tpm_limit: limit,
  max_parallel_requests: limit,
};
