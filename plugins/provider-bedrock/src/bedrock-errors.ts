/**
 * Bedrock's errors as the OpenAI envelope. Bedrock names the error in `x-amzn-ErrorType` (or
 * `__type` in the body) and puts the text in `message`; the name, not the HTTP status, says what
 * happened (AWS answers a bad key with 403 UnrecognizedClientException, which clients know as 401).
 */
import { UpstreamError } from '@sluice/plugin-sdk';

interface ErrorKind {
  status: number;
  type: string;
}

const ERROR_KINDS = new Map<string, ErrorKind>(Object.entries({
  ValidationException: { status: 400, type: 'invalid_request_error' },
  AccessDeniedException: { status: 403, type: 'permission_error' },
  // Wrong, expired or missing credentials: the caller is not authenticated at all.
  UnrecognizedClientException: { status: 401, type: 'authentication_error' },
  InvalidSignatureException: { status: 401, type: 'authentication_error' },
  IncompleteSignatureException: { status: 401, type: 'authentication_error' },
  MissingAuthenticationTokenException: { status: 401, type: 'authentication_error' },
  ExpiredTokenException: { status: 401, type: 'authentication_error' },
  ResourceNotFoundException: { status: 404, type: 'not_found_error' },
  ModelTimeoutException: { status: 408, type: 'timeout_error' },
  ModelErrorException: { status: 424, type: 'api_error' },
  ModelStreamErrorException: { status: 424, type: 'api_error' },
  ThrottlingException: { status: 429, type: 'rate_limit_error' },
  ServiceQuotaExceededException: { status: 429, type: 'rate_limit_error' },
  ModelNotReadyException: { status: 429, type: 'rate_limit_error' },
  InternalServerException: { status: 500, type: 'api_error' },
  ServiceUnavailableException: { status: 503, type: 'service_unavailable' },
}));

/** Bedrock's wording when the prompt does not fit the model's context window. */
const CONTEXT_TOO_LONG = /too long|too many (input )?tokens|context (length|window)|exceeds? (the )?(maximum|max) (input|context|prompt)/i;

/** `ValidationException:http://internal.amazon.com/coral/…` or `com.amazon.coral#ValidationException` → `ValidationException`. */
export function errorName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw.split(':')[0]!;
  const hash = name.lastIndexOf('#');
  return hash === -1 ? name : name.slice(hash + 1);
}

/** Names as they appear in event-stream exception frames (`throttlingException`) → the HTTP names. */
export function exceptionEventName(eventType: string): string {
  return eventType.charAt(0).toUpperCase() + eventType.slice(1);
}

export function bedrockError(name: string | undefined, httpStatus: number, message: string, retryAfter?: string): UpstreamError {
  const kind: ErrorKind = (name ? ERROR_KINDS.get(name) : undefined) ?? { status: httpStatus, type: httpStatus >= 500 ? 'api_error' : 'invalid_request_error' };
  const text = `Bedrock ${name ?? `error ${httpStatus}`}: ${message || 'no message'}`;
  const contextWindow = kind.status === 400 && CONTEXT_TOO_LONG.test(message);
  const body = {
    error: {
      message: text,
      type: contextWindow ? 'invalid_request_error' : kind.type,
      param: null,
      code: contextWindow ? 'context_length_exceeded' : kind.status,
    },
  };
  return new UpstreamError(text, { status: kind.status, body, retryAfter });
}

/** An error answer of the HTTP API (`{message}` with the name in a header or `__type`). */
export function fromErrorResponse(status: number, headers: Record<string, string | string[] | undefined>, text: string): UpstreamError {
  let parsed: Record<string, unknown> = {};
  try {
    const json: unknown = JSON.parse(text);
    if (json && typeof json === 'object' && !Array.isArray(json)) parsed = json as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the text itself is the message.
  }
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : text.slice(0, 1000);
  const name = errorName(firstHeader(headers['x-amzn-errortype'])) ?? errorName(typeof parsed.__type === 'string' ? parsed.__type : undefined);
  return bedrockError(name, status, message, firstHeader(headers['retry-after']));
}

/** A request Bedrock cannot express: refused here with 400 rather than silently changed. */
export function unsupported(message: string, param: string | null = null): UpstreamError {
  const text = `Bedrock: ${message}`;
  return new UpstreamError(text, { status: 400, body: { error: { message: text, type: 'invalid_request_error', param, code: 400 } } });
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
