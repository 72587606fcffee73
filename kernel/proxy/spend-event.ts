/**
 * Seals a call's spend event so that building it cannot lose the call. The event carries copies of
 * what the client and plugins put in the call (metadata, tags, state); a copy or the deep freeze
 * the observers need can throw on such values (nested too deep, not cloneable), and a throw here
 * once meant no spend row, no budget settlement and no tpm count: a free call. On a failure the
 * event is sealed again without the part that failed, and the fault is logged.
 */
import type { JsonObject, SpendEvent } from '@sluice/plugin-sdk';
import type { Logger } from '../logging/create-logger.js';
import { deepFreeze } from '../observers.js';

/** `event` with a copy of `metadata`, deep-frozen; failing that, what is known, frozen. */
export function sealSpendEvent(event: SpendEvent, metadata: unknown, log: Logger): SpendEvent {
  try {
    if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) event.metadata = structuredClone(metadata) as Record<string, unknown>;
    return deepFreeze(event);
  } catch (err) {
    log.error({ err, requestId: event.requestId }, 'spend event could not be built in full: recording it without metadata');
  }
  // The identity, usage and cost are the kernel's own values; of the state, each plugin's part
  // that can be sealed is kept, so budgets and rate limits still settle what they reserved.
  return deepFreeze({
    ...event,
    metadata: {},
    tags: event.tags.filter((t) => typeof t === 'string'),
    state: sealableEntries(event.state, event.requestId, log),
  });
}

function sealableEntries(state: Readonly<Record<string, unknown>>, requestId: string, log: Logger): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const owner of Object.keys(state)) {
    try {
      kept[owner] = deepFreeze(state[owner]);
    } catch (err) {
      log.error({ err, requestId, plugin: owner }, "a plugin's call state could not be sealed into the spend event: left out");
    }
  }
  return kept;
}

/** OpenAI-style answers open with their id (`{"id":"chatcmpl-…"`): read from the head of the text, no parse. */
const LEADING_ID = /^\s*\{\s*"id"\s*:\s*"([^"\\]{1,255})"/;

/**
 * The provider response's `id` (what the client got back, e.g. `chatcmpl-…`), for spend logs keyed
 * by it as LiteLLM keys `request_id`: from the parsed body when there is one, else from the raw
 * text's first field. Undefined when the answer has none there.
 */
export function responseIdOf(body: { id?: unknown } | undefined, raw: string | undefined): string | undefined {
  if (body !== undefined) return typeof body.id === 'string' && body.id.length > 0 ? body.id : undefined;
  if (raw === undefined) return undefined;
  // Anchored and bounded: reads at most the first ~270 characters of the text.
  return LEADING_ID.exec(raw)?.[1];
}

/**
 * The response id of a stream, from the first whole events relayed (`data: {"id":"chatcmpl-…"`):
 * reads only their first few hundred characters, once per stream.
 */
export function streamIdOf(events: Buffer | string): string | undefined {
  const head = typeof events === 'string' ? events.slice(0, 320) : events.toString('utf8', 0, Math.min(events.length, 320));
  const at = head.indexOf('data:');
  return at === -1 ? undefined : LEADING_ID.exec(head.slice(at + 5))?.[1];
}

/**
 * Gives the event the call's body and headers as functions (SpendEvent.requestBody/requestHeaders),
 * not enumerable: freezing, `structuredClone` and JSON of the event (a plugin's own copy) skip them,
 * and the prompt is never walked or copied for it.
 */
export function attachRequest(event: SpendEvent, body: JsonObject, headers: Readonly<Record<string, string | string[] | undefined>>): void {
  Object.defineProperty(event, 'requestBody', { value: () => body });
  Object.defineProperty(event, 'requestHeaders', { value: () => headers });
}
