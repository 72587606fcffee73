/**
 * What goes to the target: its URL (sub-path appended, query merged) and headers, as LiteLLM's
 * pass-through builds them, with the body's bytes untouched.
 */
import type { EndpointSettings } from './endpoint-settings.js';

/** Never taken from the client: recomputed for the new connection, or negotiated by the gateway (LiteLLM drops the same three). */
const NOT_FORWARDED = new Set(['host', 'content-length', 'accept-encoding']);
/** Hop-by-hop: they describe the client's connection, not the request (and the HTTP client refuses them). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'te', 'trailer', 'proxy-connection', 'http2-settings']);
/** `x-pass-<name>` may not set these (credentials, framing), as in LiteLLM. */
const PROTECTED = new Set(['authorization', 'api-key', 'x-api-key', 'x-goog-api-key', 'host', 'content-length', 'accept-encoding']);
const PASS_PREFIX = 'x-pass-';

type ClientHeaders = Readonly<Record<string, string | string[] | undefined>>;

const one = (v: string | string[]): string => (Array.isArray(v) ? v.join(', ') : v);

export function upstreamHeaders(ep: EndpointSettings, client: ClientHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (NOT_FORWARDED.has(lower) || HOP_BY_HOP.has(lower) || ep.headerNames.has(lower)) continue;
    // Without forward_headers LiteLLM re-encodes the body it parsed and its HTTP client labels
    // it; forwarding the bytes as they are, their content type is the client's.
    if (ep.forwardHeaders || lower === 'content-type') out[lower] = one(value);
  }
  for (const [name, value] of ep.headers) {
    if (!NOT_FORWARDED.has(name.toLowerCase())) out[name] = value;
  }
  // `x-pass-anthropic-beta: v` → `anthropic-beta: v`, whatever forward_headers says.
  for (const [name, value] of Object.entries(client)) {
    if (value === undefined || !name.toLowerCase().startsWith(PASS_PREFIX)) continue;
    const actual = name.slice(PASS_PREFIX.length).toLowerCase();
    if (actual === '' || PROTECTED.has(actual) || actual.startsWith('x-amz-') || HOP_BY_HOP.has(actual)) continue;
    out[actual] = one(value);
  }
  return out;
}

/**
 * The sub-path (as the client wrote it, still percent-encoded) resolved so it cannot climb above
 * the target: `.`/`..` segments are applied, decoded or not, as LiteLLM normalizes them; a
 * trailing slash is kept (some APIs tell `/x` from `/x/`).
 */
export function safeSubpath(raw: string): string {
  const kept: string[] = [];
  const parts = raw.split('/');
  for (const part of parts) {
    let decoded = part;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      /* not valid percent-encoding: sent as written */
    }
    if (part === '' || decoded === '.') continue;
    if (decoded === '..') kept.pop();
    else kept.push(part);
  }
  const joined = kept.join('/');
  return joined !== '' && raw.endsWith('/') ? `${joined}/` : joined;
}

/** The raw sub-path after the route's path in the request URL; undefined when the request is for the path itself. */
export function rawSubpath(ep: EndpointSettings, requestPath: string): string | undefined {
  if (!ep.includeSubpath) return undefined;
  const prefix = ep.path === '/' ? '' : ep.path;
  if (!requestPath.startsWith(`${prefix}/`)) return undefined;
  const rest = requestPath.slice(prefix.length + 1);
  return rest === '' ? undefined : rest;
}

/**
 * The target URL for one request: the sub-path appended; the client's query parameters over the
 * target's own, over `default_query_params` (LiteLLM's precedence: the client can override anything).
 */
export function upstreamUrl(ep: EndpointSettings, requestUrl: string): string {
  const q = requestUrl.indexOf('?');
  const requestPath = q === -1 ? requestUrl : requestUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : requestUrl.slice(q + 1);
  const url = new URL(ep.target.href);
  const sub = rawSubpath(ep, requestPath);
  if (sub !== undefined) {
    const safe = safeSubpath(sub);
    if (safe !== '') url.pathname = (url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`) + safe;
  }
  if (url.search === '' && ep.defaultQuery.length === 0) return rawQuery === '' ? url.href : `${url.href}?${rawQuery}`;
  const client = new URLSearchParams(rawQuery);
  for (const [k, v] of ep.defaultQuery) if (!url.searchParams.has(k) && !client.has(k)) url.searchParams.set(k, v);
  for (const k of new Set(client.keys())) {
    url.searchParams.delete(k);
    for (const v of client.getAll(k)) url.searchParams.append(k, v);
  }
  return url.href;
}

/** Response headers not relayed: the gateway frames and dates its own answer (LiteLLM drops the same ones). */
const NOT_RELAYED = new Set(['transfer-encoding', 'content-length', 'server', 'date', 'connection', 'keep-alive', 'x-litellm-call-id']);

export function relayedHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && !NOT_RELAYED.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}
