/**
 * Errors of the Cohere plugin. Requests it refuses before calling Cohere are coded 400 verdicts
 * (COHERE_*); Cohere's own error answers (`{"message": "…"}`) become UpstreamErrors with an
 * OpenAI-style body, prefixed `CohereException - ` as LiteLLM reports them.
 */
import { definePluginErrors, UpstreamError } from '@sluice/plugin-sdk';

export const CohereErrors = definePluginErrors('COHERE', {
  UNSUPPORTED_PARAMS: {
    status: 400,
    type: 'invalid_request_error',
    message:
      'cohere does not support parameters: {params}, for model={model}. To drop these, set `drop_params: true` in litellm_settings (or the deployment\'s litellm_params).',
  },
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error', message: '{detail}' },
});

/** Refuses one part of the request; `param` is its path, e.g. `messages[2].content`. */
export function invalid(param: string, detail: string): Error {
  return CohereErrors.INVALID_REQUEST({ detail: `${param}: ${detail}` }, { param });
}

const TYPE_OF_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'invalid_request_error',
  403: 'permission_error',
  404: 'not_found_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** What Cohere says when the prompt does not fit the model. */
const CONTEXT_WINDOW = /too many tokens|exceeds? (?:the )?(?:maximum )?context|context length/i;

export function upstreamErrorOf(status: number, text: string, retryAfter: string | undefined, secret: string | undefined): UpstreamError {
  let message = text.trim().slice(0, 1000) || `HTTP ${status} with no body`;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
    if (typeof parsed?.message === 'string') message = parsed.message;
    else if (typeof parsed?.error?.message === 'string') message = parsed.error.message;
  } catch {
    // not JSON: the text is the message
  }
  if (secret && secret.length >= 8) message = message.split(secret).join('[REDACTED]');
  // 498 is Cohere's "invalid token".
  const clientStatus = status === 498 ? 401 : status;
  const contextWindow = clientStatus === 400 && CONTEXT_WINDOW.test(message);
  const type = TYPE_OF_STATUS[clientStatus] ?? (clientStatus >= 500 ? 'api_error' : 'invalid_request_error');
  return new UpstreamError(`cohere answered ${status}: ${message}`, {
    status: clientStatus,
    body: { error: { message: `CohereException - ${message}`, type, param: null, code: contextWindow ? 'context_length_exceeded' : String(clientStatus) } },
    retryAfter,
  });
}
