/**
 * `POST /v1/responses`: checked, admitted as a chat-shaped call (limits, budgets, model access,
 * guardrails), routed to a deployment that serves the Responses API (relayed) or else to a chat
 * one (translated), kept in Sluice's store unless `store: false`, and charged once.
 */
import type { Logger, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import type { CallFinish } from './call-finish.js';
import { nativeBody, readAdmitted, readConversation } from './conversation.js';
import { readCreateRequest } from './create-request.js';
import { ResponsesErrors } from './errors.js';
import { relayNativeStream, nativeJsonAnswer } from './native-answer.js';
import { translateChatJson, translateChatStream } from './translated-answer.js';
import type { ResponseStore } from './response-store.js';

export interface CreateDeps {
  store: ResponseStore;
  log: Logger;
  now(): number;
  maxInputItems: number;
  maxConversationDepth: number;
  maxConversationChars: number;
}

export async function createResponse(req: RouteRequest, deps: CreateDeps): Promise<RouteResult> {
  const startedAt = deps.now();
  const create = readCreateRequest(req.body, deps.maxInputItems);
  const conv = await readConversation(create, req.principal!, deps.store, { maxDepth: deps.maxConversationDepth, maxChars: deps.maxConversationChars });
  const admittedCall = await req.admit!({ endpoint: 'responses', model: create.model, body: conv.view });
  const admitted = readAdmitted(conv, admittedCall.body);
  // A previous response Sluice does not hold (store: false, expired, another gateway) can only be
  // continued by a deployment serving the Responses API that holds it: a chat deployment cannot.
  const unknownPrevious = create.previousResponseId !== undefined && conv.previous === undefined;
  const result = await req.callModel!({
    model: create.model,
    endpoints: ['responses', 'chat'],
    stream: create.stream,
    body: (endpoint, deployment) => {
      if (endpoint === 'responses') return nativeBody(conv, admitted, deployment);
      if (unknownPrevious) throw ResponsesErrors.PREVIOUS_NOT_FOUND({ id: create.previousResponseId });
      return { ...admitted.chatBody, stream: create.stream, ...(create.stream && { stream_options: { include_usage: true } }) };
    },
  });
  const finish: CallFinish = { req, conv, admitted, result, startedAt, deps, headers: { ...admittedCall.headers } };
  if (result.endpoint === 'responses') return create.stream ? relayNativeStream(finish) : nativeJsonAnswer(finish);
  return create.stream ? translateChatStream(finish) : translateChatJson(finish);
}
