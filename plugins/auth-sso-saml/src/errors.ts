import { definePluginErrors } from '@sluice/plugin-sdk';

/**
 * Every refused SAML response is LiteLLM's `SAML authentication failed: <reason>` (saml_handler.py:
 * ProxyException, auth_error, param `saml_response`, 401); the reason says which check failed so an
 * operator can fix the IdP side, and never echoes the assertion.
 */
export const SamlErrors = definePluginErrors('SAML', {
  AUTHENTICATION_FAILED: {
    status: 401,
    type: 'auth_error',
    param: 'saml_response',
    message: 'SAML authentication failed: {reason}',
  },
  /** LiteLLM's wording (ui_sso.py auth_callback, ALLOWED_EMAIL_DOMAINS). */
  EMAIL_DOMAIN_NOT_ALLOWED: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'The email domain={domain}, is not an allowed email domain={allowed}. Contact your admin to change this.',
  },
  /** LiteLLM's wording (ui_sso.py auth_callback, `ui_access_mode: admin_only`). */
  UI_ACCESS_DENIED: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'User not allowed to access proxy. User role={role}, proxy mode={mode}',
  },
  BAD_REQUEST: {
    status: 400,
    type: 'invalid_request_error',
    param: 'SAMLResponse',
    message: '{reason}',
  },
  /** The IdP's metadata (SAML_IDP_METADATA_URL) could not be read: logins wait for it. */
  IDP_UNAVAILABLE: {
    status: 503,
    type: 'service_unavailable',
    param: 'None',
    message: 'SAML IdP metadata unavailable: {reason}',
  },
  /** The login could not be completed on the gateway side (user or session key creation failed). */
  LOGIN_FAILED: {
    status: 500,
    type: 'auth_error',
    param: 'None',
    message: 'SAML login failed: {reason}',
  },
});
