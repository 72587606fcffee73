/**
 * Google API errors → UpstreamError with an OpenAI-style body, so the client sees the status and
 * `code` an OpenAI SDK understands. Google answers `{error:{code, message, status, details}}`
 * (an array of those from non-SSE streams).
 */
import { UpstreamError, type JsonObject } from '@sluice/plugin-sdk';

/** Google's canonical status names, for bodies whose HTTP status says less than the name does. */
const STATUS_BY_NAME: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

/** How Gemini and Vertex word a prompt that does not fit the model's context window. */
const CONTEXT_LENGTH = /exceeds the maximum number of tokens|input token count .*exceeds|exceeds the context window|too many tokens/i;

/** AI Studio answers a bad key with 400 INVALID_ARGUMENT; clients expect 401 for that. */
const BAD_API_KEY = /API key not valid|API_KEY_INVALID|API key expired/i;

interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: JsonObject[];
}

export function openAIErrorBody(message: string, type: string, code: string | number | null): JsonObject {
  return { error: { message, type, param: null, code } };
}

/** An error the gateway itself finds in the request before calling Google (untranslatable input). */
export function badRequest(message: string): UpstreamError {
  return new UpstreamError(message, { status: 400, body: openAIErrorBody(message, 'invalid_request_error', null) });
}

/** Gemini refused the prompt (`promptFeedback.blockReason`) or stopped a candidate for policy. */
export function contentPolicyError(blockReason: string, detail: string | undefined): UpstreamError {
  const message = `Gemini blocked the prompt (${blockReason})${detail ? `: ${detail}` : ''}`;
  return new UpstreamError(message, { status: 400, body: openAIErrorBody(message, 'invalid_request_error', 'content_policy_violation') });
}

/**
 * The error for a non-2xx answer. `secrets` are scrubbed from the message in case Google ever
 * echoes a credential back (it quotes request fields in some INVALID_ARGUMENT messages).
 */
export function googleUpstreamError(httpStatus: number, text: string, retryAfterHeader: string | undefined, secrets: readonly string[]): UpstreamError {
  const google = parseGoogleError(text);
  let message = google?.message ?? (text.trim().slice(0, 1000) || `Google answered HTTP ${httpStatus} with no body`);
  for (const secret of secrets) if (secret) message = message.split(secret).join('[REDACTED]');
  let status = httpStatus;
  if (status === 400 && (BAD_API_KEY.test(message) || hasReason(google, 'API_KEY_INVALID'))) status = 401;
  const retryAfter = retryAfterHeader ?? retryDelayOf(google);
  if (status >= 500) return new UpstreamError(message, { status, body: openAIErrorBody(message, 'api_error', status), retryAfter });
  if (status === 400 && CONTEXT_LENGTH.test(message)) {
    return new UpstreamError(message, { status: 400, body: openAIErrorBody(message, 'invalid_request_error', 'context_length_exceeded') });
  }
  return new UpstreamError(message, { status, body: openAIErrorBody(message, TYPE_BY_STATUS[status] ?? 'invalid_request_error', status), retryAfter });
}

/** An `{error:…}` object that arrives inside a 200 stream. */
export function streamedGoogleError(error: JsonObject, secrets: readonly string[]): UpstreamError {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const status = code ?? (typeof error.status === 'string' ? STATUS_BY_NAME[error.status] : undefined) ?? 500;
  return googleUpstreamError(status, JSON.stringify({ error }), undefined, secrets);
}

export function parseGoogleError(text: string): GoogleError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = parsed && typeof parsed === 'object' ? (parsed as { error?: unknown }).error : undefined;
  if (!error || typeof error !== 'object' || Array.isArray(error)) return undefined;
  return error as GoogleError;
}

function hasReason(google: GoogleError | undefined, reason: string): boolean {
  return Array.isArray(google?.details) && google.details.some((d) => d && d.reason === reason);
}

/** Gemini puts the wait in a `google.rpc.RetryInfo` detail (`"retryDelay": "37s"`), not in a header. */
function retryDelayOf(google: GoogleError | undefined): string | undefined {
  if (!Array.isArray(google?.details)) return undefined;
  for (const d of google.details) {
    if (d && typeof d.retryDelay === 'string') {
      const seconds = Number.parseFloat(d.retryDelay);
      if (Number.isFinite(seconds) && seconds >= 0) return String(Math.ceil(seconds));
    }
  }
  return undefined;
}
