/**
 * Anthropic's error responses and `error` stream events → UpstreamError with an OpenAI-style body,
 * so clients see the status and `type` they would get from OpenAI (and LiteLLM): 401/403 auth,
 * 429 with retry-after, context-window overflows as 400 `context_length_exceeded`.
 */
import { UpstreamError } from '@sluice/plugin-sdk';

/** Anthropic error `type` → the status it is documented with (used for stream `error` events, which have none). */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Anthropic error `type` → OpenAI's name for the same thing, where they differ. */
const OPENAI_TYPE: Record<string, string> = {
  request_too_large: 'invalid_request_error',
  overloaded_error: 'service_unavailable',
};

/**
 * What Anthropic says when the prompt does not fit: "prompt is too long: 208432 tokens > 200000
 * maximum", or "input length and `max_tokens` exceed context limit: …".
 */
const CONTEXT_WINDOW = /prompt is too long|exceed(?:s|ed)? (?:the )?context (?:limit|window)|context window/i;

export interface ErrorSource {
  status: number;
  /** The response body as text (an error body is small and read whole). */
  text: string;
  retryAfter: string | undefined;
  /** The deployment's key: scrubbed from anything echoed back, however unlikely. */
  secret: string | undefined;
}

export function upstreamErrorOf({ status, text, retryAfter, secret }: ErrorSource): UpstreamError {
  const parsed = parseError(text);
  const type = parsed?.type ?? typeOfStatus(status);
  const message = scrub(parsed?.message ?? (text.trim().slice(0, 1000) || `HTTP ${status} with no body`), secret);
  if ((status === 400 || status === 413) && CONTEXT_WINDOW.test(message)) {
    return new UpstreamError(`anthropic: ${message}`, {
      status: 400,
      body: { error: { message, type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } },
    });
  }
  // 529 is Anthropic's own "overloaded": a temporarily unavailable service, i.e. a 503.
  const upstreamStatus = status === 529 ? 503 : status;
  return new UpstreamError(`anthropic answered ${status} (${type}): ${message}`, {
    status: upstreamStatus,
    body: { error: { message, type: OPENAI_TYPE[type] ?? type, param: null, code: null } },
    retryAfter,
  });
}

/** An `error` event inside a 200 stream: the same body, with the status its type implies. */
export function streamErrorOf(data: string, secret: string | undefined): UpstreamError {
  const type = parseError(data)?.type;
  return upstreamErrorOf({ status: (type === undefined ? undefined : STATUS_OF_TYPE[type]) ?? 500, text: data, retryAfter: undefined, secret });
}

function parseError(text: string): { type: string | undefined; message: string | undefined } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (!error || typeof error !== 'object') return undefined;
  const { type, message } = error as { type?: unknown; message?: unknown };
  return { type: typeof type === 'string' ? type : undefined, message: typeof message === 'string' ? message : undefined };
}

function typeOfStatus(status: number): string {
  for (const [type, s] of Object.entries(STATUS_OF_TYPE)) if (s === status) return type;
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

function scrub(text: string, secret: string | undefined): string {
  return secret && secret.length >= 8 ? text.split(secret).join('[REDACTED]') : text;
}
