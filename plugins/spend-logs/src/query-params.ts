/** Query-string parsing shared by the spend routes: one value per name, dates in UTC, bounded integers. */
import { SpendErrors } from './errors.js';

export type Query = Record<string, string | string[] | undefined>;

export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Epoch ms of a date parameter. A bare date covers the whole day: as `start_date` its first
 * millisecond, as `end_date` its last (so `end_date=2024-06-30` includes June 30th).
 */
export function dateParam(q: Query, name: string, edge: 'start' | 'end'): number | undefined {
  const raw = one(q, name);
  if (raw === undefined) return undefined;
  const value = raw.trim();
  let ms: number;
  if (DATE_ONLY.test(value)) ms = Date.parse(`${value}T00:00:00.000Z`) + (edge === 'end' ? 86_400_000 - 1 : 0);
  else if (DATE_TIME.test(value)) ms = Date.parse(`${value.replace(' ', 'T')}Z`);
  else ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw SpendErrors.INVALID_DATE({ param: name, value: raw }, { param: name });
  return ms;
}

export function intParam(q: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = one(q, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw SpendErrors.INVALID_PARAM({ param: name, reason: `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}` }, { param: name });
  }
  return n;
}

export function numberParam(q: Query, name: string): number | undefined {
  const raw = one(q, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw SpendErrors.INVALID_PARAM({ param: name, reason: `expected a number, got ${JSON.stringify(raw)}` }, { param: name });
  return n;
}
