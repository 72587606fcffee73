import { definePluginErrors } from '@sluice/plugin-sdk';

/**
 * OpenAI's wording where OpenAI answers the same mistake (unknown ids, missing parameters), so a
 * client sees the same error through the gateway as without it; LiteLLM's where the check is
 * LiteLLM's own (purpose, expires_after, target_model_names).
 */
export const FilesErrors = definePluginErrors('FILES', {
  NO_SUCH_FILE: { status: 404, type: 'invalid_request_error', param: 'file_id', message: 'No such File object: {id}' },
  NO_SUCH_BATCH: { status: 404, type: 'invalid_request_error', param: 'batch_id', message: "No batch found with id '{id}'." },
  NO_SUCH_INPUT_FILE: { status: 404, type: 'invalid_request_error', param: 'input_file_id', message: 'No such File object: {id}' },
  NOT_MULTIPART: {
    status: 415,
    type: 'invalid_request_error',
    param: null,
    message: 'POST /v1/files takes a multipart/form-data body with a `file` and a `purpose` field; got content-type {contentType}.',
  },
  MALFORMED_MULTIPART: { status: 400, type: 'invalid_request_error', param: null, message: 'The multipart/form-data body could not be read: {reason}' },
  MISSING_PARAMETER: { status: 400, type: 'invalid_request_error', param: null, message: "Missing required parameter: '{name}'." },
  INVALID_PURPOSE: {
    status: 400,
    type: 'invalid_request_error',
    param: 'purpose',
    message: "Invalid purpose: {purpose}. Must be one of: ('assistants', 'assistants_output', 'batch', 'batch_output', 'fine-tune', 'fine-tune-results', 'vision', 'user_data')",
  },
  EXPIRES_AFTER_PAIR: {
    status: 400,
    type: 'invalid_request_error',
    param: 'expires_after',
    message: 'Both expires_after[anchor] and expires_after[seconds] must be provided if expires_after is specified',
  },
  EXPIRES_AFTER_ANCHOR: { status: 400, type: 'invalid_request_error', param: 'expires_after', message: "expires_after[anchor] must be 'created_at', got '{anchor}'" },
  EXPIRES_AFTER_SECONDS: { status: 400, type: 'invalid_request_error', param: 'expires_after', message: "expires_after[seconds] must be a valid integer, got '{seconds}'" },
  ONE_TARGET_MODEL: {
    status: 400,
    type: 'invalid_request_error',
    param: 'target_model_names',
    message: 'target_model_names names {count} model groups; this gateway stores a managed file on one model group. Upload it once per group.',
  },
  ROUTING_AFTER_FILE: {
    status: 400,
    type: 'invalid_request_error',
    param: null,
    message:
      "The form field '{name}' came after the file part, which was already on its way to {destination}. Send it before the file part, or as a query parameter or header (custom-llm-provider, x-litellm-model).",
  },
  UPLOAD_TOO_LARGE: { status: 413, type: 'invalid_request_error', param: 'file', message: 'The upload is larger than the gateway accepts ({limit} bytes).' },
  BAD_PAGING: { status: 400, type: 'invalid_request_error', param: null, message: "Invalid value for '{name}': {reason}" },
  BODY_NOT_OBJECT: { status: 400, type: 'invalid_request_error', param: null, message: 'The request body must be a JSON object.' },
  BAD_BATCH_FIELD: { status: 400, type: 'invalid_request_error', param: null, message: "Invalid value for '{name}': {reason}" },
  BAD_UPSTREAM_ANSWER: { status: 502, type: 'api_error', param: null, message: 'The provider answered {what} with something other than the JSON object it should return.' },
});
