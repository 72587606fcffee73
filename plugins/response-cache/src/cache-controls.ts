/**
 * The per-request `cache` controls (LiteLLM's DynamicCacheControl): `no-cache` (do not answer from
 * the cache), `no-store` (do not store the answer), `ttl` (seconds to keep it), `s-maxage` /
 * `s-max-age` (accept only entries at most this old), `namespace`, and `use-cache` (opt in when the
 * cache is `default_off`). Read from the body's `cache` (the OpenAI Python SDK's `extra_body` is
 * merged into the body) or from a literal `extra_body.cache`. Each control must be in the key's
 * `allowed_cache_controls` when that list is not empty, as LiteLLM checks it.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { CacheErrors } from './cache-errors.js';

export interface CacheControls {
  noCache: boolean;
  noStore: boolean;
  useCache: boolean;
  ttl: number | undefined;
  maxAge: number | undefined;
  namespace: string | undefined;
}

export function controlsOf(body: JsonObject): JsonObject | undefined {
  const cache = body.cache ?? (isObject(body.extra_body) ? body.extra_body.cache : undefined);
  return isObject(cache) ? cache : undefined;
}

/** Throws LiteLLM's 403 for the first control the key may not use. */
export function checkAllowed(cache: JsonObject, allowed: readonly string[] | undefined): void {
  if (!allowed || allowed.length === 0) return;
  for (const control in cache) if (!allowed.includes(control)) throw CacheErrors.CONTROL_NOT_ALLOWED({ control });
}

export function readControls(cache: JsonObject | undefined): CacheControls {
  if (!cache) return NO_CONTROLS;
  return {
    noCache: cache['no-cache'] === true,
    noStore: cache['no-store'] === true,
    useCache: cache['use-cache'] === true,
    ttl: positive(cache.ttl),
    maxAge: nonNegative(cache['s-maxage'] ?? cache['s-max-age']),
    namespace: typeof cache.namespace === 'string' && cache.namespace.length > 0 ? cache.namespace : undefined,
  };
}

const NO_CONTROLS: CacheControls = Object.freeze({ noCache: false, noStore: false, useCache: false, ttl: undefined, maxAge: undefined, namespace: undefined });

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positive(v: JsonValue | undefined): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function nonNegative(v: JsonValue | undefined): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}
