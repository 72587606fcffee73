/**
 * `POST /v1/messages/count_tokens` → `{"input_tokens": n}`. A model group with a deployment that
 * counts natively (anthropic/) is asked; any other group is counted here (local-token-count.ts),
 * as LiteLLM's proxy falls back to its own `token_counter`. Not billed, as in LiteLLM.
 */
import type { JsonObject, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { readAnthropicHeaders } from './call-bodies.js';
import { MessagesErrors } from './errors.js';
import { estimateInputTokens } from './local-token-count.js';
import { validateCountTokensRequest, type MessagesRequest, type RequestLimits } from './validate-request.js';

/** The fields Anthropic's count_tokens takes (it refuses max_tokens, stream and the like). */
const COUNTED_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers', 'context_management'];

export interface CountTokensRouting {
  /** Whether the model group has a deployment serving `count_tokens` (checked without calling it). */
  countsNatively(model: string): boolean;
}

export async function serveCountTokens(req: RouteRequest, limits: RequestLimits, routing: CountTokensRouting): Promise<RouteResult> {
  const request = validateCountTokensRequest(req.body, limits);
  if (!routing.countsNatively(request.model) || !req.callModel || !req.admit) return { body: { input_tokens: estimateInputTokens(request) } };
  const headers = readAnthropicHeaders(req.headers);
  // The gateway routes only admitted calls; a count has no prompt to guard and costs nothing.
  await req.admit!({ endpoint: 'count_tokens', model: request.model, body: { model: request.model } });
  const result = await req.callModel({
    model: request.model,
    endpoints: ['count_tokens'],
    stream: false,
    body: () => countBody(request, headers.version, headers.beta),
  });
  const response = result.response;
  if (response.kind !== 'json' || typeof response.body.input_tokens !== 'number') {
    throw MessagesErrors.BAD_UPSTREAM_ANSWER({ detail: 'the deployment answered count_tokens without input_tokens' });
  }
  return { body: { input_tokens: response.body.input_tokens }, headers: { 'x-litellm-model-id': result.deployment.id } };
}

function countBody(request: MessagesRequest, version: string | undefined, beta: string[] | undefined): JsonObject {
  const body: JsonObject = {};
  for (const key of COUNTED_FIELDS) if (request[key] !== undefined && request[key] !== null) body[key] = request[key]!;
  if (version) body.anthropic_version = version;
  if (beta) body.anthropic_beta = beta;
  return body;
}

