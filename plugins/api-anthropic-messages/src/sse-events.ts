/** Anthropic's server-sent events as they go on the wire: `event: <type>` then `data: <json>`. */
import type { JsonObject } from '@sluice/plugin-sdk';

export function sseEvent(data: JsonObject & { type: string }): string {
  return `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Anthropic's error type for an HTTP status (LiteLLM's `ANTHROPIC_ERROR_TYPE_MAP`, plus 503/529 overloaded). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

/**
 * The `error` event a stream ends with when the upstream fails after the answer started (the
 * status line is already sent): the error's status picks the type, its message is kept.
 */
export function errorEvent(err: unknown): { text: string; status: number } {
  const e = err as { status?: unknown; message?: unknown } | null;
  const status = typeof e?.status === 'number' && e.status >= 400 ? e.status : 500;
  const message = typeof e?.message === 'string' && e.message ? e.message : 'the upstream stream failed';
  return { text: sseEvent({ type: 'error', error: { type: anthropicErrorType(status), message } }), status };
}
