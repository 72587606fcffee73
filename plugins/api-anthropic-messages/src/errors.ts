/**
 * Requests this plugin refuses before any model is called. The route renders them as Anthropic
 * errors (`{"type":"error","error":{"type","message"}}`, type by status); the messages say what
 * Anthropic's own API says for the same mistake, so a client sees the same text either way.
 */
import { definePluginErrors } from '@sluice/plugin-sdk';

export const MessagesErrors = definePluginErrors('ANTHROPIC_MESSAGES', {
  /** A field missing, of the wrong type, or out of range: `{param}: {detail}` as Anthropic words it. */
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error', message: '{param}: {detail}' },
  /** More messages or content blocks than the gateway takes (config `max_messages`, `max_content_blocks`). */
  TOO_LARGE: { status: 413, type: 'invalid_request_error', message: '{detail}' },
  /**
   * A guardrail restructured the request's messages (not just their text), so the native request
   * cannot be rebuilt from it without losing what it did; the call is refused rather than sent unredacted.
   */
  GUARDRAIL_RESHAPED: {
    status: 500,
    type: 'api_error',
    message: 'A pre-call hook changed the structure of the messages ({detail}); the request cannot be sent to {model} in the Anthropic format without losing that change.',
  },
  /** The upstream answered with something that is not an answer of the endpoint called. */
  BAD_UPSTREAM_ANSWER: { status: 502, type: 'api_error', message: '{detail}' },
});

/** A field-level 400: `param` is Anthropic's dotted path (`messages.2.content.0.text`). */
export function invalid(param: string, detail: string): Error {
  return MessagesErrors.INVALID_REQUEST({ param, detail }, { param });
}
