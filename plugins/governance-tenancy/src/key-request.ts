/**
 * Validation of /key/* bodies. Each field is checked for its type here, once, so the store and
 * the preAuth path can trust records. Unknown fields are refused by name rather than ignored: a
 * LiteLLM field Sluice does not implement must not look as if it took effect.
 */
import type { KeyFields } from './key-record.js';
import { KeyErrors } from './errors.js';

type Check = (value: unknown, field: string) => unknown;

const invalid = (field: string, reason: string) => KeyErrors.INVALID_FIELD({ field, reason }, { param: field });

const nullableString: Check = (v, f) => {
  if (v === null || typeof v === 'string') return v;
  throw invalid(f, 'expected a string or null');
};
const stringList: Check = (v, f) => {
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return [...v];
  throw invalid(f, 'expected a list of strings');
};
const object: Check = (v, f) => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  throw invalid(f, 'expected a JSON object');
};
const budget: Check = (v, f) => {
  if (v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0)) return v;
  throw invalid(f, 'expected a number >= 0 or null');
};
const limit: Check = (v, f) => {
  if (v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0)) return v;
  throw invalid(f, 'expected an integer >= 0 or null');
};
const durationString: Check = (v, f) => {
  if (v === null) return v;
  if (typeof v === 'string' && parseDuration(v) !== undefined) return v;
  throw invalid(f, `expected a duration like "30s", "30m", "30h", "30d", "2w" or "1mo", got ${JSON.stringify(v)}`);
};
const bool: Check = (v, f) => {
  if (typeof v === 'boolean') return v;
  throw invalid(f, 'expected true or false');
};

const FIELDS: Record<string, Check> = {
  key_alias: nullableString,
  models: stringList,
  max_budget: budget,
  soft_budget: budget,
  budget_duration: durationString,
  rpm_limit: limit,
  tpm_limit: limit,
  max_parallel_requests: limit,
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

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, mo: 2_592_000_000 };

/** LiteLLM durations: `30s`, `30m`, `30h`, `30d`, `2w`, `1mo` (30 days). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d|w|mo)$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

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
  '/key/update': ['key', 'duration', 'blocked'],
  '/key/regenerate': ['key', 'duration', 'grace_period', 'new_key'],
};

export function asObject(body: unknown, route: string): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw KeyErrors.BODY_NOT_OBJECT({ route });
  return body as Record<string, unknown>;
}

export function parseKeyRequest(body: unknown, route: KeyRoute): KeyRequest {
  const input = asObject(body, route);
  const allowed = [...EXTRA[route], ...Object.keys(FIELDS)];
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw KeyErrors.UNKNOWN_FIELDS({ route, fields: unknown.map((f) => `'${f}'`).join(', '), supported: allowed.join(', ') }, { param: unknown[0] });
  }
  const fields: Record<string, unknown> = {};
  for (const [name, check] of Object.entries(FIELDS)) if (input[name] !== undefined) fields[name] = check(input[name], name);
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
