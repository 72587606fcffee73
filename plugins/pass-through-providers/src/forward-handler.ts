/**
 * One provider pass-through request: admitted as a call of the caller (limits, budgets, blocked
 * keys refuse it here, before anything is sent), forwarded with a deployment's credentials,
 * relayed as it comes, and charged from the usage the provider's own answer reports.
 */
import {
  type ForwardResult,
  type PluginContext,
  type RouteRequest,
  type RouteResult,
  type Usage,
} from '@sluice/plugin-sdk';
import { admissionView, forwardedHeaders, forwardedPath, jsonView, relayedHeaders, sentBody } from './client-request.js';
import { ProviderPassThroughErrors } from './errors.js';
import { pricedEndpoint, type ProviderRoute } from './provider-routes.js';
import { tapUsage, type TapLimits, type TappedAnswer } from './usage/usage-tap.js';

const NO_BODY = new Set(['GET', 'HEAD', 'DELETE']);
const EMPTY = new Uint8Array(0);

export interface HandlerSettings extends TapLimits {
  /** Largest request body parsed for its model and shown to the preCall chain. */
  maxRequestJsonBytes: number;
}

export async function passThrough(ctx: PluginContext, route: ProviderRoute, prefix: string, req: RouteRequest, settings: HandlerSettings): Promise<RouteResult> {
  const startedAt = Date.now();
  const method = req.method ?? 'GET';
  const { path, pathname } = forwardedPath(req.url ?? prefix, prefix, route.credentialQuery);
  const bytes = req.body instanceof Uint8Array ? req.body : EMPTY;
  const json = jsonView(bytes, req.headers['content-type'], settings.maxRequestJsonBytes);
  const model = route.modelOf(pathname, json);
  const named = route.groupOf?.(pathname, json);
  const group = named !== undefined && ctx.models.has(named) ? named : undefined;
  // A model group's access is checked when the gateway routes to it; a model named directly is
  // checked here, as LiteLLM checks any request's model against the key's models.
  if (model !== undefined && group === undefined && req.principal && !ctx.models.mayCall(req.principal, model)) {
    throw ProviderPassThroughErrors.MODEL_NOT_ALLOWED({ model, allowed: JSON.stringify(req.principal.models ?? []) });
  }
  const view = admissionView(json, model);
  const admitted = await req.admit!({ endpoint: 'pass_through_endpoint', body: view.body, ...(model !== undefined && { model }) });
  const body = NO_BODY.has(method) && bytes.length === 0 ? undefined : sentBody(bytes, json, view.before, admitted.body);

  // No deployment (404), or no answer from the provider (502 / 504): thrown by the gateway as on a model call.
  const result: ForwardResult = await req.forward!({
    ...(group !== undefined ? { model: group } : { provider: route.provider }),
    request: { method, path, headers: forwardedHeaders(req.headers), ...(body && body.length > 0 && { body }) },
  });

  const res = result.response;
  const contentType = res.headers['content-type'] ?? '';
  const streamed = /event-stream|eventstream|ndjson|stream\+json/i.test(contentType);
  const record = (answer: TappedAnswer) => {
    const success = res.status < 400 && answer.complete;
    const usage = answer.usage ?? headerUsage(route, res.headers);
    const endpoint = pricedEndpoint(pathname);
    // A group's deployment carries its own prices (model_info); a model named in the request is priced as itself.
    const cost = success && usage ? (group !== undefined ? result.price(usage, { endpoint }) : result.price(usage, { endpoint, model: model ?? answer.model ?? result.deployment.model })) : 0;
    req.recordSpend!({
      endpoint: 'pass_through_endpoint',
      model: model ?? answer.model ?? 'unknown',
      status: success ? 'success' : 'failure',
      httpStatus: answer.complete ? res.status : 499,
      cost,
      stream: streamed,
      startedAt,
      deployment: result.deployment,
      ...(usage && { usage }),
      ...(answer.id !== undefined && { responseId: answer.id }),
      ...(streamed && answer.firstChunkAt !== undefined && { firstTokenAt: answer.firstChunkAt }),
    });
  };
  return {
    status: res.status,
    headers: { ...admitted.headers, ...relayedHeaders(res.headers) },
    stream: tapUsage(res.body, route.family, contentType, settings, record),
  };
}

/** Bedrock's InvokeModel states its token counts in headers (any model family). */
function headerUsage(route: ProviderRoute, headers: Readonly<Record<string, string>>): Usage | undefined {
  if (route.family !== 'bedrock') return undefined;
  const input = Number(headers['x-amzn-bedrock-input-token-count']);
  const output = Number(headers['x-amzn-bedrock-output-token-count']);
  if (!Number.isFinite(input) || headers['x-amzn-bedrock-input-token-count'] === undefined) return undefined;
  const completion = Number.isFinite(output) ? output : 0;
  return { prompt_tokens: input, completion_tokens: completion, total_tokens: input + completion };
}
