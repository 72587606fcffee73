/* eslint-disable */
/**
 * GENERATED from plugins/auth-jwt/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * JWT auth for API calls (LiteLLM general_settings.enable_jwt_auth + litellm_jwtauth): tokens signed by an OpenID provider are verified against its JWKS and mapped onto users, teams, organizations and end users.
 */
export interface AuthJwtConfig {
  /**
   * LiteLLM's general_settings.enable_jwt_auth: the switch that enables this plugin (informational here).
   */
  enable_jwt_auth?: boolean;
  /**
   * JWKS URL(s) of the token issuer, comma-separated for several (LiteLLM: `litellm_jwtauth.public_key_url` or env JWT_PUBLIC_KEY_URL). A URL ending in .well-known/openid-configuration is followed to its jwks_uri.
   */
  public_key_url?: string;
  /**
   * Required `aud` of every token (LiteLLM: `litellm_jwtauth.audience` or env JWT_AUDIENCE). Unset: the audience is not checked.
   */
  audience?: string;
  /**
   * Required `iss` of every token (LiteLLM: `litellm_jwtauth.issuer` or env JWT_ISSUER). Unset: the issuer is not checked.
   */
  issuer?: string;
  /**
   * The scope (in the `scope` claim) that makes the caller a proxy_admin.
   */
  admin_jwt_scope?: string;
  /**
   * Routes an admin token may call: LiteLLM route groups (management_routes, spend_tracking_routes, global_spend_tracking_routes, info_routes, openai_routes…), paths, `*` prefixes or `{param}` patterns, matched as the router serves the path.
   */
  admin_allowed_routes?: string[];
  /**
   * Dot path of the claim holding the team id (a list: its first entry). When set, a token without it (and no team_id_default) is refused.
   */
  team_id_jwt_field?: string;
  /**
   * Dot path of a claim listing team ids (IdP groups); the call goes to the team named by x-litellm-team-id, else the first that exists.
   */
  team_ids_jwt_field?: string;
  /**
   * Team used when the token names none.
   */
  team_id_default?: string;
  /**
   * Create a team named by a token on first sight.
   */
  team_id_upsert?: boolean;
  /**
   * Routes a team token may call: LiteLLM route groups (openai_routes, info_routes, anthropic_routes, mapped_pass_through_routes, management_routes…), paths, `*` prefixes or `{param}` patterns.
   */
  team_allowed_routes?: string[];
  /**
   * LiteLLM's general_settings.admin_only_routes: routes only a proxy_admin may call. A JWT whose principal is not a proxy_admin is refused with 403 (`Route=... is an admin only route`), as governance-tenancy refuses a virtual key.
   */
  admin_only_routes?: string[] | null;
  /**
   * Dot path of the claim holding the organization id.
   */
  org_id_jwt_field?: string;
  /**
   * Dot path of the claim holding the user id (else the email from user_email_jwt_field).
   */
  user_id_jwt_field?: string;
  /**
   * Create a user named by a token on first sight (with default_internal_user_params).
   */
  user_id_upsert?: boolean;
  /**
   * Dot path of the claim holding the user's email.
   */
  user_email_jwt_field?: string;
  /**
   * Only tokens whose email is in this domain are admitted (403 otherwise).
   */
  user_allowed_email_domain?: string;
  /**
   * Dot path of the claim listing the user's roles; set together with user_allowed_roles.
   */
  user_roles_jwt_field?: string;
  /**
   * Roles (in user_roles_jwt_field) that make the caller an internal user.
   */
  user_allowed_roles?: string[];
  /**
   * Dot path of the claim holding the end user (customer) the call is made for: its budget and limits apply and its spend is tracked.
   */
  end_user_id_jwt_field?: string;
  /**
   * Dot path of the claim listing roles matched by role_mappings.
   */
  roles_jwt_field?: string;
  /**
   * Token roles (roles_jwt_field) mapped onto LiteLLM's RBAC roles; the first match wins.
   */
  role_mappings?: {
    /**
     * A role as it appears in the token.
     */
    role: string;
    /**
     * The RBAC role it maps to.
     */
    internal_role: 'proxy_admin' | 'team' | 'internal_user';
  }[];
  /**
   * Dot path of a claim holding the team id (for a team role) or user id (for an internal_user role); needs role_mappings.
   */
  object_id_jwt_field?: string;
  /**
   * Refuse tokens that map to no RBAC role, and apply role_permissions' models and routes.
   */
  enforce_rbac?: boolean;
  /**
   * LiteLLM's general_settings.role_permissions: models and routes each RBAC role may use when enforce_rbac is on.
   */
  role_permissions?: {
    /**
     * RBAC role.
     */
    role: 'proxy_admin' | 'team' | 'internal_user';
    /**
     * Models the role may call (absent: any).
     */
    models?: string[];
    /**
     * Routes the role may call (route groups or paths; absent: any).
     */
    routes?: string[];
  }[];
  /**
   * Token scopes mapped onto the models they allow (with enforce_scope_based_access).
   */
  scope_mappings?: {
    /**
     * A scope as it appears in the `scope` claim.
     */
    scope: string;
    /**
     * Models the scope allows.
     */
    models?: string[];
    /**
     * Routes of the scope (accepted as LiteLLM accepts them; not enforced by LiteLLM either).
     */
    routes?: string[];
  }[];
  /**
   * Refuse calls to models no scope of the token allows (scope_mappings).
   */
  enforce_scope_based_access?: boolean;
  /**
   * Seconds a fetched JWKS is used before it is fetched again.
   */
  public_key_ttl?: number;
  /**
   * Seconds past public_key_ttl a JWKS copy is still used while the provider cannot be reached (LiteLLM's public_key_stale_ttl; 0 fails closed). Unset: the last good copy is kept until a refresh succeeds.
   */
  public_key_stale_ttl?: number;
  /**
   * An unknown `kid` refetches a JWKS at most this often (per URL), so random kids cannot flood the issuer.
   */
  jwks_refetch_interval_seconds?: number;
  /**
   * Timeout of a JWKS fetch.
   */
  jwks_timeout_ms?: number;
  /**
   * Clock skew tolerated on exp and nbf (LiteLLM: 0).
   */
  leeway_seconds?: number;
  /**
   * Refuse tokens without an `exp` claim (LiteLLM does not).
   */
  require_exp?: boolean;
  /**
   * Longest token accepted, bytes.
   */
  max_token_bytes?: number;
  /**
   * A verified token is remembered this long (never past its exp), so a repeat call costs a hash and a map lookup.
   */
  token_cache_ttl_seconds?: number;
  /**
   * Verified tokens remembered at most (least recently used dropped first).
   */
  token_cache_max_entries?: number;
  /**
   * LiteLLM's general_settings.litellm_jwtauth block as written. Its fields are read into this plugin's own settings; a LiteLLM field Sluice does not act on is named at startup, and an unknown one too.
   */
  litellm_jwtauth?: {
    /**
     * Read into this plugin's `admin_jwt_scope`.
     */
    admin_jwt_scope?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `admin_allowed_routes`.
     */
    admin_allowed_routes?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `team_id_jwt_field`.
     */
    team_id_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `team_ids_jwt_field`.
     */
    team_ids_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `team_id_default`.
     */
    team_id_default?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `team_id_upsert`.
     */
    team_id_upsert?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `team_allowed_routes`.
     */
    team_allowed_routes?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `org_id_jwt_field`.
     */
    org_id_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `user_id_jwt_field`.
     */
    user_id_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `user_id_upsert`.
     */
    user_id_upsert?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `user_email_jwt_field`.
     */
    user_email_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `user_allowed_email_domain`.
     */
    user_allowed_email_domain?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `user_roles_jwt_field`.
     */
    user_roles_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `user_allowed_roles`.
     */
    user_allowed_roles?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `end_user_id_jwt_field`.
     */
    end_user_id_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `roles_jwt_field`.
     */
    roles_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `role_mappings`.
     */
    role_mappings?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `object_id_jwt_field`.
     */
    object_id_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `enforce_rbac`.
     */
    enforce_rbac?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `scope_mappings`.
     */
    scope_mappings?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `enforce_scope_based_access`.
     */
    enforce_scope_based_access?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `public_key_ttl`.
     */
    public_key_ttl?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    team_jwt_scope?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    upsert_sso_user_to_team?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    public_allowed_routes?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    enforce_team_based_model_access?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    custom_validate?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    jwt_litellm_role_map?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    sync_user_role_and_teams?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    team_alias_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    org_alias_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    issuers?: string | number | boolean | unknown[] | {} | null;
    /**
     * Read into this plugin's `public_key_stale_ttl`.
     */
    public_key_stale_ttl?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    oidc_userinfo_enabled?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    oidc_userinfo_endpoint?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    oidc_userinfo_cache_ttl?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    fallback_to_db_teams?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    team_claim_fallback?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    agent_id_jwt_field?: string | number | boolean | unknown[] | {} | null;
    /**
     * A LiteLLM field Sluice accepts but does not act on (named at startup).
     */
    user_allowed_email_subdomain?: string | number | boolean | unknown[] | {} | null;
  };
}
