/**
 * Hugging Face's errors (TGI's `{"error": "...", "error_type": "..."}`, the router's `{"error":
 * "..."}` or an OpenAI-style envelope) as the OpenAI envelope, with LiteLLM's mapping for
 * huggingface/: the context-window messages become `context_length_exceeded`, a missing token
 * message 400, "Rate limit reached" 429; otherwise the status is kept.
 */
import { UpstreamError } from '@sluice/plugin-sdk';

const CONTEXT_TOO_LONG = ['length limit exceeded', '`inputs` tokens + `max_new_tokens` must be <=', 'is longer than the model\'s context length', "this model's maximum context length is"];

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  503: 'service_unavailable',
};

export function hfError(httpStatus: number, message: string, retryAfter?: string): UpstreamError {
  let status = httpStatus;
  let code: string | undefined;
  const lower = message.toLowerCase();
  if (CONTEXT_TOO_LONG.some((s) => lower.includes(s.toLowerCase()))) {
    status = 400;
    code = 'context_length_exceeded';
  } else if (message.includes('A valid user token is required')) status = 400;
  else if (message.includes('Rate limit reached')) status = 429;
  const text = `HuggingfaceException - ${message || 'no message'}`;
  const type = TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return new UpstreamError(text, { status, body: { error: { message: text, type, param: null, code: code ?? String(status) } }, retryAfter });
}

export function fromErrorResponse(status: number, headers: Record<string, string | string[] | undefined>, text: string): UpstreamError {
  let message = text.slice(0, 1000);
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof json.error === 'string') message = json.error;
    else if (json.error && typeof json.error === 'object' && typeof (json.error as { message?: unknown }).message === 'string') message = (json.error as { message: string }).message;
    else if (typeof json.message === 'string') message = json.message;
  } catch {
    // Not JSON (a proxy's page): the text is the message.
  }
  return hfError(status, message, firstHeader(headers['retry-after']));
}

export function unsupported(message: string, param: string | null = null): UpstreamError {
  return new UpstreamError(message, { status: 400, body: { error: { message, type: 'invalid_request_error', param, code: '400' } } });
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
