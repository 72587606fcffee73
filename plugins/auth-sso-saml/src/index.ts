/**
 * SAML 2.0 single sign-on for the Admin UI (LiteLLM's SAML_* settings). Three routes:
 * `GET /sso/saml/metadata` (the SP metadata an IdP admin imports), `GET /sso/saml/login` (redirects
 * the browser to the IdP with a fresh AuthnRequest) and the ACS, `POST /sso/saml/acs` (the IdP's
 * HTTP-POST answer). A verified login finds or creates the user through the management API and
 * answers a UI session (cookies) with a redirect to the UI.
 */
import {
  countSsoUser,
  definePlugin,
  isSecureRequest,
  isVerdict,
  parseDuration,
  PluginConfigError,
  uiLogin,
  UiLoginError,
  type Role,
  type RouteDefinition,
  type RouteRequest,
} from '@sluice/plugin-sdk';
import type { AuthSsoSamlConfig } from './config.generated.js';
import { SamlErrors } from './errors.js';
import { allowedDomains, mapIdentity } from './identity-mapping.js';
import { IdpMetadataSource, type IdpMetadata } from './idp-metadata.js';
import { SamlRequestStore } from './request-store.js';
import { ServiceProvider } from './service-provider.js';

const PLUGIN_ID = 'auth-sso-saml';
const UI_HOME = '/ui/';
/** SAML bindings §3.4.3 / §3.5.3: RelayState must not exceed 80 bytes. */
const MAX_RELAY_STATE = 80;
/** A signed response with a few dozen attributes is a few KiB; Entra's with many groups, tens. */
const MAX_ACS_BODY = 512 * 1024;

/** IdP consoles show the certificate body only; node-saml takes that or PEM. */
function certificates(setting: string | string[] | undefined): string[] {
  return (Array.isArray(setting) ? setting : setting === undefined ? [] : [setting]).map((c) => c.trim()).filter(Boolean);
}

function baseUrlOf(config: AuthSsoSamlConfig): string {
  return config.proxy_base_url!.trim().replace(/\/+$/, '');
}

/** A RelayState we follow after login: a path on this gateway only (never `//host` or a scheme). */
function safeReturnPath(value: string | undefined | null): string {
  if (!value || value.length > MAX_RELAY_STATE) return UI_HOME;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || /[\u0000-\u001f\u007f]/.test(value)) return UI_HOME;
  return value;
}

function queryValue(query: RouteRequest['query'], name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function checkSamlConfig(config: AuthSsoSamlConfig): void {
  const fromMetadata = config.idp_metadata_url !== undefined;
  if (!config.idp_sso_url && !fromMetadata) throw new PluginConfigError('idp_sso_url', 'SAML_IDP_SSO_URL not set. Set it in .env file');
  if (certificates(config.idp_cert).length === 0 && !fromMetadata) throw new PluginConfigError('idp_cert', 'SAML_IDP_X509_CERT not set. Set it in .env file');
  if (!config.proxy_base_url) throw new PluginConfigError('proxy_base_url', 'PROXY_BASE_URL not set. Required for SAML SSO redirects');
  if (!/^https?:\/\/[^/]/i.test(config.proxy_base_url.trim())) throw new PluginConfigError('proxy_base_url', 'PROXY_BASE_URL must be an http(s) URL');
  if ((config.sp_private_key === undefined) !== (config.sp_cert === undefined)) {
    throw new PluginConfigError('sp_private_key', 'SAML_SP_PRIVATE_KEY and SAML_SP_X509_CERT must be set together (the metadata publishes the certificate of the signing key)');
  }
  if (config.session_duration !== undefined && parseDuration(config.session_duration) === undefined) {
    throw new PluginConfigError('session_duration', `not a duration: ${config.session_duration}`);
  }
}

/** Retry a failed IdP metadata read after this long, not on every login. */
const METADATA_RETRY_MS = 60_000;

export default definePlugin<AuthSsoSamlConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  checkConfig(config) {
    checkSamlConfig(config);
    return [];
  },
  setup(ctx, config) {
    checkSamlConfig(config);
    const base = baseUrlOf(config);
    const acsPath = config.acs_path ?? '/sso/saml/acs';
    const acsUrl = `${base}${acsPath}`;
    const clockSkewMs = (config.clock_skew_seconds ?? 60) * 1000;
    const requestTtlMs = (config.request_ttl_seconds ?? 600) * 1000;
    const sessionSeconds = Math.floor(parseDuration(config.session_duration ?? '24h')! / 1000);
    const domains = allowedDomains(config.allowed_email_domains);
    const secure = isSecureRequest({ headers: {}, baseUrl: base });
    if (config.sp_private_key) ctx.secrets.redact(config.sp_private_key);

    const store = new SamlRequestStore(ctx.counters, requestTtlMs);
    if (ctx.counters.kind === 'memory') {
      ctx.log.info('SAML request IDs and used assertions are kept in this process: behind several instances set REDIS_URL so any instance can take the IdP answer');
    }
    const spOptions = {
      spEntityId: config.sp_entity_id ?? `${base}/sso/saml/metadata`,
      acsUrl,
      nameIdFormat: config.name_id_format ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      ...(config.sp_private_key !== undefined && { spPrivateKey: config.sp_private_key }),
      ...(config.sp_cert !== undefined && { spCert: config.sp_cert }),
    };
    const metadataXml = ServiceProvider.metadata(spOptions);

    // Read on first need (the gateway starts while the IdP is unreachable), then refreshed.
    const idpMetadata =
      config.idp_metadata_url !== undefined
        ? new IdpMetadataSource({
            url: config.idp_metadata_url,
            refreshMs: (config.idp_metadata_refresh_seconds ?? 86_400) * 1000,
            retryMs: METADATA_RETRY_MS,
            http: ctx.http,
            log: ctx.log,
            now: () => ctx.now(),
          })
        : undefined;

    let sp: ServiceProvider | undefined;
    async function serviceProvider(): Promise<ServiceProvider> {
      if (sp) return sp;
      let fromIdp: IdpMetadata | undefined;
      try {
        fromIdp = await idpMetadata?.current();
      } catch (e) {
        throw SamlErrors.IDP_UNAVAILABLE({ reason: (e as Error).message });
      }
      const explicitCerts = certificates(config.idp_cert);
      const ssoUrl = config.idp_sso_url ?? fromIdp?.ssoUrl;
      if (!ssoUrl) throw SamlErrors.IDP_UNAVAILABLE({ reason: 'the IdP metadata names no SingleSignOnService for the HTTP-Redirect binding; set SAML_IDP_SSO_URL' });
      const idpEntityId = config.idp_entity_id ?? fromIdp?.entityId;
      sp ??= new ServiceProvider({
        ...spOptions,
        idpSsoUrl: ssoUrl,
        ...(idpEntityId !== undefined && { idpEntityId }),
        idpCerts: explicitCerts.length > 0 ? explicitCerts : () => idpMetadata?.certificates() ?? [],
        wantResponseSigned: config.want_response_signed ?? false,
        clockSkewMs,
        requestTtlMs,
        maxAssertionLifetimeMs: (config.max_assertion_lifetime_seconds ?? 3600) * 1000,
        store,
        now: () => ctx.now(),
      });
      return sp;
    }

    async function acs(request: RouteRequest) {
      const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
      if (!contentType.startsWith('application/x-www-form-urlencoded')) {
        throw SamlErrors.BAD_REQUEST({ reason: 'The ACS takes the HTTP-POST binding: an application/x-www-form-urlencoded form with SAMLResponse' });
      }
      const form = new URLSearchParams(Buffer.from(request.body as Uint8Array).toString('utf8'));
      const samlResponse = form.get('SAMLResponse');
      if (!samlResponse) throw SamlErrors.BAD_REQUEST({ reason: 'SAMLResponse is missing from the form' });

      const login = await (await serviceProvider()).verify(samlResponse);
      let identity;
      try {
        identity = mapIdentity(login, config);
      } catch (e) {
        throw SamlErrors.AUTHENTICATION_FAILED({ reason: (e as Error).message });
      }
      if (domains) {
        const domain = identity.email?.split('@')[1]?.toLowerCase();
        // LiteLLM skips the check for a user without email; a domain allow-list that an IdP can
        // bypass by omitting the email is no allow-list, so such a user is refused here.
        if (!domain || !domains.includes(domain)) {
          throw SamlErrors.EMAIL_DOMAIN_NOT_ALLOWED({ domain: domain ?? 'None', allowed: `[${domains.map((d) => `'${d}'`).join(', ')}]` });
        }
      }

      const management = ctx.management;
      if (!management) throw SamlErrors.LOGIN_FAILED({ reason: 'the gateway management API is not available' });
      const defaults = ctx.settings.litellm_settings.default_internal_user_params;
      const newUser = defaults && typeof defaults === 'object' ? (defaults as Record<string, unknown>) : undefined;
      const uiAccessMode = ctx.settings.general_settings.ui_access_mode;
      let result;
      try {
        result = await uiLogin(management, identity, {
          sessionSeconds,
          secure,
          via: PLUGIN_ID,
          newUser,
          admit(role: Role | undefined) {
            if (uiAccessMode === 'admin_only' && role !== 'proxy_admin' && role !== 'proxy_admin_viewer') {
              throw SamlErrors.UI_ACCESS_DENIED({ role: role ?? 'None', mode: 'admin_only' });
            }
          },
        });
      } catch (e) {
        if (isVerdict(e)) throw e;
        if (e instanceof UiLoginError) throw SamlErrors.LOGIN_FAILED({ reason: `${e.step} answered ${e.status}: ${e.detail}` });
        throw e;
      }
      for (const failed of result.teamsFailed) {
        ctx.log.debug({ team_id: failed.team_id, status: failed.status }, 'SAML group is not a team the user could join');
      }
      ctx.log.info({ user_id: result.userId, role: result.role, created: result.created, teams_added: result.teamsAdded, idp: login.issuer }, 'SAML login');
      // SSO is free for up to `free_sso_users` users without a license: counted here, enforced by the license plugin.
      await countSsoUser(ctx.kv, ctx.log, result.userId, { free: config.free_sso_users, now: ctx.now() });
      return {
        status: 303,
        headers: { location: safeReturnPath(form.get('RelayState')), 'set-cookie': result.cookies, 'cache-control': 'no-store' },
        body: '',
      };
    }

    const routes: RouteDefinition[] = [
      {
        method: 'GET',
        url: '/sso/saml/metadata',
        access: 'public',
        summary: 'SAML 2.0 service provider metadata (entity ID, ACS URL, NameID format, signing certificate).',
        tags: ['sso'],
        handler: async () => ({ status: 200, contentType: 'application/xml', body: metadataXml }),
      },
      {
        method: 'GET',
        url: '/sso/saml/login',
        access: 'public',
        summary: 'Starts a SAML login: redirects to the IdP with an AuthnRequest (HTTP-Redirect binding).',
        tags: ['sso'],
        handler: async (request) => {
          const returnTo = safeReturnPath(queryValue(request.query, 'redirect') ?? queryValue(request.query, 'return_to'));
          const location = await (await serviceProvider()).loginUrl(returnTo);
          return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
        },
      },
      {
        method: 'POST',
        url: acsPath,
        access: 'public',
        body: 'raw',
        maxBodyBytes: MAX_ACS_BODY,
        summary: 'SAML Assertion Consumer Service (HTTP-POST binding): verifies the response and signs the user in.',
        tags: ['sso'],
        handler: acs,
      },
    ];
    return {
      routes,
      async close() {
        idpMetadata?.close();
      },
    };
  },
});
