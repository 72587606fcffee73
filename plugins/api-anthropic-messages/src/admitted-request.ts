/**
 * A native call sends the Anthropic request, but the preCall chain (guardrails, enforced
 * params) read and changed its chat-format view. What they changed is carried back: every text
 * of the view whose value differs from what it was is written into the native request (a
 * redaction is never lost), and the scalar fields the view shares with it follow. A view whose
 * messages were restructured (added, removed, a text made a non-text) cannot be carried back and
 * refuses the call rather than send what the guardrail changed unchanged.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { MessagesErrors } from './errors.js';
import type { ChatTranslation } from './to-chat-request.js';
import { isObject, type MessagesRequest } from './validate-request.js';

export function applyAdmittedToNative(request: MessagesRequest, view: ChatTranslation, admitted: JsonObject): void {
  const messages = admitted.messages;
  const before = view.body.messages as JsonValue[];
  if (!Array.isArray(messages) || messages.length !== before.length) {
    throw reshaped(request, `${before.length} messages became ${Array.isArray(messages) ? messages.length : 'none'}`);
  }
  for (const slot of view.slots) {
    const message = messages[slot.message];
    if (!isObject(message)) throw reshaped(request, `messages[${slot.message}] is no longer a message`);
    let value: JsonValue | undefined;
    if (slot.part === -1) value = message.content;
    else {
      const part = Array.isArray(message.content) ? message.content[slot.part] : undefined;
      value = isObject(part) ? part.text : undefined;
    }
    if (value === slot.original) continue;
    if (typeof value !== 'string') throw reshaped(request, `the text at messages[${slot.message}] is no longer a text`);
    slot.write(value);
  }
  carryScalars(request, view.body, admitted);
}

const SCALARS = ['max_tokens', 'temperature', 'top_p'] as const;

/** Fields an enforced-params or user-mapping hook may set, in their native names. */
function carryScalars(request: MessagesRequest, before: JsonObject, after: JsonObject): void {
  for (const key of SCALARS) {
    if (after[key] !== before[key] && typeof after[key] === 'number') request[key] = after[key];
  }
  if (after.stop !== before.stop) {
    const stop = after.stop;
    if (typeof stop === 'string') request.stop_sequences = [stop];
    else if (Array.isArray(stop)) request.stop_sequences = stop;
  }
  if (after.user !== before.user && typeof after.user === 'string') {
    request.metadata = { ...(isObject(request.metadata) ? request.metadata : {}), user_id: after.user };
  }
}

function reshaped(request: MessagesRequest, detail: string): Error {
  return MessagesErrors.GUARDRAIL_RESHAPED({ detail, model: request.model });
}
