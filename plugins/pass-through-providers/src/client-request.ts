/**
 * What of the client's request goes to the provider: the path after the route's prefix with its
 * query (less any gateway key in it), the headers less the caller's credentials and the
 * hop-by-hop ones, and the body's bytes (re-encoded only when a guardrail changed the body).
 */
import type { JsonObject, RouteRequest } from '@sluice/plugin-sdk';
import { ProviderPassThroughErrors } from './errors.js';

/** Connection-level headers (RFC 9110 §7.6.1) and those the HTTP client sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect', 'http2-settings']);

/**
 * Credentials of the caller: the gateway key in any header it may come in, cookies, and AWS
 * signature headers (Bedrock requests are signed anew). `accept-encoding` is left out so the
 * answer comes uncompressed and its usage can be read.
 */
const CLIENT_ONLY = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'accept-encoding']);

export function forwardedHeaders(headers: RouteRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || CLIENT_ONLY.has(name) || name.startsWith('x-litellm-') || name.startsWith('x-amz-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The provider's headers for the client, less those that describe the connection rather than the answer. */
export function relayedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (HOP_BY_HOP.has(name) || name === 'server' || name === 'date') continue;
    out[name] = value;
  }
  return out;
}

/**
 * The path and query after `prefix` in the URL as the client sent it (still percent-encoded, so
 * what a signature covers is what was asked), without the `credentialQuery` parameters.
 */
export function forwardedPath(url: string, prefix: string, credentialQuery: readonly string[] = []): { path: string; pathname: string } {
  const rest = url.slice(prefix.length);
  const q = rest.indexOf('?');
  const pathname = (q === -1 ? rest : rest.slice(0, q)) || '/';
  for (const segment of pathname.split('/')) {
    const s = segment.toLowerCase().replace(/%2e/g, '.');
    if (s === '.' || s === '..') throw ProviderPassThroughErrors.BAD_PATH({ path: prefix + pathname });
  }
  let query = q === -1 ? '' : rest.slice(q + 1);
  if (query && credentialQuery.length > 0) {
    query = query
      .split('&')
      .filter((pair) => !credentialQuery.includes(safeDecode(pair.split('=', 1)[0]!)))
      .join('&');
  }
  return { path: pathname + (query ? `?${query}` : ''), pathname };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The body as JSON when it is a JSON object small enough to read; the bytes are sent either way. */
export function jsonView(bytes: Uint8Array, contentType: string | string[] | undefined, maxBytes: number): JsonObject | undefined {
  if (bytes.length === 0 || bytes.length > maxBytes) return undefined;
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (type !== undefined && !type.toLowerCase().includes('json')) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the preCall chain is shown of a JSON body, and how to tell afterwards whether it changed
 * it: the admission adds `model`, and a guardrail may edit the body in place, so the text is
 * taken before.
 */
export function admissionView(json: JsonObject | undefined, model: string | undefined): { body: JsonObject; before: string | undefined } {
  if (!json) return { body: {}, before: undefined };
  return { body: json, before: JSON.stringify(model === undefined ? json : { ...json, model }) };
}

/** The bytes to send: the client's own, unless the preCall chain changed the body (its changes kept, its `model` not added). */
export function sentBody(bytes: Uint8Array, json: JsonObject | undefined, before: string | undefined, admitted: JsonObject): Uint8Array {
  if (!json || before === undefined) return bytes;
  const after = JSON.stringify(admitted);
  if (after === before) return bytes;
  const out: JsonObject = { ...admitted };
  if (json.model === undefined) delete out.model;
  else out.model = json.model;
  return new TextEncoder().encode(JSON.stringify(out));
}
