/* eslint-disable */
/**
 * GENERATED from plugins/auth-sso-saml/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * SAML 2.0 service provider for the Admin UI and the management API: SP metadata, SP-initiated login (HTTP-Redirect AuthnRequest), an Assertion Consumer Service (HTTP-POST) that requires signed assertions and checks audience, recipient, destination, InResponseTo, replay and validity windows, then signs the user in with a UI session.
 */
export interface AuthSsoSamlConfig {
  /**
   * URL of the IdP's SAML metadata (Entra's App Federation Metadata Url, Okta's Metadata URL): the SSO URL, entity ID and signing certificates are read from it when not set here, and re-read every `idp_metadata_refresh_seconds` (certificate rollovers). Not a LiteLLM setting: SAML_IDP_METADATA_URL.
   */
  idp_metadata_url?: string;
  /**
   * How often the IdP metadata is read again; a failed read keeps the last one and is retried after a minute.
   */
  idp_metadata_refresh_seconds?: number;
  /**
   * The IdP's Single Sign-On URL (HTTP-Redirect binding) AuthnRequests are sent to. LiteLLM: SAML_IDP_SSO_URL.
   */
  idp_sso_url?: string;
  /**
   * The IdP's entity ID. When set, the assertion's Issuer must equal it. LiteLLM: SAML_IDP_ENTITY_ID.
   */
  idp_entity_id?: string;
  /**
   * The IdP's signing certificate(s): PEM, or the bare base64 body as IdP consoles show it. Several (a list) during a certificate rollover. LiteLLM: SAML_IDP_X509_CERT.
   */
  idp_cert?: string | [string, ...string[]];
  /**
   * The gateway's public base URL (scheme, host, optional path prefix): the ACS URL, the default SP entity ID and the recipient/destination checks are built from it. LiteLLM: PROXY_BASE_URL.
   */
  proxy_base_url?: string;
  /**
   * This service provider's entity ID (the Audience the IdP must put in assertions). Default `<proxy_base_url>/sso/saml/metadata`, as LiteLLM. LiteLLM: SAML_ENTITY_ID.
   */
  sp_entity_id?: string;
  /**
   * Path of the Assertion Consumer Service (HTTP-POST binding) under the gateway. LiteLLM: SAML_ACS_PATH.
   */
  acs_path?: string;
  /**
   * The NameID format requested in AuthnRequests and announced in the SP metadata. LiteLLM: SAML_NAME_ID_FORMAT.
   */
  name_id_format?: string;
  /**
   * Optional SP private key (PEM): AuthnRequests are then signed (SHA-256) and the metadata says so. LiteLLM: SAML_SP_PRIVATE_KEY.
   */
  sp_private_key?: string;
  /**
   * Certificate (PEM) of `sp_private_key`, published in the SP metadata as the signing key. LiteLLM: SAML_SP_X509_CERT.
   */
  sp_cert?: string;
  /**
   * Also require the Response element to be signed (assertions must always be signed).
   */
  want_response_signed?: boolean;
  /**
   * Clock difference tolerated between the IdP and the gateway when checking NotBefore / NotOnOrAfter.
   */
  clock_skew_seconds?: number;
  /**
   * How long an AuthnRequest this gateway issued may be answered (its ID is remembered in the shared counters for this long).
   */
  request_ttl_seconds?: number;
  /**
   * Upper bound on how long an assertion ID is remembered for replay detection when the assertion's NotOnOrAfter lies further in the future (a longer-lived assertion is refused).
   */
  max_assertion_lifetime_seconds?: number;
  /**
   * Attribute whose value becomes the user_id; the NameID when absent. LiteLLM: SAML_USER_ID_ATTRIBUTE.
   */
  user_id_attribute?: string;
  /**
   * Attribute holding the email; then `mail`, `urn:oid:0.9.2342.19200300.100.1.3`, Entra's emailaddress claim, then the NameID. LiteLLM: SAML_USER_EMAIL_ATTRIBUTE.
   */
  user_email_attribute?: string;
  /**
   * Attribute holding the first name. LiteLLM: SAML_USER_FIRST_NAME_ATTRIBUTE.
   */
  user_first_name_attribute?: string;
  /**
   * Attribute holding the last name. LiteLLM: SAML_USER_LAST_NAME_ATTRIBUTE.
   */
  user_last_name_attribute?: string;
  /**
   * Attribute holding the display name (else first + last name, else the email). LiteLLM: SAML_USER_DISPLAY_NAME_ATTRIBUTE.
   */
  user_display_name_attribute?: string;
  /**
   * Attribute listing the user's groups (one value per group); Entra's `http://schemas.microsoft.com/ws/2008/06/identity/claims/groups` is read too when this is absent.
   */
  groups_attribute?: string;
  /**
   * Attribute whose value is a role name (`proxy_admin`, `proxy_admin_viewer`, `internal_user`, `internal_user_viewer`) given to the user as is.
   */
  role_attribute?: string;
  /**
   * Group → role. A user in several mapped groups gets the most privileged role. Users matching nothing keep their stored role (new users: `default_internal_user_params.user_role`, else `internal_user`).
   */
  role_mappings?: {
    [k: string]: 'proxy_admin' | 'proxy_admin_viewer' | 'internal_user' | 'internal_user_viewer';
  };
  /**
   * Group → team_id: the user is made a member of the mapped teams at each login.
   */
  team_mappings?: {
    [k: string]: string;
  };
  /**
   * Groups that are not in `team_mappings` but name an existing team_id make the user a member of that team (LiteLLM's SSO group → team sync).
   */
  groups_as_teams?: boolean;
  /**
   * Only users whose email is in one of these domains may sign in (comma-separated string or list). LiteLLM: ALLOWED_EMAIL_DOMAINS.
   */
  allowed_email_domains?: string | string[];
  /**
   * The user_id (or email) that always signs in as `proxy_admin`. LiteLLM: PROXY_ADMIN_ID.
   */
  proxy_admin_id?: string;
  /**
   * Lifetime of the UI session key and cookie (LiteLLM duration syntax, e.g. `24h`).
   */
  session_duration?: string;
  /**
   * SSO users allowed without a license (LiteLLM: 5). Distinct SAML users are counted; past it each new one is logged with a warning (the license plugin enforces it).
   */
  free_sso_users?: number;
}
