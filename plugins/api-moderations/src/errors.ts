import { definePluginErrors } from '@sluice/plugin-sdk';

/** A client's mistakes on /v1/moderations, in LiteLLM's words ("/moderations: Missing required parameter: 'input'."). */
export const ModerationErrors = definePluginErrors('MODERATIONS', {
  NOT_JSON_OBJECT: { status: 400, type: 'invalid_request_error', message: '/moderations: the request body must be a JSON object.' },
  MISSING_INPUT: { status: 400, type: 'invalid_request_error', param: 'input', message: "/moderations: Missing required parameter: 'input'." },
  INVALID_INPUT: {
    status: 400,
    type: 'invalid_request_error',
    param: 'input',
    message: "/moderations: Invalid type for 'input': expected a string, an array of strings or an array of text and image_url objects.",
  },
  TOO_MANY_INPUTS: { status: 400, type: 'invalid_request_error', param: 'input', message: "/moderations: 'input' holds {count} items; at most {limit} are accepted." },
  INVALID_MODEL: { status: 400, type: 'invalid_request_error', param: 'model', message: "/moderations: Invalid type for 'model': expected a string." },
  UNEXPECTED_ANSWER: { status: 502, type: 'api_error', message: 'The moderation upstream answered with a body that is not a JSON object.' },
  ANSWER_TOO_LARGE: { status: 502, type: 'api_error', message: 'The moderation upstream answered with more than {limit} bytes.' },
});
