/**
 * Azure's error bodies → the OpenAI envelope. Azure mostly speaks OpenAI's, but its own gateway
 * answers `{error: {code: "401", message}}` without a type, and its content filter answers 400
 * `{error: {code: "content_filter", innererror: {code: "ResponsibleAIPolicyViolation"}}}`, which
 * LiteLLM clients know as `content_policy_violation`.
 */
import { isUpstreamError, UpstreamError } from '@sluice/plugin-sdk';

interface AzureErrorObject {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
  innererror?: { code?: unknown };
}

const CONTEXT_MESSAGE = /maximum context length|context length exceeded|context_length_exceeded/i;

/** Rewrites a 4xx UpstreamError's body; anything else (5xx, network, timeouts) is returned as is. */
export function toAzureError(err: unknown): unknown {
  if (!isUpstreamError(err) || err.status < 400 || err.status >= 500) return err;
  const upstream = errorObject(err.body);
  const message = typeof upstream.message === 'string' && upstream.message ? upstream.message : `Azure OpenAI answered ${err.status}`;
  const param = typeof upstream.param === 'string' ? upstream.param : null;
  let body: { error: { message: string; type: string; param: string | null; code: string | number } };
  if (upstream.code === 'content_filter' || upstream.innererror?.code === 'ResponsibleAIPolicyViolation') {
    body = { error: { message, type: 'invalid_request_error', param, code: 'content_policy_violation' } };
  } else if (upstream.code === 'context_length_exceeded' || CONTEXT_MESSAGE.test(message)) {
    body = { error: { message, type: 'invalid_request_error', param: null, code: 'context_length_exceeded' } };
  } else {
    const type = typeof upstream.type === 'string' && upstream.type ? upstream.type : typeForStatus(err.status);
    const code = typeof upstream.code === 'string' || typeof upstream.code === 'number' ? upstream.code : err.status;
    body = { error: { message, type, param, code } };
  }
  const status = body.error.code === 'content_policy_violation' || body.error.code === 'context_length_exceeded' ? 400 : err.status;
  return new UpstreamError(err.message, { status, body, retryAfter: err.retryAfter, cause: err });
}

function errorObject(body: unknown): AzureErrorObject {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
  if (error && typeof error === 'object') return error as AzureErrorObject;
  return { message: typeof error === 'string' ? error : undefined };
}

function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return 'invalid_request_error';
}
