/** The end of a create call, whichever way it was answered: keep the response and charge it once. */
import type { JsonObject, ModelCallResult, RouteRequest, Usage } from '@sluice/plugin-sdk';
import { inputItemsToStore, type Admitted, type Conversation } from './conversation.js';
import type { CreateDeps } from './create-response.js';
import { withItemIds } from './response-id.js';

/** What an answer handler needs to finish the call: keep the response and charge it. */
export interface CallFinish {
  req: RouteRequest;
  conv: Conversation;
  admitted: Admitted;
  result: ModelCallResult;
  startedAt: number;
  deps: CreateDeps;
  headers: Record<string, string>;
}

/** Keeps a finished response for its owner (unless `store: false`); a failed write only loses the follow-ups. */
export async function keepResponse(f: CallFinish, id: string, response: JsonObject | undefined, native: boolean): Promise<void> {
  if (!f.conv.create.store) return;
  const principal = f.req.principal!;
  try {
    const fits = await f.deps.store.save({
      id,
      ownerId: principal.id,
      teamId: principal.teamId ?? null,
      model: f.conv.create.model,
      deploymentId: f.result.deployment.id,
      native,
      previousResponseId: f.conv.create.previousResponseId ?? null,
      inputItems: withItemIds(inputItemsToStore(f.conv, f.admitted)),
      response,
    });
    if (!fits) f.deps.log.warn({ responseId: id }, 'api-responses: response larger than max_stored_bytes; kept without its items (no follow-up from another deployment)');
  } catch (err) {
    f.deps.log.warn({ err: (err as Error).message, responseId: id }, 'api-responses: could not store the response');
  }
}

/** The `x-litellm-*` headers the chat route sends: the deployment, retries and fallbacks, and the cost when known. */
export function answerHeaders(f: CallFinish, cost?: number): Record<string, string> {
  const headers: Record<string, string> = { ...f.headers, 'x-litellm-model-id': f.result.deployment.id };
  if (cost !== undefined) headers['x-litellm-response-cost'] = String(cost);
  if (f.result.attemptedFallbacks) headers['x-litellm-attempted-fallbacks'] = String(f.result.attemptedFallbacks);
  if (f.result.attemptedRetries) headers['x-litellm-attempted-retries'] = String(f.result.attemptedRetries);
  return headers;
}

/** Reports the call's spend once; returns its cost. */
export function chargeCall(f: CallFinish, usage: Usage, responseId: string | undefined, outcome: { ok: boolean; httpStatus: number; errorCode?: string }): number {
  const cost = f.result.price(usage);
  f.req.recordSpend!({
    endpoint: 'responses',
    model: f.conv.create.model,
    status: outcome.ok ? 'success' : 'failure',
    httpStatus: outcome.httpStatus,
    cost,
    usage,
    deployment: f.result.deployment,
    responseId,
    stream: f.conv.create.stream,
    startedAt: f.startedAt,
    ...(f.conv.create.stream && { firstTokenAt: f.result.answeredAt }),
    ...(outcome.errorCode && { errorCode: outcome.errorCode }),
  });
  return cost;
}
