import { definePluginErrors } from '../../../plugin-sdk/index.js';

export const KeyErrors = definePluginErrors('VIRTUAL_KEY', {
  BODY_NOT_OBJECT: { status: 400, type: 'invalid_request_error', message: 'The request body of {route} must be a JSON object.' },
  UNKNOWN_FIELDS: {
    status: 400,
    type: 'invalid_request_error',
    message: '{route} does not support {fields} (yet). Supported fields: {supported}.',
  },
  INVALID_FIELD: { status: 400, type: 'invalid_request_error', message: "Invalid '{field}': {reason}" },
  KEY_REQUIRED: { status: 400, type: 'invalid_request_error', param: 'key', message: "{route} needs '{field}': the key (sk-...) or its hash." },
  KEY_EXISTS: { status: 400, type: 'invalid_request_error', param: 'key', message: 'A key with this value already exists; choose another or omit `key` to have one generated.' },
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
});
