import { definePluginErrors } from '@sluice/plugin-sdk';

/**
 * A client's mistakes on the audio routes, in OpenAI's words where OpenAI has them ("you must
 * provide a model parameter", "Missing required parameter: 'input'."). Upload problems (not
 * multipart, too large, malformed) are the SDK multipart reader's `MULTIPART_*` errors.
 */
export const AudioErrors = definePluginErrors('AUDIO', {
  NOT_MULTIPART: {
    status: 400,
    type: 'invalid_request_error',
    param: 'file',
    message: 'The request has no body: send the audio as multipart/form-data with a `file` part and a `model` field.',
  },
  MISSING_FILE: {
    status: 400,
    type: 'invalid_request_error',
    param: 'file',
    message: "Missing required parameter: 'file'. Upload the audio as the multipart part named `file`.",
  },
  UNEXPECTED_FILE: {
    status: 400,
    type: 'invalid_request_error',
    message: "Unexpected file part '{field}': only `file` takes an upload.",
  },
  EMPTY_FILE: { status: 400, type: 'invalid_request_error', param: 'file', message: 'The uploaded audio file is empty.' },
  MISSING_MODEL: { status: 400, type: 'invalid_request_error', param: 'model', message: 'you must provide a model parameter' },
  REPEATED_FIELD: { status: 400, type: 'invalid_request_error', message: "Field '{field}' was sent more than once; it takes one value." },
  MISSING_PARAMETER: { status: 400, type: 'invalid_request_error', message: "Missing required parameter: '{field}'." },
  INVALID_PARAMETER: { status: 400, type: 'invalid_request_error', message: "Invalid type for '{field}': expected {expected}." },
  INPUT_TOO_LONG: {
    status: 400,
    type: 'invalid_request_error',
    param: 'input',
    message: "'input' is {length} characters long; the limit is {limit} (api-audio max_speech_input_chars).",
  },
});
