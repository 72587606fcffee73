/**
 * SSO (OIDC) and password login for the Admin UI and the management API, at LiteLLM's routes:
 * `/sso/key/generate` starts an authorization code + PKCE login (state, nonce and verifier kept
 * server-side, single use), `/sso/callback` finishes it (code exchanged, ID token nonce checked,
 * userinfo read, claims mapped), creates or updates the user through the management API and ends
 * in a session cookie holding a short-lived key of that user (never in the URL). `/login` and
 * `/fallback/login` take UI_USERNAME / UI_PASSWORD; `/logout` deletes the session key.
 */
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import {
  countSsoUser,
  definePlugin,
  isSecureRequest,
  isVerdict,
  parseCookies,
  SESSION_COOKIE,
  uiLogin,
  UiLoginError,
  uiLogout,
  type ManagementClient,
  type PluginContext,
  type Role,
  type RouteDefinition,
  type RouteRequest,
  type RouteResult,
  type UiIdentity,
} from '@sluice/plugin-sdk';
import type { AuthSsoOidcConfig } from './config.generated.js';
import {
  claim,
  emailDomain,
  genericUser,
  googleUser,
  microsoftUser,
  parseRoleMappings,
  pythonList,
  roleOf,
  stringList,
  userIdOf,
  type Claims,
  type GenericAttributes,
  type RoleRules,
  type SsoUser,
} from './claims.js';
import { LoginErrors, SsoErrors } from './errors.js';
import { LoginStates } from './login-state.js';
import { FailedLogins, loginPage, readLoginForm, sameSecret } from './password-login.js';
import { providerFrom, type SsoProvider } from './providers.js';

export { SsoErrors, LoginErrors } from './errors.js';

const PLUGIN_ID = 'auth-sso-oidc';
/** LiteLLM's LITELLM_PROXY_ADMIN_NAME: the user of the UI_USERNAME/UI_PASSWORD login. */
const DEFAULT_ADMIN_USER = 'default_user_id';
const GRAPH_MEMBER_OF = 'https://graph.microsoft.com/v1.0/me/memberOf';
/** LiteLLM's Okta claim names: the stable `sub` is the user id, the issuer the auth provider. */
export const OKTA_ATTRIBUTES: GenericAttributes = { id: 'sub', email: 'email', displayName: 'name', firstName: 'given_name', lastName: 'family_name', provider: 'iss' };

/** LiteLLM's duration strings (`24h`, `30m`, `1d`, `3600s`, `24hr`) in seconds. */
export function durationSeconds(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|w|mo)?\s*$/i.exec(value);
  if (!m) throw new Error(`invalid duration "${value}" (use 30m, 8h, 1d…)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const mult: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600, d: 86400, w: 604800, mo: 2592000 };
  return Math.round(n * mult[unit]!);
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function headerOf(req: RouteRequest, name: string): string | undefined {
  return first(req.headers[name] as string | string[] | undefined);
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const desc = (err as { error_description?: unknown }).error_description;
    const code = (err as { error?: unknown }).error;
    if (typeof code === 'string') return typeof desc === 'string' ? `${code}: ${desc}` : code;
    // openid-client wraps oauth4webapi's error, which names the claim that failed (nonce, iss, aud…).
    const cause = err.cause;
    return cause instanceof Error && cause.message !== err.message ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

/** The cookie binding a started SSO login to the browser that started it (sent back only to /sso/…). */
const LOGIN_COOKIE = 'sluice_sso_login';

function loginCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${LOGIN_COOKIE}=${value}; Path=/sso/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function clearedLoginCookie(secure: boolean): string {
  return `${LOGIN_COOKIE}=; Path=/sso/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function redirect(location: string, cookies: string[] = [], status = 303): RouteResult {
  return { status, headers: { location, 'cache-control': 'no-store', ...(cookies.length > 0 && { 'set-cookie': cookies }) }, body: '' };
}

export default definePlugin<AuthSsoOidcConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx: PluginContext, config: AuthSsoOidcConfig) {
    const provider = providerFrom(config, (m) => ctx.log.warn(m));
    const sessionSeconds = durationSeconds(config.ui_session_duration ?? '24h');
    const stateTtlSeconds = config.state_ttl_seconds ?? 600;
    const states = new LoginStates(ctx.kv, stateTtlSeconds * 1000);
    const failures = new FailedLogins(ctx.counters, config.login_max_failures ?? 10, (config.login_failure_window_seconds ?? 900) * 1000);
    const uiPath = config.ui_path ?? '/ui/';
    const allowedDomains = stringList(config.allowed_email_domains)
      .map((d) => d.trim())
      .filter(Boolean);
    const roleRules: RoleRules = {
      roleAttribute: provider?.kind === 'generic' || provider?.kind === 'okta' ? (config.generic_user_role_attribute ?? 'role') : 'roles',
      groupClaim: config.generic_role_mappings_group_claim,
      mappings: parseRoleMappings(config.generic_role_mappings_roles),
      defaultRole: config.generic_role_mappings_default_role as Role | undefined,
    };
    const uiPassword = config.ui_password ?? config.master_key;
    if (config.ui_password) ctx.secrets.redact(config.ui_password);
    if (provider) ctx.log.info({ provider: provider.kind }, 'SSO login enabled at /sso/key/generate');

    const management = (): ManagementClient => {
      if (!ctx.management) throw SsoErrors.LOGIN_FAILED({ reason: 'the management API is not available' });
      return ctx.management;
    };
    const secure = (req: RouteRequest): boolean =>
      isSecureRequest({ headers: req.headers, baseUrl: config.proxy_base_url, trustForwardedProto: Boolean(ctx.settings.general_settings.use_x_forwarded_for) });
    /** PROXY_BASE_URL, else the URL the client used (LiteLLM: request.base_url). */
    const baseUrl = (req: RouteRequest): string => {
      if (config.proxy_base_url) return config.proxy_base_url.replace(/\/+$/, '');
      const proto = secure(req) ? 'https' : 'http';
      return `${proto}://${headerOf(req, 'host') ?? 'localhost'}`;
    };
    const newUserDefaults = (): Record<string, unknown> => {
      const d = ctx.settings.litellm_settings.default_internal_user_params;
      return d && typeof d === 'object' && !Array.isArray(d) ? structuredClone(d as Record<string, unknown>) : {};
    };
    const admitRole = (role: Role | undefined): void => {
      const mode = ctx.settings.general_settings.ui_access_mode;
      if (mode === 'admin_only' && role !== 'proxy_admin' && role !== 'proxy_admin_viewer') throw SsoErrors.UI_ACCESS({ role: role ?? 'None', mode });
    };

    const login = async (identity: UiIdentity, req: RouteRequest, sso = true): Promise<string[]> => {
      try {
        const result = await uiLogin(management(), identity, {
          sessionSeconds,
          secure: secure(req),
          via: PLUGIN_ID,
          // default_internal_user_params are for users SSO creates, not for the UI_USERNAME admin.
          newUser: sso ? newUserDefaults() : {},
          admit: admitRole,
        });
        for (const f of result.teamsFailed) ctx.log.warn({ team_id: f.team_id, status: f.status, message: f.message }, 'SSO user could not be added to a team');
        ctx.log.info({ user_id: result.userId, role: result.role, created: result.created, teams_added: result.teamsAdded }, 'UI login');
        return result.cookies;
      } catch (err) {
        if (isVerdict(err)) throw err;
        if (err instanceof UiLoginError) throw SsoErrors.LOGIN_FAILED({ reason: `${err.step} answered ${err.status}: ${err.detail}` });
        throw err;
      }
    };

    /** SSO stays free for `free_sso_users` users: counted here (the SDK's countSsoUser), enforced by the license plugin. */
    const countUser = async (userId: string): Promise<void> => {
      await countSsoUser(ctx.kv, ctx.log, userId, { free: config.free_sso_users, now: ctx.now() });
    };

    const start = async (req: RouteRequest, debug: boolean): Promise<RouteResult> => {
      if (!provider) {
        if (debug) throw SsoErrors.NO_SSO();
        return redirect('/fallback/login', [], 302);
      }
      const started = await ctx.counters.hit(`auth-sso-oidc:starts:${req.ip}`, 60_000, 1, config.login_starts_per_minute ?? 60);
      if (!started.allowed) throw SsoErrors.TOO_MANY_STARTS({ seconds: Math.ceil(started.resetMs / 1000) }, { headers: { 'retry-after': String(Math.ceil(started.resetMs / 1000)) } });
      const configuration = await discovered(provider);
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const verifier = provider.pkce ? oidc.randomPKCECodeVerifier() : undefined;
      const redirectUri = `${baseUrl(req)}/sso/${debug ? 'debug/' : ''}callback`;
      // Bound to this browser by a cookie, so a callback URL handed to someone else logs nobody in.
      const browser = oidc.randomState();
      await states.put(state, { nonce, verifier, redirectUri, debug, startedAt: ctx.now(), browser: sha(browser) });
      // Expired rows are removed when the namespace is listed: now and then, not per request.
      if (Math.random() < 0.02) void ctx.kv.list('state:', 1).catch(() => undefined);
      const params: Record<string, string> = { redirect_uri: redirectUri, scope: provider.scope, state, nonce, response_type: 'code' };
      if (verifier) {
        params.code_challenge = await oidc.calculatePKCECodeChallenge(verifier);
        params.code_challenge_method = 'S256';
      }
      return redirect(oidc.buildAuthorizationUrl(configuration, params).href, [loginCookie(browser, stateTtlSeconds, secure(req))], 302);
    };

    const discovered = async (p: SsoProvider): Promise<oidc.Configuration> => {
      try {
        return await p.configuration();
      } catch (err) {
        ctx.log.error({ err: errorText(err) }, 'SSO provider discovery failed');
        throw SsoErrors.IDP_UNREACHABLE({ reason: errorText(err) });
      }
    };

    /** The verified claims of a callback: state taken once, code used once, token exchange, nonce, userinfo. */
    const finish = async (req: RouteRequest, debug: boolean): Promise<{ claims: Claims; accessToken: string }> => {
      if (!provider) throw SsoErrors.NO_SSO();
      const error = first(req.query.error);
      const state = first(req.query.state);
      if (error) {
        // Still burn the state: the login is over.
        if (state) await states.take(state, ctx.now());
        throw SsoErrors.PROVIDER_ERROR({ reason: [error, first(req.query.error_description)].filter(Boolean).join(': ') });
      }
      if (!state) throw SsoErrors.BAD_STATE();
      const pending = await states.take(state, ctx.now());
      if (!pending || pending.debug !== debug) throw SsoErrors.BAD_STATE();
      const presented = parseCookies(headerOf(req, 'cookie'))[LOGIN_COOKIE];
      if (!presented || !sameSecret(sha(presented), pending.browser)) throw SsoErrors.OTHER_BROWSER();
      const code = first(req.query.code);
      if (!code) throw SsoErrors.PROVIDER_ERROR({ reason: 'the provider sent no authorization code' });
      // A code is good for one login even where the IdP would accept it twice.
      const uses = await ctx.counters.incrBy(`auth-sso-oidc:code:${sha(code)}`, 1, 3_600_000);
      if (uses > 1) throw SsoErrors.CODE_REPLAYED();
      const configuration = await discovered(provider);
      const current = new URL(pending.redirectUri);
      const q = (req.url ?? '').indexOf('?');
      current.search = q === -1 ? '' : (req.url ?? '').slice(q);
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(configuration, current, {
          expectedState: state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
          ...(pending.verifier && { pkceCodeVerifier: pending.verifier }),
        });
      } catch (err) {
        ctx.log.warn({ err: errorText(err) }, 'SSO code exchange refused');
        throw SsoErrors.PROVIDER_ERROR({ reason: errorText(err) });
      }
      const idClaims = (tokens.claims() ?? {}) as Claims;
      let userinfo: Claims = {};
      if (configuration.serverMetadata().userinfo_endpoint) {
        try {
          userinfo = (await oidc.fetchUserInfo(configuration, tokens.access_token, typeof idClaims.sub === 'string' ? idClaims.sub : oidc.skipSubjectCheck)) as Claims;
        } catch (err) {
          throw SsoErrors.PROVIDER_ERROR({ reason: `userinfo: ${errorText(err)}` });
        }
      }
      return { claims: { ...idClaims, ...userinfo }, accessToken: tokens.access_token };
    };

    const microsoftGroups = async (claims: Claims, accessToken: string): Promise<string[]> => {
      const inToken = stringList(claims.groups);
      if (inToken.length > 0 || config.microsoft_graph_groups === false) return inToken;
      const out: string[] = [];
      let next: string | undefined = GRAPH_MEMBER_OF;
      for (let page = 0; next && page < 50; page++) {
        try {
          const res: Response = await fetch(next, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
          if (!res.ok) break;
          const body = (await res.json()) as { value?: Array<{ id?: string }>; '@odata.nextLink'?: string };
          for (const o of body.value ?? []) if (o.id) out.push(o.id);
          next = body['@odata.nextLink'];
        } catch (err) {
          ctx.log.warn({ err: errorText(err) }, 'reading groups from Microsoft Graph failed');
          break;
        }
      }
      return out;
    };

    const ssoUserOf = async (claims: Claims, accessToken: string): Promise<SsoUser> => {
      const kind = provider!.kind;
      const base =
        kind === 'google'
          ? googleUser(claims)
          : kind === 'microsoft'
            ? microsoftUser(claims)
            : kind === 'okta'
              ? genericUser(claims, OKTA_ATTRIBUTES)
              : genericUser(claims, {
                  id: config.generic_user_id_attribute ?? 'preferred_username',
                  email: config.generic_user_email_attribute ?? 'email',
                  displayName: config.generic_user_display_name_attribute ?? 'sub',
                  firstName: config.generic_user_first_name_attribute ?? 'first_name',
                  lastName: config.generic_user_last_name_attribute ?? 'last_name',
                  provider: config.generic_user_provider_attribute ?? 'provider',
                });
      const teamIds = new Set<string>(stringList(claim(claims, config.team_ids_jwt_field)));
      if (kind === 'microsoft') for (const g of await microsoftGroups(claims, accessToken)) teamIds.add(g);
      if (config.teams_from_groups) {
        const groups = new Set(stringList(claim(claims, config.generic_role_mappings_group_claim ?? 'groups')));
        for (const [group, team] of Object.entries(config.teams_from_groups)) if (groups.has(group)) teamIds.add(team);
      }
      return { ...base, role: roleOf(claims, roleRules), teamIds: [...teamIds] };
    };

    const callback = async (req: RouteRequest): Promise<RouteResult> => {
      const { claims, accessToken } = await finish(req, false);
      const user = await ssoUserOf(claims, accessToken);
      if (allowedDomains.length > 0) {
        // LiteLLM skips the check when the IdP sends no email; an allow-list the IdP can bypass by
        // omitting the email is none, so such a user is refused here (as the SAML plugin does).
        const domain = user.email ? emailDomain(user.email) : 'None';
        if (!allowedDomains.some((d) => d.toLowerCase() === domain.toLowerCase())) {
          throw SsoErrors.EMAIL_DOMAIN({ domain, allowed: pythonList(allowedDomains) });
        }
      }
      const userId = userIdOf(user);
      if (!userId) throw SsoErrors.NO_RESULT();
      const role: Role | undefined = config.proxy_admin_id !== undefined && config.proxy_admin_id === userId ? 'proxy_admin' : user.role;
      const cookies = await login(
        {
          userId,
          email: user.email,
          // LiteLLM's generic display name defaults to `sub`: only a configured attribute names the user.
          displayName: provider?.kind !== 'generic' || config.generic_user_display_name_attribute ? user.displayName : undefined,
          ssoUserId: user.subject ?? userId,
          role,
          teams: user.teamIds,
          // LiteLLM's insert_sso_user: metadata.auth_provider.
          ...(user.provider && { metadata: { auth_provider: user.provider } }),
        },
        req,
      );
      await countUser(userId);
      return redirect(`${uiPath}?login=success`, [...cookies, clearedLoginCookie(secure(req))]);
    };

    const debugCallback = async (req: RouteRequest): Promise<RouteResult> => {
      const { claims, accessToken } = await finish(req, true);
      const user = await ssoUserOf(claims, accessToken);
      return { status: 200, headers: { 'set-cookie': [clearedLoginCookie(secure(req))], 'cache-control': 'no-store' }, body: { claims, mapped: { ...user, user_id: userIdOf(user) ?? null } } };
    };

    const passwordLogin = async (req: RouteRequest): Promise<RouteResult> => {
      await failures.check(req.ip);
      const form = readLoginForm(req);
      if (!uiPassword) throw LoginErrors.NO_PASSWORD();
      const userOk = sameSecret(form.username, config.ui_username ?? 'admin');
      const passOk = sameSecret(form.password, uiPassword);
      if (!(userOk && passOk)) {
        await failures.fail(req.ip);
        ctx.log.warn({ ip: req.ip, username: form.username }, 'failed UI password login');
        throw LoginErrors.INVALID_CREDENTIALS();
      }
      // LiteLLM: the UI_USERNAME login is the proxy admin, as PROXY_ADMIN_ID or `default_user_id`.
      const userId = config.proxy_admin_id ?? DEFAULT_ADMIN_USER;
      const cookies = await login({ userId, role: 'proxy_admin' }, req, false);
      const target = `${uiPath}?login=success`;
      if (form.json) {
        return {
          status: 200,
          headers: { 'set-cookie': cookies, 'cache-control': 'no-store' },
          body: { redirect_url: target, user_id: userId, user_role: 'proxy_admin', login_method: 'username_password' },
        };
      }
      return redirect(target, cookies);
    };

    const logout = async (req: RouteRequest): Promise<RouteResult> => {
      const key = parseCookies(headerOf(req, 'cookie'))[SESSION_COOKIE];
      let cookies: string[];
      try {
        ({ cookies } = await uiLogout(management(), key, { secure: secure(req) }));
      } catch (err) {
        ctx.log.warn({ err: errorText(err) }, 'deleting the UI session key failed');
        ({ cookies } = await uiLogout({ request: async () => ({ status: 204, headers: {}, body: undefined }) }, undefined, { secure: secure(req) }));
      }
      return redirect(config.proxy_logout_url ?? uiPath, cookies);
    };

    const loginForm = async (): Promise<RouteResult> => ({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      headers: { 'cache-control': 'no-store' },
      body: loginPage('/login', provider ? 'Password login (SSO is enabled: this is the fallback).' : undefined),
    });

    const routes: RouteDefinition[] = [
      { method: 'GET', url: '/sso/key/generate', access: 'public', summary: 'Start an SSO login (redirects to the identity provider)', handler: (req) => start(req, false) },
      { method: 'GET', url: '/sso/callback', access: 'public', summary: 'Finish an SSO login: session cookie, then the Admin UI', handler: callback },
      { method: 'GET', url: '/sso/debug/login', access: 'public', summary: 'Start an SSO login that only shows the mapped claims', handler: (req) => start(req, true) },
      { method: 'GET', url: '/sso/debug/callback', access: 'public', summary: "The identity provider's claims and how they map", handler: debugCallback },
      { method: 'POST', url: '/login', body: 'raw', access: 'public', summary: 'Password login (UI_USERNAME / UI_PASSWORD or the master key)', handler: passwordLogin },
      { method: 'POST', url: '/v2/login', body: 'raw', access: 'public', summary: "Password login, JSON (LiteLLM's UI): the session is in the cookies, not the body", handler: passwordLogin },
      { method: 'GET', url: '/fallback/login', access: 'public', summary: 'Password login form (works while SSO is on)', handler: loginForm },
      { method: 'POST', url: '/fallback/login', body: 'raw', access: 'public', summary: 'Password login', handler: passwordLogin },
      { method: ['GET', 'POST'], url: '/logout', access: 'public', summary: 'End the UI session: delete its key, clear the cookies', handler: logout },
    ];
    return { routes };
  },
});
