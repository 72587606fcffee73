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
import type { CallContext, FinalResponse, JsonObject } from '@sluice/plugin-sdk';
import type { StoredPrompt } from './spend-row.js';

/** LiteLLM's default MAX_STRING_LENGTH_PROMPT_IN_DB. */
export const DEFAULT_MAX_STRING_LENGTH = 2048;
/** A whole stored field never exceeds this many characters, however many strings it holds. */
const MAX_FIELD_CHARS = 1 << 20;
/** Calls noted and not yet logged; a call whose spend event never comes is dropped past this. */
const MAX_PENDING = 10_000;

/** Request-body fields that carry credentials (a client may pass a provider key in the body). */
const CREDENTIAL_FIELD = /^(api_key|apikey|api_token|access_token|authorization|aws_access_key_id|aws_secret_access_key|aws_session_token|vertex_credentials)$|secret|password|credential/i;

interface Pending {
  body: JsonObject;
  /** The response as JSON text, or (a cache hit) the answer itself. */
  response?: string | JsonObject;
}

export class PromptRecorder {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly maxString: number) {}

  /** preCall: note the body; ask for the final response (after any other plugin that asked). */
  note(call: CallContext): void {
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    const entry: Pending = { body: call.body };
    if (call.answer) entry.response = call.answer.response;
    this.pending.set(call.requestId, entry);
    const before = call.onFinalResponse;
    const mine = (final: FinalResponse) => {
      entry.response = final.text;
    };
    call.onFinalResponse = before
      ? (final) => {
          mine(final);
          before(final);
        }
      : mine;
  }

  /** onSpend: the stored fields of the call, once; undefined for a call never noted. */
  take(requestId: string): StoredPrompt | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    const body = entry.body;
    const messages = body.messages ?? body.input ?? body.prompt;
    let response: unknown = entry.response;
    if (typeof response === 'string') {
      try {
        response = JSON.parse(response) as unknown;
      } catch {
        // not JSON: stored as the text it is
      }
    }
    return {
      messages: this.json(messages === undefined ? {} : messages),
      response: this.json(response === undefined ? {} : response),
      proxy_server_request: this.json(body),
    };
  }

  private json(value: unknown): string {
    const text = JSON.stringify(sanitize(value, this.maxString, 0)) ?? '{}';
    return text.length > MAX_FIELD_CHARS ? cut(text, MAX_FIELD_CHARS) : text;
  }
}

/** A copy with long strings cut and credential fields dropped; cut at a depth no request reaches. */
export function sanitize(value: unknown, max: number, depth: number): unknown {
  if (typeof value === 'string') return value.length > max ? cut(value, max) : value;
  if (depth > 32) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => sanitize(v, max, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      if (k === '__proto__' || CREDENTIAL_FIELD.test(k)) continue;
      out[k] = sanitize((value as Record<string, unknown>)[k], max, depth + 1);
    }
    return out;
  }
  return value;
}

/** LiteLLM's cut: the first 35% and the last 65% of `max`, the skipped count between. */
export function cut(value: string, max: number): string {
  const start = Math.floor(max * 0.35);
  const end = Math.floor(max * 0.65);
  const skipped = value.length - (start + end);
  // slice(-0) would keep the whole string: with no tail to keep, keep none.
  return `${value.slice(0, start)}... (litellm_truncated skipped ${skipped} chars) ...${end > 0 ? value.slice(-end) : ''}`;
}
