/**
 * auth-jwt's refusals, in LiteLLM's words (litellm/proxy/auth/handle_jwt.py and the way
 * user_api_key_auth turns an exception into a ProxyException: a plain exception becomes 401
 * "Authentication Error, <message>", an HTTPException keeps its status and detail).
 */
import { definePluginErrors } from '@sluice/plugin-sdk';

export const JwtErrors = definePluginErrors('JWT', {
  /** PyJWT's ExpiredSignatureError, as LiteLLM reports it. */
  EXPIRED: { status: 401, type: 'expired_key', param: null, message: 'Token Expired' },
  /** Everything jwt.decode refuses (signature, algorithm, audience, issuer, nbf…): PyJWT's reason. */
  INVALID: { status: 401, type: 'auth_error', param: 'None', message: 'Authentication Error, Validation fails: {reason}' },
  /** jwt.get_unverified_header's refusals (a header that is not base64url JSON). */
  MALFORMED: { status: 401, type: 'auth_error', param: 'None', message: 'Authentication Error, {reason}' },
  NO_MATCHING_KEY: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, No matching public key found. keys={urls}, kid={kid}',
  },
  /** JWT auth on without a JWKS URL (LiteLLM's JWTHandler refuses each token with this). */
  NO_PUBLIC_KEY_URL: { status: 401, type: 'auth_error', param: 'None', message: 'Authentication Error, Missing JWT Public Key URL from environment.' },
  /** Sluice's bound on a presented token (LiteLLM has none). */
  TOO_LARGE: { status: 401, type: 'auth_error', param: 'None', message: 'Authentication Error, Validation fails: the token is {size} bytes, more than the {max} accepted' },
  JWKS_UNAVAILABLE: {
    status: 503,
    type: 'auth_provider_unavailable',
    param: 'None',
    message:
      "Service Unavailable, the identity provider's JWKS endpoint is temporarily unreachable, so the JWT signature could not be verified. Please retry shortly. Error: {reason}",
  },
  ADMIN_ROUTE: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, Admin not allowed to access this route. Route={route}, Allowed Routes={allowed}',
  },
  TEAM_ROUTE: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, Team not allowed to access this route. Route={route}, Allowed Routes={allowed}',
  },
  /** LiteLLM's wording and status for general_settings.admin_only_routes (as governance-tenancy's for virtual keys). */
  ADMIN_ONLY_ROUTE: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, user not allowed to access this route. Route={route} is an admin only route',
  },
  NO_TEAM: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: "Authentication Error, No team found in token. Checked team_id field '{field}' and team_alias field 'None'.",
  },
  TEAM_NOT_IN_TOKEN: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: "x-litellm-team-id '{team}' does not resolve to a team id or a unique team alias in your JWT's allowed teams. Allowed team ids: {allowed}",
  },
  RBAC_UNMATCHED: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: 'Unmatched token passed in. enforce_rbac is set to True. Token must belong to a proxy admin, team, or user.',
  },
  RBAC_NO_ID: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: 'No user or team id found in token. enforce_rbac is set to True. Token must belong to a proxy admin, team, or user.',
  },
  RBAC_ROUTE: { status: 403, type: 'auth_error', param: 'None', message: 'Role={role} not allowed to call route={route}. Allowed routes={allowed}' },
  RBAC_MODEL: { status: 403, type: 'auth_error', param: 'model', message: 'Role={role} not allowed to call model={model}. Allowed models={allowed}' },
  SCOPE_MODEL: { status: 403, type: 'auth_error', param: 'model', message: 'model={model} not allowed. Allowed_models={allowed}' },
  EMAIL_DOMAIN: {
    status: 403,
    type: 'auth_error',
    param: 'user_email',
    message: 'Email domain not allowed. User email: {email}. Allowed domain: {domain}',
  },
  /** governance-tenancy (which maps identities onto users and teams) is not enabled. */
  NO_DIRECTORY: {
    status: 503,
    type: 'service_unavailable',
    param: 'None',
    message: 'JWT auth needs the governance-tenancy plugin to map a token onto its user and team; it is not enabled',
  },
});
