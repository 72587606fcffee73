/**
 * Errors of Claude on Vertex AI. Vertex answers in two shapes: what Claude itself refuses comes
 * back in Anthropic's `{type: "error", error: {type, message}}` (a bad request, an overloaded
 * model), what Google's front refuses (a bad token, a quota, an unknown model) in Google's
 * `{error: {code, message, status}}`. Both become an UpstreamError whose body carries the status
 * and error type a client of `/v1/messages` expects.
 */
import { UpstreamError } from '@sluice/plugin-sdk';
import { googleUpstreamError, openAIErrorBody } from './google-errors.js';

/** How Claude words a prompt that does not fit ("prompt is too long: 208432 tokens > 200000 maximum"). */
const CONTEXT_WINDOW = /prompt is too long|exceed(?:s|ed)? (?:the )?context (?:limit|window)|context window/i;

/** Anthropic error types whose OpenAI name differs. */
const OPENAI_TYPE: Record<string, string> = {
  request_too_large: 'invalid_request_error',
  overloaded_error: 'service_unavailable',
};

interface AnthropicError {
  type: string;
  message: string;
}

export function vertexClaudeError(status: number, text: string, retryAfter: string | undefined): UpstreamError {
  const claude = anthropicErrorOf(text);
  if (!claude) return googleUpstreamError(status, text, retryAfter, []);
  const { type, message } = claude;
  if ((status === 400 || status === 413) && CONTEXT_WINDOW.test(message)) {
    return new UpstreamError(`Vertex AI (Claude): ${message}`, { status: 400, body: openAIErrorBody(message, 'invalid_request_error', 'context_length_exceeded') });
  }
  // 529 is Anthropic's own "overloaded": a temporarily unavailable service.
  const upstream = status === 529 ? 503 : status;
  return new UpstreamError(`Vertex AI (Claude) answered ${status} (${type}): ${message}`, {
    status: upstream,
    body: openAIErrorBody(message, OPENAI_TYPE[type] ?? type, null),
    retryAfter,
  });
}

function anthropicErrorOf(text: string): AnthropicError | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object' || (body as { type?: unknown }).type !== 'error') return undefined;
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return undefined;
  const { type, message } = error as { type?: unknown; message?: unknown };
  if (typeof type !== 'string' || typeof message !== 'string') return undefined;
  return { type, message: message.slice(0, 2000) };
}
