/**
 * SageMaker's errors as the OpenAI envelope, with LiteLLM's status mapping for sagemaker/ and
 * sagemaker_chat/: the model's own error (ModelError 424, wrapping the container's 4xx) and
 * 422 become 400, the context-window messages of TGI become `context_length_exceeded`, 500 is
 * reported as the service being unavailable, 504 as a timeout. SageMaker answers a bad signature
 * or an unknown key with 403; clients know that as 401, as for Bedrock.
 */
import { UpstreamError } from '@sluice/plugin-sdk';

/** What TGI says when the prompt and `max_new_tokens` do not fit (LiteLLM's ContextWindowExceededError). */
const CONTEXT_TOO_LONG = ['`inputs` tokens + `max_new_tokens` must be <=', 'instance type with more CPU capacity or memory'];
const BEST_OF = 'Input validation error: `best_of` must be > 0 and <= 2';
const AUTH_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
]);

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  429: 'rate_limit_error',
  503: 'service_unavailable',
};

export function sagemakerError(httpStatus: number, message: string, name?: string, retryAfter?: string): UpstreamError {
  let status = httpStatus;
  let code: string | undefined;
  let text = `SagemakerException - ${message || 'no message'}`;
  if (CONTEXT_TOO_LONG.some((s) => message.includes(s))) {
    status = 400;
    code = 'context_length_exceeded';
  } else if (message.includes(BEST_OF)) {
    status = 400;
    text = "SagemakerException - the value of 'n' must be > 0 and <= 2 for sagemaker endpoints";
  } else if (name && AUTH_ERRORS.has(name)) status = 401;
  else if (httpStatus === 422 || httpStatus === 424) status = 400;
  else if (httpStatus === 500) status = 503;
  else if (httpStatus === 504) status = 408;
  const type = TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const body = { error: { message: text, type, param: null, code: code ?? String(status) } };
  return new UpstreamError(text, { status, body, retryAfter });
}

/** An error answer of the runtime API: the name in `x-amzn-ErrorType`, the text in `message` / `Message`. */
export function fromErrorResponse(status: number, headers: Record<string, string | string[] | undefined>, text: string): UpstreamError {
  let parsed: Record<string, unknown> = {};
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object' && !Array.isArray(json)) parsed = json as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page, an empty body): the text itself is the message.
  }
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : text.slice(0, 1000);
  // A ModelError carries the container's own answer, where TGI's validation text is.
  const original = typeof parsed.OriginalMessage === 'string' ? parsed.OriginalMessage : '';
  const name = errorName(firstHeader(headers['x-amzn-errortype'])) ?? errorName(typeof parsed.__type === 'string' ? parsed.__type : undefined);
  const full = original && !message.includes(original) ? `${message} ${original}` : message;
  return sagemakerError(status, full, name, firstHeader(headers['retry-after']));
}

/** A request SageMaker cannot express: refused here with 400 rather than silently changed. */
export function unsupported(message: string, param: string | null = null): UpstreamError {
  return new UpstreamError(message, { status: 400, body: { error: { message, type: 'invalid_request_error', param, code: '400' } } });
}

/** `ValidationError:http://internal.amazon.com/…` or `com.amazon.coral#ValidationError` → `ValidationError`. */
function errorName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw.split(':')[0]!;
  const hash = name.lastIndexOf('#');
  return hash === -1 ? name : name.slice(hash + 1);
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
