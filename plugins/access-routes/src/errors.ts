import { definePluginErrors } from '@sluice/plugin-sdk';

export const AccessRouteErrors = definePluginErrors('ACCESS_ROUTES', {
  /** LiteLLM's wording and status (auth_utils.pre_db_read_auth_checks: general_settings.allowed_routes). */
  ROUTE_NOT_ALLOWED: { status: 403, type: 'auth_error', param: 'None', message: 'Access forbidden: Route {route} not allowed' },
  /** LiteLLM's wording (enterprise route_checks: DISABLE_ADMIN_ENDPOINTS). */
  MANAGEMENT_DISABLED: { status: 403, type: 'auth_error', param: 'None', message: 'Management routes are disabled for this instance.' },
  /** LiteLLM's wording (enterprise route_checks: DISABLE_LLM_API_ENDPOINTS). */
  LLM_API_DISABLED: { status: 403, type: 'auth_error', param: 'None', message: 'LLM API routes are disabled for this instance.' },
});
