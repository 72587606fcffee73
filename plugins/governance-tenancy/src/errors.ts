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
  EXPIRED: {
    status: 401,
    type: 'auth_error',
    message: 'Authentication Error - Expired Key. Key Expiry time {expires} and current time {now}',
  },
  BLOCKED: {
    status: 401,
    type: 'auth_error',
    message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're admin.",
  },
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
  /** LiteLLM's wording (auth_checks: can_key_call_model). */
  MODEL_NOT_ALLOWED: {
    status: 401,
    type: 'auth_error',
    param: 'model',
    message: 'Authentication Error, API Key not allowed to access model. This key can only access models={allowed}. Tried to access {model}',
  },
  /** LiteLLM: "Team not found in db - Team={team_id}" style 400 on key creation. */
  TEAM_NOT_FOUND: { status: 400, type: 'invalid_request_error', param: 'team_id', message: 'Team not found in db - Team={team}. Create the team with /team/new first.' },
  MODEL_NOT_IN_TEAM: {
    status: 400,
    type: 'invalid_request_error',
    param: 'models',
    message: "Model '{model}' not in team's allowed models. Team allowed models={allowed}. Team: {team}",
  },
});

export const TenancyErrors = definePluginErrors('TENANCY', {
  BODY_NOT_OBJECT: KeyErrors.BODY_NOT_OBJECT.spec,
  UNKNOWN_FIELDS: KeyErrors.UNKNOWN_FIELDS.spec,
  INVALID_FIELD: KeyErrors.INVALID_FIELD.spec,
  NOT_FOUND: { status: 404, type: 'not_found_error', message: '{entity} not found, {field}={id}' },
  EXISTS: { status: 400, type: 'invalid_request_error', message: '{entity} id = {id} already exists. Please use a different {field}.' },
  IN_USE: { status: 400, type: 'invalid_request_error', message: 'Cannot delete {entity} {id}: {reason}' },
  FORBIDDEN: { status: 403, type: 'auth_error', param: 'None', message: '{reason}' },
  /** The guardrail-blocked-users wording and status, so a blocked customer looks the same either way. */
  CUSTOMER_BLOCKED: { status: 400, type: 'bad_request_error', param: 'None', message: 'User blocked from making LLM API Calls. User={user}' },
});
