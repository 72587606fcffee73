/* eslint-disable */
/**
 * GENERATED from plugins/auth-sso-oidc/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * SSO (OIDC) and password login for the Admin UI and the management API, with LiteLLM's environment names.
 */
export interface AuthSsoOidcConfig {
  /**
   * Google OAuth client id (GOOGLE_CLIENT_ID). Set: Google is the SSO provider (it wins over Microsoft and generic, as in LiteLLM).
   */
  google_client_id?: string;
  /**
   * Google OAuth client secret (GOOGLE_CLIENT_SECRET).
   */
  google_client_secret?: string;
  /**
   * Microsoft Entra application (client) id (MICROSOFT_CLIENT_ID).
   */
  microsoft_client_id?: string;
  /**
   * Microsoft Entra client secret (MICROSOFT_CLIENT_SECRET).
   */
  microsoft_client_secret?: string;
  /**
   * Microsoft Entra tenant id (MICROSOFT_TENANT); required with MICROSOFT_CLIENT_ID.
   */
  microsoft_tenant?: string;
  /**
   * Read the user's group ids from Microsoft Graph (/me/memberOf) as team ids, as LiteLLM does, when the ID token has no `groups` claim.
   */
  microsoft_graph_groups?: boolean;
  /**
   * Client id at any OIDC provider (GENERIC_CLIENT_ID): Okta, Keycloak, Auth0, Authentik…
   */
  generic_client_id?: string;
  /**
   * Client secret at the generic provider (GENERIC_CLIENT_SECRET).
   */
  generic_client_secret?: string;
  /**
   * Authorization endpoint (GENERIC_AUTHORIZATION_ENDPOINT).
   */
  generic_authorization_endpoint?: string;
  /**
   * Token endpoint (GENERIC_TOKEN_ENDPOINT).
   */
  generic_token_endpoint?: string;
  /**
   * Userinfo endpoint (GENERIC_USERINFO_ENDPOINT): its claims are mapped with the GENERIC_USER_*_ATTRIBUTE names.
   */
  generic_userinfo_endpoint?: string;
  /**
   * The provider's issuer URL (GENERIC_ISSUER, a Sluice addition). Its /.well-known/openid-configuration supplies endpoints and the ID token issuer; when unset, the issuer is discovered from GENERIC_AUTHORIZATION_ENDPOINT's path prefixes.
   */
  generic_issuer?: string;
  /**
   * Space-separated scopes (GENERIC_SCOPE).
   */
  generic_scope?: string;
  /**
   * LiteLLM's static `state` (GENERIC_CLIENT_STATE). Accepted for compatibility but not used: every login gets a random single-use state.
   */
  generic_client_state?: string;
  /**
   * Send client_id and client_secret in the token request body (client_secret_post) instead of HTTP Basic (GENERIC_INCLUDE_CLIENT_ID).
   */
  generic_include_client_id?: boolean | string;
  /**
   * Send a PKCE S256 challenge (GENERIC_CLIENT_USE_PKCE). Default true here (LiteLLM: false); set false only for a provider that rejects PKCE.
   */
  generic_client_use_pkce?: boolean | string;
  /**
   * Claim holding the user id (GENERIC_USER_ID_ATTRIBUTE); dot paths allowed.
   */
  generic_user_id_attribute?: string;
  /**
   * Claim holding the email (GENERIC_USER_EMAIL_ATTRIBUTE).
   */
  generic_user_email_attribute?: string;
  /**
   * Claim holding the display name (GENERIC_USER_DISPLAY_NAME_ATTRIBUTE).
   */
  generic_user_display_name_attribute?: string;
  /**
   * Claim holding the first name (GENERIC_USER_FIRST_NAME_ATTRIBUTE).
   */
  generic_user_first_name_attribute?: string;
  /**
   * Claim holding the last name (GENERIC_USER_LAST_NAME_ATTRIBUTE).
   */
  generic_user_last_name_attribute?: string;
  /**
   * Claim whose value is a LiteLLM role name (GENERIC_USER_ROLE_ATTRIBUTE); a value that is not a role is ignored.
   */
  generic_user_role_attribute?: string;
  /**
   * Claim naming the upstream provider (GENERIC_USER_PROVIDER_ATTRIBUTE), stored as the user's metadata.auth_provider.
   */
  generic_user_provider_attribute?: string;
  /**
   * Claim holding the user's groups (GENERIC_ROLE_MAPPINGS_GROUP_CLAIM), for generic_role_mappings_roles.
   */
  generic_role_mappings_group_claim?: string;
  /**
   * LiteLLM role → IdP group names (GENERIC_ROLE_MAPPINGS_ROLES or GENERIC_USER_ROLE_MAPPINGS; a JSON or Python dict string is accepted), e.g. {"proxy_admin": ["admins"], "internal_user": ["staff"]}. The most privileged matching role wins.
   */
  generic_role_mappings_roles?:
    | {
        [k: string]: string[];
      }
    | string;
  /**
   * Role for a user none of whose groups is mapped (GENERIC_ROLE_MAPPINGS_DEFAULT_ROLE).
   */
  generic_role_mappings_default_role?:
    'proxy_admin' | 'proxy_admin_viewer' | 'org_admin' | 'internal_user' | 'internal_user_viewer';
  /**
   * Okta OIDC application client id (OKTA_CLIENT_ID). Set: Okta is the SSO provider unless Google, Microsoft or GENERIC_CLIENT_ID is set (LiteLLM's order).
   */
  okta_client_id?: string;
  /**
   * Okta client secret (OKTA_CLIENT_SECRET). Not needed with PKCE (a public client, token_endpoint_auth_method none); sent with HTTP Basic when set.
   */
  okta_client_secret?: string;
  /**
   * Okta authorization server issuer (OKTA_ISSUER), e.g. https://acme.okta.com/oauth2/default. Its /.well-known/openid-configuration supplies the endpoints; without a discovery document they are derived: <issuer>/v1/authorize, /v1/token, /v1/userinfo, /v1/keys (an org issuer without /oauth2 in its path: <issuer>/oauth2/v1/…).
   */
  okta_issuer?: string;
  /**
   * Space-separated scopes for Okta (OKTA_SCOPE).
   */
  okta_scope?: string;
  /**
   * Send a PKCE S256 challenge to Okta (OKTA_CLIENT_USE_PKCE). Default true, as LiteLLM's Okta provider.
   */
  okta_client_use_pkce?: boolean | string;
  /**
   * Explicit Okta authorization endpoint (OKTA_AUTHORIZATION_ENDPOINT); wins over the discovered or derived one.
   */
  okta_authorization_endpoint?: string;
  /**
   * Explicit Okta token endpoint (OKTA_TOKEN_ENDPOINT); wins over the discovered or derived one.
   */
  okta_token_endpoint?: string;
  /**
   * Explicit Okta userinfo endpoint (OKTA_USERINFO_ENDPOINT); wins over the discovered or derived one.
   */
  okta_userinfo_endpoint?: string;
  /**
   * Claim holding the team ids the user joins on login (LiteLLM's general_settings.litellm_jwtauth.team_ids_jwt_field); each is added with /team/member_add.
   */
  team_ids_jwt_field?: string;
  /**
   * IdP group → team id: a user in the group joins the team on login (a Sluice addition; teams must exist).
   */
  teams_from_groups?: {
    [k: string]: string;
  };
  /**
   * The gateway's public URL (PROXY_BASE_URL): the redirect URI is `<PROXY_BASE_URL>/sso/callback`. Unset: taken from the request's Host. An https URL also marks session cookies Secure.
   */
  proxy_base_url?: string;
  /**
   * Where /logout sends the browser (PROXY_LOGOUT_URL), e.g. the IdP's logout page. Default: /ui/.
   */
  proxy_logout_url?: string;
  /**
   * Email domains allowed to sign in with SSO (ALLOWED_EMAIL_DOMAINS, comma-separated).
   */
  allowed_email_domains?: string | string[];
  /**
   * The user id that gets proxy_admin on login (PROXY_ADMIN_ID); also the user of the UI_USERNAME/UI_PASSWORD login.
   */
  proxy_admin_id?: string;
  /**
   * Password-login user name (UI_USERNAME).
   */
  ui_username?: string;
  /**
   * Password-login password (UI_PASSWORD). Unset: the master key.
   */
  ui_password?: string;
  /**
   * The master key (general_settings.master_key, SLUICE_MASTER_KEY, LITELLM_MASTER_KEY): the UI password when UI_PASSWORD is unset.
   */
  master_key?: string;
  /**
   * Lifetime of a UI session and its key (LITELLM_UI_SESSION_DURATION): `30m`, `8h`, `1d`…
   */
  ui_session_duration?: string;
  /**
   * How long a started SSO login (state, nonce, PKCE verifier) may take to come back to /sso/callback.
   */
  state_ttl_seconds?: number;
  /**
   * SSO logins one client address may start per minute (each stores a pending login); past it /sso/key/generate answers 429.
   */
  login_starts_per_minute?: number;
  /**
   * Failed password logins allowed per client IP in login_failure_window_seconds; past it /login answers 429.
   */
  login_max_failures?: number;
  /**
   * The window failed password logins are counted in.
   */
  login_failure_window_seconds?: number;
  /**
   * SSO users allowed without a license (LiteLLM: 5). Past it each new SSO user is logged with a warning (the license plugin enforces it).
   */
  free_sso_users?: number;
  /**
   * Where a successful login lands.
   */
  ui_path?: string;
}
