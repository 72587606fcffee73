/**
 * How an error answer's body looks on a route (`RouteDefinition.errorFormat`): OpenAI's envelope
 * everywhere by default; Anthropic's on routes that speak its API (`/v1/messages`), whose clients
 * (the Anthropic SDKs, Claude Code) parse only that shape.
 */
import { verdictEnvelope, type SluiceError } from './errors.js';

export type ErrorFormat = 'openai' | 'anthropic';

/** Anthropic's error types by HTTP status (its API reference, "Errors"). */
function anthropicType(status: number): string {
  if (status === 400 || status === 422) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  if (status === 504) return 'timeout_error';
  return status < 500 ? 'invalid_request_error' : 'api_error';
}

/** The body of an error answer in `format`. */
export function errorBody(format: ErrorFormat | undefined, e: SluiceError): unknown {
  if (format === 'anthropic') return { type: 'error', error: { type: anthropicType(e.status), message: String(e.message) } };
  return verdictEnvelope(e);
}
