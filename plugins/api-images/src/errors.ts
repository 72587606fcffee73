import { definePluginErrors } from '@sluice/plugin-sdk';

/**
 * A client's mistakes on the images routes, in LiteLLM's words where its proxy has them
 * ("/image/generations: Missing required parameter: 'prompt'.", "Invalid model name passed in
 * model=None"). Upload problems (not multipart, too large, malformed) are the SDK multipart
 * reader's `MULTIPART_*` errors.
 */
export const ImageErrors = definePluginErrors('IMAGES', {
  NOT_JSON_OBJECT: { status: 400, type: 'invalid_request_error', message: '{route}: the request body must be a JSON object.' },
  MISSING_PARAMETER: { status: 400, type: 'invalid_request_error', message: "{route}: Missing required parameter: '{field}'." },
  INVALID_PARAMETER: { status: 400, type: 'invalid_request_error', message: "{route}: Invalid type for '{field}': expected {expected}." },
  MISSING_MODEL: {
    status: 400,
    type: 'invalid_request_error',
    param: 'model',
    message: '{route}: Invalid model name passed in model=None. Call `/v1/models` to view available models for your key.',
  },
  BOTH_FIELDS: { status: 422, type: 'invalid_request_error', message: "Cannot specify both '{field}' and '{field}[]'" },
  FILE_AS_STRING: { status: 422, type: 'invalid_request_error', message: "'{field}' must be provided as a multipart file upload, not a string." },
  UNEXPECTED_FILE: { status: 400, type: 'invalid_request_error', message: "Unexpected file part '{field}': {route} takes {allowed}." },
  NOT_AN_IMAGE: {
    status: 400,
    type: 'invalid_request_error',
    message: "Invalid file '{field}': unsupported image format. Supported formats are PNG, JPEG and WEBP.",
  },
  REPEATED_FIELD: { status: 400, type: 'invalid_request_error', message: "{route}: Field '{field}' was sent more than once; it takes one value." },
  STREAM_UNSUPPORTED: {
    status: 400,
    type: 'invalid_request_error',
    param: 'stream',
    message: '{route}: streamed image generation (stream=true) is not supported by this gateway; send the request without `stream`.',
  },
  UNEXPECTED_ANSWER: { status: 502, type: 'api_error', message: 'The image deployment answered with a {kind} body where JSON was expected.' },
});
