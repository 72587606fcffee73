/**
 * SCIM's error shape (RFC 7644 §3.12): `{"schemas": [Error], "status": "404", "scimType", "detail"}`
 * with `application/scim+json`. Identity providers parse this body, not the OpenAI envelope, so
 * every SCIM route answers its refusals in it. The codes are declared with `definePluginErrors`
 * (so they are listed with the gateway's other errors); `scimError` renders one the SCIM way.
 */
import { definePluginErrors, isVerdict, type RouteResult } from '@sluice/plugin-sdk';

export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 `scimType` values this server uses. */
export type ScimType = 'invalidFilter' | 'invalidSyntax' | 'invalidValue' | 'invalidPath' | 'noTarget' | 'uniqueness' | 'mutability' | 'tooMany';

export const ScimErrors = definePluginErrors('SCIM', {
  INVALID_FILTER: { status: 400, type: 'invalid_request_error', param: 'filter', message: 'Invalid filter: {reason}' },
  INVALID_SYNTAX: { status: 400, type: 'invalid_request_error', message: '{reason}' },
  INVALID_VALUE: { status: 400, type: 'invalid_request_error', message: '{reason}' },
  INVALID_PATH: { status: 400, type: 'invalid_request_error', message: '{reason}' },
  /** LiteLLM's wording (scim_v2.py `_check_user_exists`). */
  USER_NOT_FOUND: { status: 404, type: 'not_found_error', message: 'User not found with ID: {id}' },
  /** LiteLLM's wording (scim_v2.py `_check_team_exists`). */
  GROUP_NOT_FOUND: { status: 404, type: 'not_found_error', message: 'Group not found with ID: {id}' },
  NOT_FOUND: { status: 404, type: 'not_found_error', message: '{what} not found: {id}' },
  /** LiteLLM's wording (scim_v2.py `create_user`). */
  USER_EXISTS: { status: 409, type: 'invalid_request_error', message: 'User already exists with username: {userName}' },
  /** LiteLLM's wording (scim_v2.py `create_group`). */
  GROUP_EXISTS: { status: 409, type: 'invalid_request_error', message: 'Group already exists with ID: {id}' },
  FORBIDDEN: {
    status: 403,
    type: 'auth_error',
    message: 'SCIM needs a proxy_admin key, or a key with allowed_routes ["/scim/*"] created by a proxy admin; this key has the role {role}.',
  },
  /** What the management API answered when it refused a step, passed on with its status. */
  REFUSED_400: { status: 400, type: 'invalid_request_error', message: '{detail}' },
  REFUSED_403: { status: 403, type: 'auth_error', message: '{detail}' },
  REFUSED_404: { status: 404, type: 'not_found_error', message: '{detail}' },
  REFUSED_409: { status: 409, type: 'invalid_request_error', message: '{detail}' },
  UPSTREAM: { status: 502, type: 'api_error', message: 'The gateway refused a provisioning step ({route} answered {status}): {detail}' },
});

const SCIM_TYPES: Record<string, ScimType> = {
  SCIM_INVALID_FILTER: 'invalidFilter',
  SCIM_INVALID_SYNTAX: 'invalidSyntax',
  SCIM_INVALID_VALUE: 'invalidValue',
  SCIM_INVALID_PATH: 'invalidPath',
  SCIM_USER_EXISTS: 'uniqueness',
  SCIM_GROUP_EXISTS: 'uniqueness',
};

export function scimErrorBody(status: number, detail: string, scimType?: ScimType): Record<string, unknown> {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType && { scimType }), detail };
}

/**
 * Renders what a SCIM handler threw: a verdict keeps its status and message; a 400 from the
 * management API is an `invalidValue`; anything else (a fault) is rethrown for the gateway to
 * report with the plugin id.
 */
export function scimError(err: unknown): RouteResult {
  if (!isVerdict(err)) throw err;
  const e = err as { status: number; message: string; code?: string };
  const scimType: ScimType | undefined = (e.code ? SCIM_TYPES[e.code] : undefined) ?? (e.status === 409 ? 'uniqueness' : e.status === 400 ? 'invalidValue' : undefined);
  return { status: e.status, contentType: SCIM_CONTENT_TYPE, body: scimErrorBody(e.status, e.message, scimType) };
}
