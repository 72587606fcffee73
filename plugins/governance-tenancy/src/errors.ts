import { definePluginErrors } from '@sluice/plugin-sdk';

/** Key errors keep their `VIRTUAL_KEY_*` codes from auth-virtual-keys: clients may match on them. */
export const KeyErrors = definePluginErrors('VIRTUAL_KEY', {
  BODY_NOT_OBJECT: { status: 400, type: 'invalid_request_error', message: 'The request body of {route} must be a JSON object.' },
  UNKNOWN_FIELDS: {
    status: 400,
    type: 'invalid_request_error',
    message: '{route} does not support {fields} (yet). Supported fields: {supported}.',
  },
  INVALID_FIELD: { status: 400, type: 'invalid_request_error', message: "Invalid '{field}': {reason}" },
  KEY_REQUIRED: { status: 400, type: 'invalid_request_error', param: 'key', message: "{route} needs '{field}': the key (sk-...) or its hash." },
  /** One wording for every unusable chosen key (taken, or a known secret): it must not say which. */
  KEY_UNUSABLE: { status: 400, type: 'invalid_request_error', param: 'key', message: "Invalid '{field}': this value cannot be used as a key. Choose another, or omit `{field}` to have one generated." },
  KEY_NOT_FOUND: { status: 404, type: 'not_found_error', param: 'key', message: 'Key not found: {tokens}' },
  /** LiteLLM's wording and type (user_api_key_auth: ProxyErrorTypes.expired_key); param = the masked key. */
  EXPIRED: {
    status: 401,
    type: 'expired_key',
    message: 'Authentication Error - Expired Key. Key Expiry time {expires} and current time {now}',
  },
  BLOCKED: {
    status: 401,
    type: 'auth_error',
    message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're admin.",
  },
  /** LiteLLM's wording (route_checks: general_settings.admin_only_routes). */
  ADMIN_ONLY_ROUTE: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, user not allowed to access this route. Route={route} is an admin only route',
  },
  /** LiteLLM's wording (route_checks: a key's `allowed_routes`). */
  ROUTE_NOT_ALLOWED: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, Virtual key is not allowed to call this route. Only allowed to call routes: {allowed}. Tried to call route: {route}',
  },
  /** A key's or its team's `metadata.allowed_ips` (ip-access.ts), in LiteLLM's allowed_ips wording. */
  IP_NOT_ALLOWED: { status: 403, type: 'auth_error', param: 'None', message: 'Access forbidden: IP address not allowed.' },
  /** LiteLLM's wording (auth_checks: "Team=… is blocked"), prefixed as its auth step prefixes every refusal. */
  TEAM_BLOCKED: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: "Authentication Error, Team={team} is blocked. Update via `/team/unblock` if you're an admin.",
  },
  PROJECT_BLOCKED: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: "Authentication Error, Project={project} is blocked. Update via `/project/update` if you're an admin.",
  },
  /** LiteLLM's wording and type (auth_checks: _can_object_call_model for a key). */
  MODEL_NOT_ALLOWED: {
    status: 401,
    type: 'key_model_access_denied',
    param: 'model',
    message: 'key not allowed to access model. This key can only access models={allowed}. Tried to access {model}',
  },
  /** LiteLLM's wording (key_management_endpoints: upperbound_key_generate_params), sent as its HTTPException becomes a ProxyException. */
  OVER_UPPERBOUND: {
    status: 400,
    type: 'auth_error',
    message: '{field} is over max limit set in config - user_value={value}; max_value={bound}',
  },
  /** LiteLLM's wording (_enforce_unique_key_alias). */
  ALIAS_TAKEN: {
    status: 400,
    type: 'bad_request_error',
    param: 'key_alias',
    message: "Key with alias '{alias}' already exists. Unique key aliases across all keys are required.",
  },
  /** LiteLLM's wording (delete_verification_tokens). */
  NOTHING_TO_DELETE: { status: 404, type: 'not_found_error', param: 'keys', message: 'No matching keys or aliases found to delete: {tokens}' },
  /** LiteLLM's wording (auth_checks: can_team_access_model). */
  /** LiteLLM's wording and type (auth_checks: can_user_call_model, for a key without a team). */
  USER_MODEL_NOT_ALLOWED: {
    status: 401,
    type: 'user_model_access_denied',
    param: 'model',
    message: 'user not allowed to access model. This user can only access models={allowed}. Tried to access {model}',
  },
  TEAM_MODEL_NOT_ALLOWED: {
    status: 401,
    type: 'team_model_access_denied',
    param: 'model',
    message: 'Team not allowed to access model. Team={team}, Model={model}. Allowed team models = {allowed}',
  },
  /** LiteLLM: "Team not found in db - Team={team_id}" style 400 on key creation. */
  TEAM_NOT_FOUND: { status: 400, type: 'invalid_request_error', param: 'team_id', message: 'Team not found in db - Team={team}. Create the team with /team/new first.' },
  MODEL_NOT_IN_TEAM: {
    status: 400,
    type: 'invalid_request_error',
    param: 'models',
    message: "Model '{model}' not in team's allowed models. Team allowed models={allowed}. Team: {team}",
  },
  /** LiteLLM's wording (_set_key_rotation_fields) when store_virtual_keys is on. */
  ROTATION_NEEDS_ALIAS: {
    status: 400,
    type: 'bad_request_error',
    param: 'key_alias',
    message: 'key_alias is required when auto_rotate=True and store_virtual_keys is enabled. This ensures stable secret naming during rotation.',
  },
  /** The secret manager refused the key (key-secrets.ts): the operation was rolled back. */
  SECRET_STORE_FAILED: {
    status: 502,
    type: 'internal_server_error',
    message: 'Could not {action} the key in the secret manager ({reason}); nothing was changed: {outcome}.',
  },
  /** LiteLLM's wording (regenerate_key_fn) when the master key is named without a new one. */
  NEW_MASTER_KEY_REQUIRED: { status: 400, type: 'bad_request_error', param: 'new_master_key', message: 'New master key is required.' },
});

export const TenancyErrors = definePluginErrors('TENANCY', {
  BODY_NOT_OBJECT: KeyErrors.BODY_NOT_OBJECT.spec,
  UNKNOWN_FIELDS: KeyErrors.UNKNOWN_FIELDS.spec,
  INVALID_FIELD: KeyErrors.INVALID_FIELD.spec,
  NOT_FOUND: { status: 404, type: 'not_found_error', message: '{entity} not found, {field}={id}' },
  EXISTS: { status: 400, type: 'invalid_request_error', message: '{entity} id = {id} already exists. Please use a different {field}.' },
  IN_USE: { status: 400, type: 'invalid_request_error', message: 'Cannot delete {entity} {id}: {reason}' },
  FORBIDDEN: { status: 403, type: 'auth_error', param: 'None', message: '{reason}' },
  NOT_ORG_MEMBER: { status: 401, type: 'auth_error', message: 'You are not a member of the organization specified in the request body. Passed organization_id: {org}' },
  /** LiteLLM's wording and status (user_api_key_auth on LiteLLMRoutes.master_key_only_routes). */
  MASTER_KEY_ONLY: { status: 401, type: 'auth_error', param: 'None', message: 'Authentication Error(Tried to access route={route}, which is only for MASTER KEY)' },
  /** The guardrail-blocked-users wording and status, so a blocked customer looks the same either way. */
  CUSTOMER_BLOCKED: { status: 400, type: 'bad_request_error', param: 'None', message: 'User blocked from making LLM API Calls. User={user}' },
});
