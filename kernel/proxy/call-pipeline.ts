/**
 * One proxied call: validate → preCall → choose a deployment → provider → postCall → reply →
 * spend. The hot path: no I/O besides the upstream call, no work a hook that nobody tapped would need.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError, UpstreamError } from '../../plugin-sdk/errors.js';
import type { CallContext, DeploymentInfo, Endpoint, ResponseContext, SpendEvent, Usage } from '../../plugin-sdk/hook-contexts.js';
import type { JsonObject } from '../../plugin-sdk/json.js';
import { KernelErrors, fromUpstream, toClientError } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import type { ModelRegistry, RegisteredDeployment } from '../models/model-registry.js';
import type { ObserverQueue } from '../observers.js';
import { CallAbort } from './call-abort.js';
import { relayStream, type StreamOutcome } from './stream-relay.js';
import { NO_USAGE, costOf, readUsage } from './usage.js';
import { GATEWAY_ONLY_PARAMS, validateBody } from './validate-request.js';

export interface PipelineDeps {
  hooks: KernelHooks;
  registry: ModelRegistry;
  observers: ObserverQueue;
  log: Logger;
  logRequests: boolean;
  buffersStreams: boolean;
  /** Removes configured secret values from text sent to clients. */
  scrub: (text: string) => string;
}

const ROUTE_LABEL: Record<Endpoint, string> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings' };

/**
 * Writes a successful JSON answer straight to the socket: the body is final, so fastify's reply
 * pipeline (serializers, onSend hooks) would only add cost.
 */
function sendJson(reply: FastifyReply, request: FastifyRequest, body: string, deploymentId: string, overheadMs: number): void {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': request.id,
    'x-litellm-call-id': request.id,
    'x-litellm-model-id': deploymentId,
    'x-litellm-overhead-duration-ms': overheadMs.toFixed(3),
  });
  reply.raw.end(body);
}

export async function runCall(deps: PipelineDeps, endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const startedAt = Date.now();
  const principal = request.principal!;
  let ctx: CallContext | undefined;
  let chosen: RegisteredDeployment | undefined;
  let upstreamMs = 0;
  try {
    const body = validateBody(endpoint, request.body);
    ctx = {
      requestId: request.id,
      endpoint,
      principal,
      headers: request.headers,
      ip: request.ip,
      receivedAt: startedAt,
      body,
      state: {},
      tags: [],
    };
    if (deps.hooks.preCall.isUsed()) ctx = await deps.hooks.preCall.promise(ctx);
    const model = ctx.body.model as string;
    const allowed = principal.models;
    if (allowed && allowed.length > 0 && !allowed.includes(model)) {
      throw KernelErrors.MODEL_NOT_ALLOWED({ model, allowed: JSON.stringify(allowed) });
    }
    const resolved = deps.registry.resolve(model);
    if (!resolved) throw KernelErrors.MODEL_NOT_FOUND({ route: ROUTE_LABEL[endpoint], model });
    chosen = deps.registry.pick(resolved.group, endpoint);
    if (!chosen) throw KernelErrors.ENDPOINT_NOT_SUPPORTED({ model, endpoint: ROUTE_LABEL[endpoint] });
    const deployment = chosen;

    const stream = ctx.body.stream === true && endpoint !== 'embeddings';
    const upstreamBody = upstreamBodyOf(ctx.body, deps.registry.upstreamModel(deployment, resolved.wildcardMatch));
    let stripUsage = false;
    if (stream) {
      const opts = ctx.body.stream_options as JsonObject | undefined;
      if (!opts || opts.include_usage !== true) {
        upstreamBody.stream_options = { ...(opts ?? {}), include_usage: true };
        stripUsage = true;
      }
    }

    // One controller per call, aborted when the client goes away or, for plain calls, when the
    // deployment's timeout passes (a bare timer is far cheaper than AbortSignal.any/timeout).
    const abort = new CallAbort();
    let timedOut = false;
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.on('close', onClose);
    const timer = stream
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, deployment.config.timeoutMs);

    const upstreamStart = performance.now();
    let result;
    try {
      result = await deployment.adapter.call({ requestId: request.id, endpoint, body: upstreamBody, stream, signal: abort });
    } catch (err) {
      clearTimeout(timer);
      if (timedOut || (err instanceof UpstreamError && err.timeout)) {
        throw fromUpstream(new UpstreamError('timeout', { status: 504, timeout: true }), deployment.config.provider, deployment.config.timeoutMs);
      }
      if (abort.aborted) throw new ClientGone();
      if (err instanceof UpstreamError) throw fromUpstream(err, deployment.config.provider, deployment.config.timeoutMs);
      throw err;
    }
    clearTimeout(timer);

    if (result.kind === 'json') {
      upstreamMs = performance.now() - upstreamStart;
      let response = result.body;
      let raw = result.raw;
      if (deps.hooks.postCall.isUsed()) {
        const rctx: ResponseContext = { call: ctx, deployment: deployment.info, streamed: false, response };
        response = (await deps.hooks.postCall.promise(rctx)).response;
        raw = undefined; // a plugin may have changed it in place
      }
      reply.raw.off('close', onClose);
      sendJson(reply, request, raw ?? JSON.stringify(response), deployment.config.id, performance.now() - request.receivedAt - upstreamMs);
      const usage = readUsage(response.usage);
      emitSpend(deps, ctx, deployment, 'success', 200, undefined, false, usage, startedAt, request, upstreamMs);
      return;
    }

    const outcome: StreamOutcome = await relayStream({
      request,
      reply,
      source: result,
      call: ctx,
      deployment,
      endpoint: endpoint as 'chat' | 'completions',
      stripUsage,
      hooks: deps.hooks,
      buffersStreams: deps.buffersStreams,
      scrub: deps.scrub,
      upstreamStart,
      abort,
    });
    reply.raw.off('close', onClose);
    upstreamMs = outcome.upstreamMs;
    emitSpend(deps, ctx, deployment, outcome.error ? 'failure' : 'success', outcome.error ? outcome.error.status : 200, outcome.error?.code, true, outcome.usage, startedAt, request, upstreamMs);
  } catch (err) {
    if (err instanceof ClientGone) {
      if (ctx) emitSpend(deps, ctx, chosen, 'failure', 499, 'SLUICE_ERR_CLIENT_CLOSED', ctx.body.stream === true, NO_USAGE, startedAt, request, upstreamMs);
      return;
    }
    const clientError = toClientError(err, request.id);
    if (!(err instanceof SluiceError)) deps.log.error({ err, requestId: request.id }, 'unexpected error in call pipeline');
    if (ctx) emitSpend(deps, ctx, chosen, 'failure', clientError.status, clientError.code, ctx.body.stream === true, NO_USAGE, startedAt, request, upstreamMs);
    throw clientError;
  }
}

/** The body sent upstream: the client's, minus gateway-only fields, with the upstream model name. */
function upstreamBodyOf(body: JsonObject, model: string): JsonObject {
  const out: JsonObject = {};
  for (const key in body) if (!GATEWAY_ONLY_PARAMS.has(key)) out[key] = body[key]!;
  out.model = model;
  return out;
}

class ClientGone extends Error {}

function emitSpend(
  deps: PipelineDeps,
  ctx: CallContext,
  deployment: RegisteredDeployment | undefined,
  status: SpendEvent['status'],
  httpStatus: number,
  errorCode: string | undefined,
  stream: boolean,
  usage: Usage,
  startedAt: number,
  request: FastifyRequest,
  upstreamMs: number,
): void {
  if (!deps.logRequests && !deps.hooks.onSpend.isUsed()) return;
  const endedAt = Date.now();
  const overheadMs = performance.now() - request.receivedAt - upstreamMs;
  if (deps.logRequests) {
    deps.log.info({ requestId: ctx.requestId, model: ctx.body.model, status: httpStatus, ms: endedAt - startedAt, overheadMs, tokens: usage.total_tokens }, 'call');
  }
  if (!deps.hooks.onSpend.isUsed()) return;
  const metadata = ctx.body.metadata;
  deps.observers.spend({
    requestId: ctx.requestId,
    endpoint: ctx.endpoint,
    principal: ctx.principal,
    model: String(ctx.body.model),
    deployment: deployment?.info as DeploymentInfo | undefined,
    status,
    httpStatus,
    errorCode,
    stream,
    usage,
    cost: deployment ? costOf(usage, deployment.config) : 0,
    tags: ctx.tags,
    user: typeof ctx.body.user === 'string' ? ctx.body.user : undefined,
    startedAt,
    endedAt,
    overheadMs,
    metadata: metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? structuredClone(metadata) : {},
  });
}
