import { definePluginErrors } from '@sluice/plugin-sdk';

/** LiteLLM's wording where LiteLLM has one (ui_sso.py, login_utils.py). */
export const SsoErrors = definePluginErrors('SSO', {
  /** LiteLLM: HTTP 401 from /sso/callback. */
  EMAIL_DOMAIN: {
    status: 401,
    type: 'auth_error',
    message: 'The email domain={domain}, is not an allowed email domain={allowed}. Contact your admin to change this.',
  },
  NO_RESULT: { status: 401, type: 'auth_error', message: 'Result not returned by SSO provider.' },
  /** A callback without a known, unused state: forged, replayed or expired. */
  BAD_STATE: {
    status: 401,
    type: 'auth_error',
    param: 'state',
    message: 'SSO login failed: the state is unknown, expired or already used. Start again at /sso/key/generate.',
  },
  /** The callback came from a browser that did not start this login (login CSRF / session fixation). */
  OTHER_BROWSER: {
    status: 401,
    type: 'auth_error',
    param: 'state',
    message: 'SSO login failed: this login was not started in this browser. Start again at /sso/key/generate.',
  },
  TOO_MANY_STARTS: { status: 429, type: 'rate_limit_error', message: 'Too many SSO logins started from this address. Try again in {seconds} seconds.' },
  CODE_REPLAYED: { status: 401, type: 'auth_error', param: 'code', message: 'SSO login failed: this authorization code was already used.' },
  PROVIDER_ERROR: { status: 401, type: 'auth_error', message: 'SSO login failed: {reason}' },
  IDP_UNREACHABLE: { status: 503, type: 'service_unavailable', message: 'SSO provider unavailable: {reason}' },
  NOT_CONFIGURED: {
    status: 500,
    type: 'auth_error',
    message: '{name} not set. Set it in .env file',
  },
  NO_SSO: {
    status: 404,
    type: 'not_found_error',
    message: 'Unknown SSO provider. Please setup SSO with client IDs https://docs.litellm.ai/docs/proxy/admin_ui_sso',
  },
  /** LiteLLM: ui_access_mode admin_only. */
  UI_ACCESS: {
    status: 401,
    type: 'auth_error',
    message: 'User not allowed to access proxy. User role={role}, proxy mode={mode}',
  },
  LOGIN_FAILED: { status: 500, type: 'auth_error', message: 'UI login failed: {reason}' },
});

export const LoginErrors = definePluginErrors('UI_LOGIN', {
  /** LiteLLM's login_utils.authenticate_user. */
  INVALID_CREDENTIALS: {
    status: 401,
    type: 'auth_error',
    param: 'invalid_credentials',
    message: "Invalid credentials used to access UI.\nCheck 'UI_USERNAME', 'UI_PASSWORD' in .env file",
  },
  MISSING_FIELDS: { status: 400, type: 'invalid_request_error', message: 'Please enter your username / password' },
  NO_PASSWORD: {
    status: 500,
    type: 'auth_error',
    param: 'UI_PASSWORD',
    message: 'set Proxy master key to use UI. https://docs.litellm.ai/docs/proxy/virtual_keys. If set, use `--detailed_debug` to debug issue.',
  },
  TOO_MANY_FAILURES: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Too many failed login attempts from this address. Try again in {seconds} seconds.',
  },
});
