/**
 * The response a call's client got, for a logger that records content. `note(call)` in preCall asks
 * the kernel for the final response (`CallContext.onFinalResponse`, chained after any other
 * plugin's); `take(requestId)` in onSpend hands it over once. What is kept is what the client got
 * (`FinalResponse.sent`, a guardrail's redaction applied), never the provider's original when a
 * postCall plugin changed it. A cache hit's answer is taken as it is.
 *
 * The kernel runs `onFinalResponse` before it delivers the call's spend event (both after the
 * client's answer), so the response is there when onSpend asks. A call whose event never comes is
 * forgotten past `maxPending` calls: memory stays bounded.
 */
import type { CallContext, FinalResponse } from './hook-contexts.js';
import type { JsonObject } from './json.js';

const DEFAULT_MAX_PENDING = 10_000;

export class ResponseRecorder {
  private readonly pending = new Map<string, { response?: string | JsonObject }>();

  constructor(private readonly maxPending = DEFAULT_MAX_PENDING) {}

  /** preCall: remember the call; its final response (or a preCall answer) is kept until `take`. */
  note(call: CallContext): void {
    if (this.pending.size >= this.maxPending) this.pending.delete(this.pending.keys().next().value!);
    const entry: { response?: string | JsonObject } = {};
    if (call.answer) entry.response = call.answer.response;
    this.pending.set(call.requestId, entry);
    const before = call.onFinalResponse;
    const mine = (final: FinalResponse): void => {
      entry.response = final.sent ?? final.text;
    };
    call.onFinalResponse = before
      ? (final) => {
          mine(final);
          before(final);
        }
      : mine;
  }

  /** onSpend: the response (JSON text, or a cache hit's object) once; undefined when none was noted or kept. */
  take(requestId: string): string | JsonObject | undefined {
    const entry = this.pending.get(requestId);
    if (!entry) return undefined;
    this.pending.delete(requestId);
    return entry.response;
  }

  get size(): number {
    return this.pending.size;
  }
}
