import { definePluginErrors } from '@sluice/plugin-sdk';

export const ProviderPassThroughErrors = definePluginErrors('PASS_THROUGH_PROVIDER', {
  /** A path that would climb out of the provider's API root once normalized. */
  BAD_PATH: {
    status: 400,
    type: 'invalid_request_error',
    message: "Invalid pass-through path {path}: '.' and '..' segments are not allowed",
  },
  /** LiteLLM's wording and type for a key calling a model outside its `models` (auth_checks). */
  MODEL_NOT_ALLOWED: {
    status: 401,
    type: 'key_model_access_denied',
    param: 'model',
    message: 'key not allowed to access model. This key can only access models={allowed}. Tried to access {model}',
  },
});
