/**
 * `POST /v1/messages`: validated, admitted with its chat-format view (limits, budgets,
 * guardrails), then routed to the model group's deployments, natively to those that speak the
 * Messages API and through chat completions to the others; spend is recorded once per call.
 */
import type { AdmittedCall, ModelCallResult, RouteRequest, RouteResult, RouteSpend } from '@sluice/plugin-sdk';
import { applyAdmittedToNative } from './admitted-request.js';
import { chatBody, nativeBody, readAnthropicHeaders } from './call-bodies.js';
import { chatJsonAnswer, translateChatStream } from './chat-answer.js';
import { MessagesErrors } from './errors.js';
import { nativeJsonAnswer, relayNativeStream, type AnswerOutcome } from './native-answer.js';
import { toChatRequest } from './to-chat-request.js';
import { validateMessagesRequest, type RequestLimits } from './validate-request.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

export async function serveMessages(req: RouteRequest, limits: RequestLimits): Promise<RouteResult> {
  const startedAt = Date.now();
  const request = validateMessagesRequest(req.body, limits);
  const stream = request.stream === true;
  const view = toChatRequest(request, stream);
  const admitted = await req.admit!({ endpoint: 'messages', model: request.model, body: view.body });
  const anthropicHeaders = readAnthropicHeaders(req.headers);
  let carried = false;
  const result = await req.callModel!({
    model: request.model,
    endpoints: ['messages', 'chat'],
    stream,
    body: (endpoint, deployment) => {
      if (endpoint !== 'messages') return chatBody(admitted.body, request, view, deployment);
      // Once: a retry or fallback sends the same native request.
      if (!carried) applyAdmittedToNative(request, view, admitted.body);
      carried = true;
      return nativeBody(request, stream, anthropicHeaders);
    },
  });

  const report = (outcome: AnswerOutcome): number => {
    const aborted = req.aborted ?? req.signal?.aborted === true;
    const cost = result.price(outcome.usage);
    const spend: RouteSpend = {
      endpoint: 'messages',
      model: request.model,
      status: outcome.failure || aborted ? 'failure' : 'success',
      httpStatus: aborted ? 499 : (outcome.failure?.status ?? 200),
      cost,
      usage: outcome.usage,
      deployment: result.deployment,
      stream,
      startedAt,
      firstTokenAt: result.answeredAt,
    };
    if (outcome.responseId) spend.responseId = outcome.responseId;
    // The gateway's own code for a client that left, as it records it for routes that report nothing.
    if (aborted) spend.errorCode = 'SLUICE_ERR_CLIENT_CLOSED';
    else if (outcome.failure) spend.errorCode = outcome.failure.code;
    req.recordSpend?.(spend);
    return cost;
  };
  const headers = answerHeaders(admitted, result);
  const { response } = result;

  if (result.endpoint === 'messages') {
    if (response.kind === 'json') {
      const { result: answer, outcome } = nativeJsonAnswer(response);
      headers['x-litellm-response-cost'] = String(report(outcome));
      // nativeJsonAnswer's result is this call's own: the headers go on it rather than on a copy.
      answer.headers = headers;
      return answer;
    }
    if (response.kind === 'sse' || response.kind === 'bytes') return { headers: { ...headers, ...SSE_HEADERS }, stream: relayNativeStream(response.body, report) };
    throw MessagesErrors.BAD_UPSTREAM_ANSWER({ detail: `the deployment answered /v1/messages with a ${response.kind} body` });
  }
  if (!stream) {
    if (response.kind !== 'json') throw MessagesErrors.BAD_UPSTREAM_ANSWER({ detail: `the deployment answered a chat completion with a ${response.kind} body` });
    const { message, outcome } = chatJsonAnswer(response.body, view.toolNames);
    headers['x-litellm-response-cost'] = String(report(outcome));
    return { body: message, headers };
  }
  return { headers: { ...headers, ...SSE_HEADERS }, stream: translateChatStream(response, result.deployment.model, view.toolNames, report) };
}

function answerHeaders(admitted: AdmittedCall, result: ModelCallResult): Record<string, string> {
  const headers: Record<string, string> = { ...admitted.headers, 'x-litellm-model-id': result.deployment.id };
  if (result.attemptedRetries !== undefined) headers['x-litellm-attempted-retries'] = String(result.attemptedRetries);
  if (result.attemptedFallbacks !== undefined) headers['x-litellm-attempted-fallbacks'] = String(result.attemptedFallbacks);
  return headers;
}

