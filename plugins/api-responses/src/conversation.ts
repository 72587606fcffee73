/**
 * What a create call sends, worked out once before routing: the conversation (earlier responses
 * of `previous_response_id` from Sluice's store, then this input) as chat messages for the
 * preCall chain, and after it, what to send each kind of deployment without losing what a
 * guardrail changed.
 */
import type { JsonObject, JsonValue, Principal, RoutableDeployment } from '@sluice/plugin-sdk';
import type { CreateRequest } from './create-request.js';
import { ResponsesErrors } from './errors.js';
import { itemsToMessages } from './items-to-messages.js';
import { messagesToItems } from './messages-to-items.js';
import { chatParams } from './request-to-chat.js';
import type { ResponseStore, StoredResponse } from './response-store.js';

export interface Conversation {
  create: CreateRequest;
  /** Items of the earlier responses, oldest first (empty without a stored previous response). */
  history: JsonObject[];
  /** The stored previous response, when Sluice has it with its items. */
  previous: StoredResponse | undefined;
  /** The chat view the preCall chain reads: every message of the conversation. */
  view: JsonObject;
  /** Messages of `view` that come from the history (system prompt included). */
  historyMessageCount: number;
  /** `view.messages` as JSON before the chain ran: guardrails may change the messages in place. */
  shownMessages: string;
}

export async function readConversation(create: CreateRequest, principal: Principal, store: ResponseStore, limits: { maxDepth: number; maxChars: number }): Promise<Conversation> {
  let history: JsonObject[] = [];
  let previous: StoredResponse | undefined;
  if (create.previousResponseId) {
    const found = await store.conversation(create.previousResponseId, principal, limits);
    if (found === 'too_deep') throw ResponsesErrors.CHAIN_TOO_LONG({ id: create.previousResponseId, limit: limits.maxDepth });
    if (found === 'too_large') throw ResponsesErrors.CONVERSATION_TOO_LARGE({ id: create.previousResponseId, limit: limits.maxChars });
    if (found) ({ items: history, head: previous } = found);
  }
  const messages = itemsToMessages(create.instructions, [...history, ...create.items]);
  const view: JsonObject = { model: create.model, messages, ...chatParams(create.body), stream: create.stream };
  // The kernel reads spend tags and the caller's metadata from here, as on a chat call.
  if (create.body.metadata !== undefined && create.body.metadata !== null) view.metadata = create.body.metadata;
  return { create, history, previous, view, historyMessageCount: itemsToMessages(create.instructions, history).length, shownMessages: JSON.stringify(messages) };
}

/** What the preCall chain let through, read against what it was shown. */
export interface Admitted {
  /** The chat body to send chat deployments (the chain's body, without gateway fields). */
  chatBody: JsonObject;
  /** The conversation's messages after the chain. */
  messages: JsonValue[];
  /** True when the chain changed the messages (a guardrail redacted something). */
  changed: boolean;
}

export function readAdmitted(conv: Conversation, admittedBody: JsonObject): Admitted {
  const messages = Array.isArray(admittedBody.messages) ? admittedBody.messages : (conv.view.messages as JsonValue[]);
  const changed = JSON.stringify(messages) !== conv.shownMessages;
  const { metadata: _metadata, ...chatBody } = admittedBody;
  return { chatBody: { ...chatBody, messages }, messages, changed };
}

/**
 * The Responses body for a deployment that serves the API: the client's, unless the messages were
 * changed (then the whole conversation as items, from the changed messages), or the previous
 * response lives elsewhere (another deployment, or Sluice's store): then its items are inlined.
 */
export function nativeBody(conv: Conversation, admitted: Admitted, deployment: RoutableDeployment): JsonObject {
  const body: JsonObject = { ...conv.create.body };
  if (admitted.changed) {
    body.input = messagesToItems(admitted.messages);
    delete body.instructions;
    delete body.previous_response_id;
    return body;
  }
  const prev = conv.previous;
  if (prev && (!prev.native || prev.deploymentId !== deployment.id)) {
    body.input = [...inlined(conv.history), ...conv.create.items];
    delete body.previous_response_id;
  }
  return body;
}

/** This request's own input items as they are to be stored: the changed ones when a guardrail redacted them. */
export function inputItemsToStore(conv: Conversation, admitted: Admitted): JsonObject[] {
  if (!admitted.changed) return conv.create.items;
  // The instructions' system message is counted with the history: it is not an input item.
  return messagesToItems(admitted.messages.slice(conv.historyMessageCount));
}

/**
 * History items as input for a deployment that did not produce them: without the ids Sluice or
 * another deployment gave them (an unknown item id is refused), and without reasoning items,
 * whose encrypted content only the deployment that wrote it can read.
 */
function inlined(history: readonly JsonObject[]): JsonObject[] {
  return history.filter((item) => item.type !== 'reasoning').map(({ id: _id, status: _status, ...item }) => item);
}
