/**
 * The auth step: extract the presented credential and ask `preAuth` who it belongs to. The first
 * plugin that recognises it answers (bail); when none does, the request is refused with 401.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, type AuthInput, type Principal, type Role, type RouteCredential } from '@sluice/plugin-sdk';
import { KernelErrors, maskKey } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { CallRequest } from '../proxy/call-exchange.js';
import { internalCallsOf } from './internal-calls.js';

/** Header names clients put the key in: the styles of the common provider SDKs and LiteLLM's own. */
const KEY_HEADERS = ['x-api-key', 'api-key', 'x-litellm-api-key', 'x-goog-api-key'] as const;

/** An `Authorization` header without the `Bearer ` scheme (LiteLLM refuses it as malformed). */
export const MALFORMED = Symbol('malformed authorization');

/** `keyHeader` (lower case): the only header the key is read from, as `Bearer <key>` (server.api_key_header). */
export function presentedToken(headers: IncomingHttpHeaders, keyHeader?: string): string | undefined | typeof MALFORMED {
  if (keyHeader !== undefined) {
    const v = headers[keyHeader];
    const token = typeof v === 'string' && (v.startsWith('Bearer ') || v.startsWith('bearer ')) ? v.slice(7).trim() : '';
    return token || MALFORMED;
  }
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    if (auth.startsWith('Bearer ') || auth.startsWith('bearer ')) {
      const token = auth.slice(7).trim();
      if (token) return token;
    } else if (!KEY_HEADERS.some((name) => typeof headers[name] === 'string' && headers[name] !== '')) {
      return MALFORMED;
    }
  }
  for (const name of KEY_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string' && v.length > 0) return v.startsWith('Bearer ') ? v.slice(7).trim() : v.trim();
  }
  return undefined;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The key a route's own credential places carry (`RouteDefinition.credential`), if any. */
export function routeToken(headers: IncomingHttpHeaders, url: string, credential: RouteCredential): string | undefined {
  for (const name of credential.headers ?? []) {
    const v = headers[name];
    if (typeof v === 'string' && v.trim() !== '') return v.startsWith('Bearer ') || v.startsWith('bearer ') ? v.slice(7).trim() : v.trim();
  }
  if (credential.query !== undefined) {
    const q = url.indexOf('?');
    if (q !== -1) {
      const v = new URLSearchParams(url.slice(q + 1)).get(credential.query);
      if (v) return v.trim();
    }
  }
  return undefined;
}

/** The URL without the query parameter that carried the key. */
export function withoutQueryKey(url: string, param: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = new URLSearchParams(url.slice(q + 1));
  if (!query.has(param)) return url;
  query.delete(param);
  const rest = query.toString();
  return rest ? `${url.slice(0, q)}?${rest}` : url.slice(0, q);
}

/** A cookie's value from the `Cookie` header (first occurrence), undefined when absent. */
export function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The Admin UI's session (ui-session.ts): the key in the HttpOnly session cookie, used only when the
 * request carries no key header. A state-changing request must echo the CSRF cookie in the CSRF
 * header (double submit): a cross-site page can make the browser send the cookies, not read them.
 */
function sessionToken(request: Pick<CallRequest, 'headers' | 'method'>): string | undefined {
  const cookies = request.headers.cookie;
  if (cookies === undefined) return undefined;
  const key = cookieValue(cookies, SESSION_COOKIE);
  if (key === undefined) return undefined;
  if (!SAFE_METHODS.has(request.method.toUpperCase())) {
    const expected = cookieValue(cookies, CSRF_COOKIE);
    const sent = request.headers[CSRF_HEADER];
    if (!expected || typeof sent !== 'string' || !sameText(sent, expected)) throw KernelErrors.AUTH_CSRF();
  }
  return key;
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export async function authenticate(
  hooks: KernelHooks,
  request: Pick<CallRequest, 'headers' | 'method' | 'url' | 'ip' | 'id'>,
  keyHeader?: string,
  credential?: RouteCredential,
): Promise<Principal> {
  // A plugin's in-process management call (ctx.management): the principal it acts as.
  const internal = internalCallsOf(hooks)?.principalOf(request.headers);
  if (internal) return internal;
  const presented = (credential && routeToken(request.headers, request.url, credential)) ?? presentedToken(request.headers, keyHeader) ?? sessionToken(request);
  if (presented === MALFORMED) throw KernelErrors.AUTH_MALFORMED_KEY();
  const token = presented;
  const input: AuthInput = {
    headers: request.headers,
    token,
    method: request.method,
    path: pathOf(request.url),
    ip: request.ip,
    requestId: request.id,
  };
  const principal = hooks.preAuth.isUsed() ? await hooks.preAuth.promise(input) : undefined;
  if (principal) return principal;
  if (token === undefined) throw KernelErrors.AUTH_MISSING_KEY();
  throw KernelErrors.AUTH_INVALID_KEY({ masked: maskKey(token) });
}

export type Access = 'public' | 'authenticated' | Role[];

export function assertAccess(access: Access, principal: Principal, route: string): void {
  if (access === 'public' || access === 'authenticated') return;
  if (!access.includes(principal.role)) throw KernelErrors.AUTH_FORBIDDEN({ role: principal.role, route });
}
