/** Errors the Responses API routes raise, in OpenAI's envelope and wording. */
import { definePluginErrors } from '@sluice/plugin-sdk';

export const ResponsesErrors = definePluginErrors('SLUICE_ERR_RESPONSES', {
  MISSING_PARAM: { status: 400, type: 'invalid_request_error', message: "Missing required parameter: '{param}'." },
  INVALID_PARAM: { status: 400, type: 'invalid_request_error', message: "Invalid value for '{param}': {reason}" },
  /** OpenAI's wording for an unknown (or, here, not the caller's) response id. */
  NOT_FOUND: { status: 404, type: 'invalid_request_error', param: 'response_id', message: "Response with id '{id}' not found." },
  PREVIOUS_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    param: 'previous_response_id',
    message: "Previous response with id '{id}' not found.",
  },
  CHAIN_TOO_LONG: {
    status: 400,
    type: 'invalid_request_error',
    param: 'previous_response_id',
    message: 'The conversation behind previous_response_id {id} is longer than {limit} responses (api-responses max_conversation_depth).',
  },
  CONVERSATION_TOO_LARGE: {
    status: 400,
    type: 'invalid_request_error',
    param: 'previous_response_id',
    message: 'The conversation behind previous_response_id {id} is larger than {limit} characters (api-responses max_conversation_chars).',
  },
});
