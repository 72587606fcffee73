/**
 * The SSO provider in use, as LiteLLM picks it (Google, else Microsoft, else generic, else Okta),
 * and its openid-client Configuration: discovered from the issuer's /.well-known/openid-configuration,
 * or built from the GENERIC_*_ENDPOINT settings (or, for Okta, the endpoints derived from
 * OKTA_ISSUER) when the provider offers no discovery document; configured endpoints always win.
 */
import * as oidc from 'openid-client';
import type { AuthSsoOidcConfig } from './config.generated.js';
import { SsoErrors } from './errors.js';

export type ProviderKind = 'google' | 'microsoft' | 'generic' | 'okta';

export interface SsoProvider {
  kind: ProviderKind;
  clientId: string;
  scope: string;
  pkce: boolean;
  /** The openid-client configuration (discovery done once, then cached; retried after a failure). */
  configuration(): Promise<oidc.Configuration>;
}

const GOOGLE_ISSUER = 'https://accounts.google.com';

export function truthy(value: boolean | string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  return ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function insecure(url: string): boolean {
  return url.startsWith('http:');
}

/** Candidate issuers for an authorization endpoint: each path prefix, longest first (Keycloak `/realms/x`, Okta `/oauth2/default`, the origin). */
export function issuerCandidates(authorizationEndpoint: string): string[] {
  const url = new URL(authorizationEndpoint);
  const parts = url.pathname.split('/').filter(Boolean);
  const out: string[] = [];
  for (let n = parts.length - 1; n >= 0; n--) out.push(`${url.origin}${n === 0 ? '' : `/${parts.slice(0, n).join('/')}`}`);
  return out;
}

async function discover(issuer: string, clientId: string, secret: string | undefined, auth: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(issuer), clientId, secret, auth, insecure(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined);
}

function cached(build: () => Promise<oidc.Configuration>): () => Promise<oidc.Configuration> {
  let pending: Promise<oidc.Configuration> | undefined;
  return () => {
    pending ??= build().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

/** The provider the config names, or undefined when no SSO client id is set (password login only). */
export function providerFrom(config: AuthSsoOidcConfig, warn: (msg: string) => void): SsoProvider | undefined {
  if (config.google_client_id) {
    const secret = config.google_client_secret;
    if (!secret) throw SsoErrors.NOT_CONFIGURED({ name: 'GOOGLE_CLIENT_SECRET' }, { param: 'GOOGLE_CLIENT_SECRET' });
    const id = config.google_client_id;
    return { kind: 'google', clientId: id, scope: 'openid email profile', pkce: true, configuration: cached(() => discover(GOOGLE_ISSUER, id, secret, oidc.ClientSecretPost(secret))) };
  }
  if (config.microsoft_client_id) {
    const secret = config.microsoft_client_secret;
    if (!secret) throw SsoErrors.NOT_CONFIGURED({ name: 'MICROSOFT_CLIENT_SECRET' }, { param: 'MICROSOFT_CLIENT_SECRET' });
    if (!config.microsoft_tenant) throw SsoErrors.NOT_CONFIGURED({ name: 'MICROSOFT_TENANT' }, { param: 'MICROSOFT_TENANT' });
    const id = config.microsoft_client_id;
    const issuer = `https://login.microsoftonline.com/${encodeURIComponent(config.microsoft_tenant)}/v2.0`;
    return {
      kind: 'microsoft',
      clientId: id,
      // User.Read lets the gateway read /me/memberOf (team ids), as LiteLLM does.
      scope: 'openid email profile User.Read',
      pkce: true,
      configuration: cached(() => discover(issuer, id, secret, oidc.ClientSecretPost(secret))),
    };
  }
  // LiteLLM: `generic_client_id or okta_client_id`, the OKTA_* settings only when GENERIC_CLIENT_ID is unset.
  if (config.generic_client_id) {
    const id = config.generic_client_id;
    const secret = config.generic_client_secret;
    if (!secret) throw SsoErrors.NOT_CONFIGURED({ name: 'GENERIC_CLIENT_SECRET' }, { param: 'GENERIC_CLIENT_SECRET' });
    if (config.generic_client_state) warn('GENERIC_CLIENT_STATE is ignored: every SSO login uses a random, single-use state');
    // LiteLLM (fastapi_sso) authenticates with HTTP Basic unless GENERIC_INCLUDE_CLIENT_ID puts the client in the body.
    const auth = truthy(config.generic_include_client_id, false) ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
    const settings: OidcSettings = {
      prefix: 'GENERIC',
      clientId: id,
      secret,
      auth,
      issuer: config.generic_issuer,
      endpoints: endpointsOf(config.generic_authorization_endpoint, config.generic_token_endpoint, config.generic_userinfo_endpoint),
    };
    requireIssuerOrEndpoints(settings);
    return {
      kind: 'generic',
      clientId: id,
      scope: config.generic_scope ?? 'openid email profile',
      pkce: truthy(config.generic_client_use_pkce, true),
      configuration: cached(() => oidcConfiguration(settings, warn)),
    };
  }
  if (config.okta_client_id) {
    const id = config.okta_client_id;
    const secret = config.okta_client_secret || undefined;
    const pkce = truthy(config.okta_client_use_pkce, true);
    // A public Okta client (no secret) is allowed only with PKCE, as in LiteLLM.
    if (!secret && !pkce) throw SsoErrors.NOT_CONFIGURED({ name: 'OKTA_CLIENT_SECRET' }, { param: 'OKTA_CLIENT_SECRET' });
    const settings: OidcSettings = {
      prefix: 'OKTA',
      clientId: id,
      secret,
      // Okta's default token_endpoint_auth_method is client_secret_basic; a public client sends only client_id.
      auth: secret ? oidc.ClientSecretBasic(secret) : oidc.None(),
      issuer: config.okta_issuer,
      endpoints: endpointsOf(config.okta_authorization_endpoint, config.okta_token_endpoint, config.okta_userinfo_endpoint),
      derived: oktaEndpoints,
    };
    requireIssuerOrEndpoints(settings);
    return { kind: 'okta', clientId: id, scope: config.okta_scope ?? OKTA_SCOPE, pkce, configuration: cached(() => oidcConfiguration(settings, warn)) };
  }
  return undefined;
}

/** LiteLLM's Okta default scope (`groups` feeds role and team mappings). */
export const OKTA_SCOPE = 'openid email profile groups';

type Endpoints = Partial<Pick<oidc.ServerMetadata, 'authorization_endpoint' | 'token_endpoint' | 'userinfo_endpoint'>>;

/** One OIDC client (GENERIC_* or OKTA_*): discovery from the issuer, configured endpoints on top. */
interface OidcSettings {
  /** The settings' environment prefix, for messages. */
  prefix: 'GENERIC' | 'OKTA';
  clientId: string;
  secret: string | undefined;
  auth: oidc.ClientAuth;
  issuer: string | undefined;
  /** Configured endpoints: they win over discovered or derived ones. */
  endpoints: Endpoints;
  /** Endpoints derived from the issuer when it serves no discovery document (Okta's layout); unset: discovery must work. */
  derived?: (issuer: string) => oidc.ServerMetadata;
}

function endpointsOf(authorization: string | undefined, token: string | undefined, userinfo: string | undefined): Endpoints {
  return { ...(authorization && { authorization_endpoint: authorization }), ...(token && { token_endpoint: token }), ...(userinfo && { userinfo_endpoint: userinfo }) };
}

function requireIssuerOrEndpoints(s: OidcSettings): void {
  if (s.issuer) return;
  const missing = (['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint'] as const).filter((n) => !s.endpoints[n]);
  if (missing.length === 0) return;
  // Okta derives every endpoint from OKTA_ISSUER: that is the setting to ask for.
  const name = s.prefix === 'OKTA' ? 'OKTA_ISSUER' : `GENERIC_${missing[0]!.toUpperCase()}`;
  throw SsoErrors.NOT_CONFIGURED({ name }, { param: name });
}

/**
 * Okta's endpoints under an issuer, as LiteLLM derives them (`<issuer>/v1/authorize`, `/v1/token`,
 * `/v1/userinfo`) for a custom authorization server (`https://acme.okta.com/oauth2/default`). An
 * org authorization server's issuer is the bare org URL, whose endpoints live under `/oauth2/v1/`.
 */
export function oktaEndpoints(issuer: string): oidc.ServerMetadata {
  const iss = issuer.replace(/\/+$/, '');
  const path = new URL(iss).pathname;
  const base = /(^|\/)oauth2(\/|$)/.test(path) ? iss : `${iss}/oauth2`;
  return {
    issuer: iss,
    authorization_endpoint: `${base}/v1/authorize`,
    token_endpoint: `${base}/v1/token`,
    userinfo_endpoint: `${base}/v1/userinfo`,
    jwks_uri: `${base}/v1/keys`,
    end_session_endpoint: `${base}/v1/logout`,
  };
}

/** The request never got an HTTP answer (refused, DNS, timeout): try again later rather than guess endpoints. */
function unreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_)/.test(code)) return true;
  }
  return false;
}

async function oidcConfiguration(s: OidcSettings, warn: (msg: string) => void): Promise<oidc.Configuration> {
  const { clientId: id, secret, auth } = s;
  if (s.issuer) {
    const issuer = s.issuer.replace(/\/+$/, '');
    try {
      const found = await discover(issuer, id, secret, auth);
      return withEndpoints(found.serverMetadata(), id, secret, auth, s.endpoints);
    } catch (err) {
      if (!s.derived || unreachable(err)) throw err;
      warn(`no OpenID discovery document at ${s.prefix}_ISSUER (${issuer}/.well-known/openid-configuration): using the endpoints derived from it`);
      return withEndpoints(s.derived(issuer), id, secret, auth, s.endpoints);
    }
  }
  // No issuer: every endpoint is configured; the issuer is found from the authorization endpoint's path prefixes.
  for (const issuer of issuerCandidates(s.endpoints.authorization_endpoint!)) {
    try {
      const found = await discover(issuer, id, secret, auth);
      // Configured endpoints win over discovered ones (LiteLLM reads only the configured ones).
      if (found.serverMetadata().authorization_endpoint === s.endpoints.authorization_endpoint) return withEndpoints(found.serverMetadata(), id, secret, auth, s.endpoints);
    } catch {
      // Not an issuer: try the next prefix.
    }
  }
  warn(`no OpenID discovery document matches ${s.prefix}_AUTHORIZATION_ENDPOINT: the ID token is checked against its origin as issuer (set ${s.prefix}_ISSUER)`);
  return withEndpoints({ issuer: new URL(s.endpoints.authorization_endpoint!).origin }, id, secret, auth, s.endpoints);
}

function withEndpoints(meta: oidc.ServerMetadata, id: string, secret: string | undefined, auth: oidc.ClientAuth, endpoints: Endpoints): oidc.Configuration {
  const server: oidc.ServerMetadata = { ...meta, ...endpoints };
  const out = new oidc.Configuration(server, id, secret, auth);
  if ([server.issuer, server.authorization_endpoint, server.token_endpoint, server.userinfo_endpoint, server.jwks_uri].some((u) => typeof u === 'string' && insecure(u))) {
    oidc.allowInsecureRequests(out);
  }
  return out;
}
