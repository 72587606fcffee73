/**
 * Seals a call's spend event so that building it cannot lose the call. The event carries copies of
 * what the client and plugins put in the call (metadata, tags, state); a copy or the deep freeze
 * the observers need can throw on such values (nested too deep, not cloneable), and a throw here
 * once meant no spend row, no budget settlement and no tpm count: a free call. On a failure the
 * event is sealed again without the part that failed, and the fault is logged.
 */
import type { SpendEvent } from '@sluice/plugin-sdk';
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
