/**
 * The Admin UI session, shared by the SSO plugins (OIDC, SAML) and password login: a login ends in
 * a short-lived virtual key of the user held in an HttpOnly cookie, plus a CSRF cookie the UI's
 * JavaScript echoes in a header on state-changing calls (the kernel checks both). No Node imports:
 * this entry is bundled into sandboxes too (`crypto.getRandomValues` is the web API).
 */
import type { KvStore, Logger } from './capabilities.js';
import type { ManagementClient } from './management-client.js';
import type { Role } from './hook-contexts.js';

/** Cookie holding the session's virtual key (HttpOnly). */
export const SESSION_COOKIE = 'sluice_session';
/** Cookie holding the CSRF token (readable by the UI's JavaScript). */
export const CSRF_COOKIE = 'sluice_csrf';
/** Header that must equal the CSRF cookie on POST/PUT/PATCH/DELETE made with a session cookie. */
export const CSRF_HEADER = 'x-sluice-csrf';

export interface SessionCookieOptions {
  maxAgeSeconds: number;
  /** Adds `Secure` (the request came over TLS, or PROXY_BASE_URL is https). */
  secure: boolean;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** base64url without padding; no Buffer/btoa so it runs in a sandbox. */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += B64URL[(n >> 6) & 63]!;
    if (i + 2 < bytes.length) out += B64URL[n & 63]!;
  }
  return out;
}

/** 32 random bytes, base64url: a fresh CSRF token. */
export function newCsrfToken(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return base64url(bytes);
}

function cookie(name: string, value: string, maxAge: number, httpOnly: boolean, secure: boolean): string {
  const parts = [`${name}=${value}`, 'Path=/', `Max-Age=${Math.max(0, Math.floor(maxAge))}`];
  if (maxAge <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (httpOnly) parts.push('HttpOnly');
  // Lax, not Strict: the IdP's redirect back to /sso/callback is a top-level cross-site GET.
  parts.push('SameSite=Lax');
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** Set-Cookie values for a new session: the key (HttpOnly) and a fresh CSRF token (readable). */
export function sessionCookies(key: string, opts: SessionCookieOptions): string[] {
  return [
    cookie(SESSION_COOKIE, encodeURIComponent(key), opts.maxAgeSeconds, true, opts.secure),
    cookie(CSRF_COOKIE, newCsrfToken(), opts.maxAgeSeconds, false, opts.secure),
  ];
}

/** Set-Cookie values that delete both session cookies (logout). */
export function clearedSessionCookies(opts: { secure?: boolean } = {}): string[] {
  return [cookie(SESSION_COOKIE, '', 0, true, opts.secure ?? false), cookie(CSRF_COOKIE, '', 0, false, opts.secure ?? false)];
}

/** The cookies of a `cookie` request header (first value of each name wins, values URI-decoded). */
export function parseCookies(header: string | readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Array.isArray(header) ? header.join('; ') : ((header as string | undefined) ?? '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}

/**
 * Whether the session cookies should carry `Secure`: PROXY_BASE_URL is https, or the request came
 * over TLS as told by `x-forwarded-proto: https` when the caller trusts the hop that set it
 * (`trustForwardedProto`, e.g. LiteLLM's `use_x_forwarded_for` with trusted proxies).
 */
export function isSecureRequest(input: {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  baseUrl?: string | undefined;
  trustForwardedProto?: boolean;
  tls?: boolean;
}): boolean {
  if (input.tls) return true;
  if (input.baseUrl && /^https:/i.test(input.baseUrl.trim())) return true;
  if (!input.trustForwardedProto) return false;
  const raw = input.headers['x-forwarded-proto'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  // The nearest hop appends last; with a trusted proxy in front, its value is the last one.
  const proto = value?.split(',').pop()?.trim().toLowerCase();
  return proto === 'https';
}

/** A user proven by an SSO provider or a password login. */
export interface UiIdentity {
  /** The internal user id (LiteLLM: the IdP's user id attribute, or `PROXY_ADMIN_ID`). */
  userId: string;
  email?: string | undefined;
  displayName?: string | undefined;
  /** The IdP's subject, stored as the user's `sso_user_id`. */
  ssoUserId?: string | undefined;
  /** A role the login grants (IdP role mapping, `PROXY_ADMIN_ID`): set on the user when it differs. Absent: the stored role (or the default for a new user). */
  role?: Role | undefined;
  /** Teams the user is made a member of (`/team/member_add`, role `user`) when not already. */
  teams?: readonly string[] | undefined;
  /** Metadata of a user created here (LiteLLM: `{auth_provider}`), merged over the defaults' metadata. */
  metadata?: Record<string, unknown> | undefined;
}

export interface UiLoginOptions {
  /** Lifetime of the session key and cookies. */
  sessionSeconds: number;
  secure: boolean;
  /** The plugin doing the login (`auth-sso-oidc`): recorded in the session key's metadata. */
  via: string;
  /** Fields for a user created on first login (`litellm_settings.default_internal_user_params`). */
  newUser?: Record<string, unknown> | undefined;
  /** Create the user when it does not exist (default true). */
  createUser?: boolean;
  /**
   * Called with the user's final role before the session key is issued (LiteLLM's
   * `ui_access_mode: admin_only`): throw a verdict to refuse the login.
   */
  admit?(role: Role | undefined, userId: string): void | Promise<void>;
}

export interface UiLoginResult {
  userId: string;
  role: Role | undefined;
  /** The user did not exist and was created by this login. */
  created: boolean;
  /** The session key (the secret: put it in a cookie only). */
  key: string;
  /** Set-Cookie values for the answer. */
  cookies: string[];
  /** Teams the user was added to by this login. */
  teamsAdded: string[];
  /** Teams that could not be joined (unknown team…), with the management API's answer status. */
  teamsFailed: Array<{ team_id: string; status: number; message: string }>;
}

/** A management call that did not succeed (the status and LiteLLM-format message it answered). */
export class UiLoginError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`UI login failed at ${step}: ${status} ${detail}`);
    this.name = 'UiLoginError';
  }
}

function messageOf(body: unknown): string {
  const err = (body as { error?: { message?: unknown } } | undefined)?.error;
  if (err && typeof err.message === 'string') return err.message;
  return typeof body === 'string' ? body : JSON.stringify(body ?? null);
}

/**
 * The shared end of every UI login: finds or creates the user (with `newUser` defaults), applies
 * the granted role and team memberships, issues a session key of that user (`/key/generate` with
 * `metadata.ui_session`) and answers the Set-Cookie values. Everything goes through the gateway's
 * management routes, so validation and the audit trail apply.
 */
export async function uiLogin(management: ManagementClient, identity: UiIdentity, options: UiLoginOptions): Promise<UiLoginResult> {
  const userId = identity.userId;
  const info = await management.request({ method: 'GET', path: `/user/info?user_id=${encodeURIComponent(userId)}` });
  let created = false;
  let role: Role | undefined;
  let memberOf: string[] = [];
  if (info.status === 404) {
    if (options.createUser === false) throw new UiLoginError('/user/info', 404, messageOf(info.body));
    const defaults = { ...(options.newUser ?? {}) };
    const body: Record<string, unknown> = {
      ...defaults,
      user_id: userId,
      auto_create_key: false,
    };
    if (identity.email) body.user_email = identity.email;
    if (identity.displayName && body.user_alias === undefined) body.user_alias = identity.displayName;
    if (identity.ssoUserId) body.sso_user_id = identity.ssoUserId;
    if (identity.metadata) {
      const base = defaults.metadata && typeof defaults.metadata === 'object' ? (defaults.metadata as Record<string, unknown>) : {};
      body.metadata = { ...base, ...identity.metadata };
    }
    // LiteLLM: an SSO user created without a role (nor one in default_internal_user_params) is a viewer.
    if (identity.role) body.user_role = identity.role;
    else if (body.user_role === undefined || body.user_role === null) body.user_role = 'internal_user_viewer';
    const res = await management.request({ method: 'POST', path: '/user/new', body });
    if (res.status >= 300) throw new UiLoginError('/user/new', res.status, messageOf(res.body));
    created = true;
    role = body.user_role as Role;
  } else if (info.status >= 300) {
    throw new UiLoginError('/user/info', info.status, messageOf(info.body));
  } else {
    const user = (info.body as { user_info?: { user_role?: Role; user_email?: string | null; teams?: string[] } }).user_info ?? {};
    role = user.user_role;
    memberOf = Array.isArray(user.teams) ? user.teams : [];
    const update: Record<string, unknown> = {};
    if (identity.role && identity.role !== role) update.user_role = identity.role;
    if (identity.email && !user.user_email) update.user_email = identity.email;
    if (Object.keys(update).length > 0) {
      const res = await management.request({ method: 'POST', path: '/user/update', body: { user_id: userId, ...update } });
      if (res.status >= 300) throw new UiLoginError('/user/update', res.status, messageOf(res.body));
      if (update.user_role) role = update.user_role as Role;
    }
  }

  const teamsAdded: string[] = [];
  const teamsFailed: UiLoginResult['teamsFailed'] = [];
  for (const teamId of new Set(identity.teams ?? [])) {
    if (memberOf.includes(teamId)) continue;
    const res = await management.request({ method: 'POST', path: '/team/member_add', body: { team_id: teamId, member: { role: 'user', user_id: userId } } });
    if (res.status < 300) teamsAdded.push(teamId);
    else teamsFailed.push({ team_id: teamId, status: res.status, message: messageOf(res.body) });
  }

  await options.admit?.(role, userId);
  const seconds = Math.max(60, Math.floor(options.sessionSeconds));
  const keyRes = await management.request({
    method: 'POST',
    path: '/key/generate',
    body: { user_id: userId, duration: `${seconds}s`, metadata: { ui_session: true, login_via: options.via } },
  });
  const key = (keyRes.body as { key?: unknown } | undefined)?.key;
  if (keyRes.status >= 300 || typeof key !== 'string') throw new UiLoginError('/key/generate', keyRes.status, messageOf(keyRes.body));
  return {
    userId,
    role,
    created,
    key,
    cookies: sessionCookies(key, { maxAgeSeconds: seconds, secure: options.secure }),
    teamsAdded,
    teamsFailed,
  };
}

/** LiteLLM's rule: SSO is free for up to 5 users without a license. */
export const FREE_SSO_USERS = 5;
/** kv prefix of the SSO user rows (one per user, keyed by the SHA-256 of its id, base64url). */
const SSO_USER_PREFIX = 'sso-user:';
/** Rows listed at most to count them (past the free tier a rough count is enough for the warning). */
const SSO_USER_COUNT_LIMIT = 1000;

/**
 * Counts a signed-in SSO user (LiteLLM's free tier: `FREE_SSO_USERS` without a license): a user
 * seen for the first time gets a row in the plugin's kv, and each new user past `free` is logged
 * with a warning; the license plugin enforces the limit. Answers the number of SSO users when this
 * one is new, `undefined` for a returning user (one kv read). The kv is the calling plugin's: each
 * SSO plugin counts its own users.
 */
export async function countSsoUser(
  kv: KvStore,
  log: Pick<Logger, 'warn'>,
  userId: string,
  opts: { free?: number | undefined; now: number },
): Promise<number | undefined> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(userId)));
  const key = `${SSO_USER_PREFIX}${base64url(digest)}`;
  if ((await kv.get(key)) !== null) return undefined;
  await kv.set(key, JSON.stringify({ first_login: opts.now }));
  const count = (await kv.list(SSO_USER_PREFIX, SSO_USER_COUNT_LIMIT)).length;
  const free = opts.free ?? FREE_SSO_USERS;
  if (count > free) log.warn({ sso_users: count, free }, `SSO is free for up to ${free} users without a license: ${count} SSO users have signed in`);
  return count;
}

/** The logout side: deletes the session key (best effort) and answers the clearing Set-Cookie values. */
export async function uiLogout(management: ManagementClient, key: string | undefined, opts: { secure?: boolean } = {}): Promise<{ deleted: boolean; cookies: string[] }> {
  let deleted = false;
  if (key) {
    const res = await management.request({ method: 'POST', path: '/key/delete', body: { keys: [key] } });
    deleted = res.status < 300;
  }
  return { deleted, cookies: clearedSessionCookies(opts) };
}
