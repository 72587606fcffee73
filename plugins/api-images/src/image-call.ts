/**
 * One images call, as LiteLLM's proxy serves it: admitted with the prompt as the call's user
 * message (so limits, budgets and guardrails such as hide_secrets run on it, and a redaction is
 * what goes upstream), routed to a deployment serving the endpoint (uploads as multipart parts),
 * relayed as the upstream answered, and recorded once, priced.
 */
import type { JsonObject, ModelCallResult, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { ImageErrors } from './errors.js';
import { guardedPrompt, upstreamParams, type ImageRequest } from './image-request.js';
import { imageUsage } from './image-usage.js';

export async function serveImageCall(req: RouteRequest, request: ImageRequest, timeoutMs: number | undefined): Promise<RouteResult> {
  const startedAt = Date.now();
  const { endpoint, prompt } = request;
  const view: JsonObject = { ...request.params, model: request.model };
  if (prompt !== undefined) {
    view.prompt = prompt;
    view.messages = [{ role: 'user', content: prompt }];
  }
  const admitted = await req.admit!({ endpoint, model: request.model, body: view });
  const model = typeof admitted.body.model === 'string' && admitted.body.model !== '' ? admitted.body.model : request.model;
  const fields = upstreamParams(admitted.body, prompt === undefined ? undefined : guardedPrompt(admitted.body, prompt));
  const result = await req.callModel!({
    model,
    endpoints: [endpoint],
    stream: false,
    body: () => ({ ...fields }),
    ...(request.files.length > 0 && { files: request.files }),
    ...(timeoutMs !== undefined && { timeoutMs }),
  });
  const response = result.response;
  if (response.kind !== 'json') throw ImageErrors.UNEXPECTED_ANSWER({ kind: response.kind === 'bytes' ? response.contentType || 'binary' : 'streamed' });
  const usage = imageUsage(response.body, fields);
  const cost = result.price(usage);
  req.recordSpend!({ endpoint, model, status: 'success', httpStatus: response.status, cost, usage, deployment: result.deployment, startedAt, stream: false });
  // The upstream's own text when the adapter kept it: base64 images run to megabytes, not re-serialized.
  const body = response.raw ?? response.body;
  return { status: response.status, headers: answerHeaders(req.requestId, admitted.headers, result, cost), contentType: 'application/json', body };
}

/** The headers LiteLLM's proxy adds to an answer (`get_custom_headers`), plus the preCall plugins' own. */
function answerHeaders(requestId: string, admittedHeaders: Readonly<Record<string, string>>, result: ModelCallResult, cost: number): Record<string, string> {
  const headers: Record<string, string> = {
    ...admittedHeaders,
    'x-litellm-call-id': requestId,
    'x-litellm-model-id': result.deployment.id,
    'x-litellm-response-cost': String(cost),
  };
  if (result.attemptedFallbacks) headers['x-litellm-attempted-fallbacks'] = String(result.attemptedFallbacks);
  if (result.attemptedRetries) headers['x-litellm-attempted-retries'] = String(result.attemptedRetries);
  return headers;
}
