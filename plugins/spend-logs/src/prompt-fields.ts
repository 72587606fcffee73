/**
 * LiteLLM's `store_prompts_in_spend_logs`: a log row keeps the request's messages, the request body
 * (`proxy_server_request`) and the response. preCall notes the call's body (a reference: the JSON
 * is built in onSpend, off the request path) and asks for the final response; onSpend takes both.
 * The kernel delivers spend events after `onFinalResponse` ran (both follow the client's answer,
 * the event on a later tick), so the response is there when the row is built.
 *
 * Strings are cut as LiteLLM cuts them (`_sanitize_request_body_for_spend_logs_payload`): longer
 * than MAX_STRING_LENGTH_PROMPT_IN_DB, a string keeps its first 35% and last 65% around
 * `... (litellm_truncated skipped N chars) ...`. Fields named like credentials are dropped; the
 * row's text columns are scrubbed of secret values like every other column (spend-row.ts).
 */
import { cutString, cutStrings, REDACTED_CONTENT, ResponseRecorder, type CallContext, type JsonObject } from '@sluice/plugin-sdk';
import type { StoredPrompt } from './spend-row.js';

/** LiteLLM's default MAX_STRING_LENGTH_PROMPT_IN_DB. */
export const DEFAULT_MAX_STRING_LENGTH = 2048;
/** A whole stored field never exceeds this many characters, however many strings it holds. */
const MAX_FIELD_CHARS = 1 << 20;
/** Calls noted and not yet logged; a call whose spend event never comes is dropped past this. */
const MAX_PENDING = 10_000;

export interface PromptRedaction {
  /** LiteLLM's `turn_off_message_logging`: messages and response stored as `redacted-by-litellm`. */
  turnOffMessageLogging?: boolean;
}

export class PromptRecorder {
  /** Bodies of calls noted and not yet logged (the event's own body wins when it carries one). */
  private readonly bodies = new Map<string, JsonObject>();
  private readonly responses = new ResponseRecorder(MAX_PENDING);

  constructor(
    private readonly maxString: number,
    private readonly redaction: PromptRedaction = {},
  ) {}

  /** preCall: note the body; ask for the final response as the client got it (ResponseRecorder). */
  note(call: CallContext): void {
    if (this.bodies.size >= MAX_PENDING) this.bodies.delete(this.bodies.keys().next().value!);
    this.bodies.set(call.requestId, call.body);
    this.responses.note(call);
  }

  /** onSpend: the stored fields of the call, once; undefined for a call never noted. */
  take(requestId: string, finalBody?: Readonly<JsonObject>): StoredPrompt | undefined {
    const noted = this.bodies.get(requestId);
    const answer = this.responses.take(requestId);
    if (!noted) return undefined;
    this.bodies.delete(requestId);
    // The body after every preCall plugin (the event's), so a later guardrail's redaction is stored.
    const body = finalBody ?? noted;
    const metadata = (body.metadata && typeof body.metadata === 'object' ? body.metadata : {}) as Record<string, unknown>;
    const maskInput = this.redaction.turnOffMessageLogging === true || metadata.mask_input === true;
    const maskOutput = this.redaction.turnOffMessageLogging === true || metadata.mask_output === true;
    const messages = maskInput ? REDACTED_CONTENT : (body.messages ?? body.input ?? body.prompt);
    let response: unknown = maskOutput ? REDACTED_CONTENT : answer;
    if (typeof response === 'string' && !maskOutput) {
      try {
        response = JSON.parse(response) as unknown;
      } catch {
        // not JSON: stored as the text it is
      }
    }
    const request = maskInput ? { ...body, ...(body.messages !== undefined && { messages: REDACTED_CONTENT }), ...(body.input !== undefined && { input: REDACTED_CONTENT }), ...(body.prompt !== undefined && { prompt: REDACTED_CONTENT }) } : body;
    return {
      messages: this.json(messages === undefined ? {} : messages),
      response: this.json(response === undefined ? {} : response),
      proxy_server_request: this.json(request),
    };
  }

  private json(value: unknown): string {
    const text = JSON.stringify(sanitize(value, this.maxString, 0)) ?? '{}';
    return text.length > MAX_FIELD_CHARS ? cut(text, MAX_FIELD_CHARS) : text;
  }
}

/** The SDK's cut of logged content (LiteLLM's), under the names this plugin's tests use. */
export const sanitize = cutStrings;
export const cut = cutString;
