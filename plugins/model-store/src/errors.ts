import { definePluginErrors } from '@sluice/plugin-sdk';

/**
 * LiteLLM's wording (model_management_endpoints.py). LiteLLM wraps an HTTPException's `detail`
 * dict into its ProxyException; the message here is the dict's `error` text itself.
 */
export const ModelErrors = definePluginErrors('MODEL_STORE', {
  BODY_NOT_OBJECT: { status: 400, type: 'bad_request_error', param: 'None', message: 'The request body of {route} must be a JSON object.' },
  INVALID: { status: 400, type: 'bad_request_error', param: 'None', message: 'Authentication Error, {reason}' },
  NOT_STORED: { status: 500, type: 'auth_error', param: 'None', message: "Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature." },
  PATCH_NOT_STORED: { status: 400, type: 'bad_request_error', param: 'None', message: 'Model updates only supported for DB-stored models' },
  VIEW_ONLY: { status: 403, type: 'auth_error', param: 'None', message: 'View-only users cannot manage models.' },
  NOT_ADMIN: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message:
      'User does not have permission to make this model call. Your role={role}. You can only make model calls if you are a PROXY_ADMIN or if you are a team admin, by specifying a team_id in the model_info.',
  },
  NOT_TEAM_ADMIN: {
    status: 403,
    type: 'auth_error',
    param: 'None',
    message: "Team ID={team} does not match the API key's team ID={own}, OR you are not the admin for this team. Check `/user/info` to verify your team admin status.",
  },
  TEAM_CHANGE: { status: 403, type: 'auth_error', param: 'None', message: "Only a proxy admin can move a model to another team or out of its team. Your role={role}." },
  NOT_IN_DB: { status: 400, type: 'auth_error', param: 'None', message: 'Model with id={id} not found in db' },
  CONFIG_MODEL_UPDATE: { status: 400, type: 'auth_error', param: 'None', message: "Can't edit model. Model in config. Store model in db via `/model/new`. to edit." },
  CONFIG_MODEL_PATCH: { status: 400, type: 'bad_request_error', param: 'None', message: 'Cannot edit config-based model. Store model in DB via /model/new first.' },
  NOT_FOUND_ON_PROXY: { status: 404, type: 'not_found_error', param: 'None', message: 'Model {id} not found on proxy.' },
  // LiteLLM encrypts with LITELLM_SALT_KEY, else the master key, and fails when it has neither.
  NO_SALT_KEY: {
    status: 500,
    type: 'internal_server_error',
    param: 'None',
    message:
      'Cannot encrypt the model\'s credentials: neither LITELLM_SALT_KEY nor general_settings.master_key is set. Set a permanent salt key - https://docs.litellm.ai/docs/proxy/prod#5-set-litellm-salt-key',
  },
  /** A master key rotation (master-key-rotation.ts) met a value it cannot decrypt: nothing was changed. */
  ROTATION_UNREADABLE: {
    status: 500,
    type: 'internal_server_error',
    param: 'None',
    message: 'Cannot rotate the master key: litellm_params.{field} of model {id} does not decrypt with the current key. Nothing was re-encrypted.',
  },
  ID_NOT_FOUND: { status: 400, type: 'auth_error', param: 'None', message: 'Model id = {id} not found on litellm proxy' },
});
