/**
 * One proxied call: validate → preCall → choose a deployment → provider → postCall → reply →
 * spend. The hot path: no I/O besides the upstream call, no work a hook that nobody tapped would need.
 */
import {
  isUpstreamError,
  isVerdict,
  UpstreamError,
  type LimitScope,
  type CallContext,
  type DeploymentInfo,
  type Endpoint,
  type FinalResponse,
  type ResponseContext,
  type SpendEvent,
  type Usage,
  type JsonObject,
  type ProviderResponse,
  type RoutableDeployment,
  type Router,
  type RoutingOutcome,
  type Pricing,
  type ModelAccess,
  OPENAI_PATHS,
} from '@sluice/plugin-sdk';
import { KernelErrors, fromUpstream, toClientError } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import type { ModelRegistry, RegisteredDeployment } from '../models/model-registry.js';
import type { ObserverQueue } from '../observers.js';
import { CallAbort } from './call-abort.js';
import { markCooledDown, recordAnsweredAttempt, recordFailedAttempt } from './call-attempts.js';
import { answerCall } from './call-answer.js';
import type { CallReply, CallRequest } from './call-exchange.js';
import { requestTags } from './request-tags.js';
import { attachRequest, responseIdOf, sealSpendEvent } from './spend-event.js';
import { relayStream, type StreamOutcome } from './stream-relay.js';
import { NO_USAGE, priceOf as priceOfDeployment, readUsage, rerankUsage, usageInJsonText } from './usage.js';
import { validateBody } from './validate-request.js';

export interface PipelineDeps {
  router: Router;
  pricing: Pricing | undefined;
  /** Who may call which model (combined-model-access.ts); undefined: everyone may call every model. */
  modelAccess: ModelAccess | undefined;
  hooks: KernelHooks;
  registry: ModelRegistry;
  observers: ObserverQueue;
  log: Logger;
  logRequests: boolean;
  buffersStreams: boolean;
  /** Removes configured secret values from text sent to clients. */
  scrub: (text: string) => string;
  /** Body fields removed before the provider sees the body (gateway-only-fields.ts). */
  gatewayOnlyFields: ReadonlySet<string>;
}

const NO_SCOPES: readonly LimitScope[] = Object.freeze([]);

const ROUTE_LABEL = OPENAI_PATHS;

/**
 * Writes a successful JSON answer straight to the socket: the body is final, so fastify's reply
 * pipeline (serializers, onSend hooks) would only add cost.
 */
function sendJson(
  reply: CallReply,
  request: CallRequest,
  body: string,
  deploymentId: string,
  overheadMs: number,
  cost: number,
  outcome: RoutingOutcome,
  extra: Record<string, string> | undefined,
): void {
  reply.hijack();
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': request.id,
    'x-litellm-call-id': request.id,
    'x-litellm-model-id': deploymentId,
    'x-litellm-overhead-duration-ms': overheadMs.toFixed(3),
    'x-litellm-response-cost': String(cost),
  };
  if (outcome.attemptedFallbacks) headers['x-litellm-attempted-fallbacks'] = outcome.attemptedFallbacks;
  if (outcome.attemptedRetries) headers['x-litellm-attempted-retries'] = outcome.attemptedRetries;
  if (extra) for (const name in extra) headers[name] = extra[name]!;
  reply.raw.writeHead(200, headers);
  reply.raw.end(body);
}

export async function runCall(deps: PipelineDeps, endpoint: Endpoint, request: CallRequest, reply: CallReply): Promise<void> {
  const startedAt = Date.now();
  const principal = request.principal!;
  let ctx: CallContext | undefined;
  let chosen: RegisteredDeployment | undefined;
  let upstreamMs = 0;
  // The router's end-of-call callback, called exactly once whatever happens after routing.
  let finish: ((usage: Usage) => void) | undefined;
  const finishOnce = (usage: Usage) => {
    const f = finish;
    finish = undefined;
    f?.(usage);
  };
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
      tags: requestTags(body, request.headers['x-litellm-tags']),
      scopes: principal.scopes ?? NO_SCOPES,
    };
    if (deps.hooks.preCall.isUsed()) ctx = await deps.hooks.preCall.promise(ctx);
    const call = ctx;
    const model = call.body.model as string;
    deps.modelAccess?.checkCall(principal, model);
    const stream = call.body.stream === true && (endpoint === 'chat' || endpoint === 'completions');
    const opts = call.body.stream_options as JsonObject | undefined;
    // Usage is always requested upstream for spend; the usage chunk goes back out if unasked for.
    const stripUsage = stream && (!opts || opts.include_usage !== true);
    if (call.answer !== undefined) {
      // A plugin answered the call itself (a cache hit): no router, no provider, no cost.
      const answered = await answerCall({ request, reply, call, answer: call.answer, endpoint, stream, stripUsage, hooks: deps.hooks, buffersStreams: deps.buffersStreams });
      emitSpend(deps, call, answered.deployment, 'success', 200, undefined, stream, answered.usage, 0, startedAt, request, 0, responseIdOf(call.answer.response, undefined));
      return;
    }

    // One abort handle per call, fired when the client goes away; each attempt adds its own timer.
    const abort = new CallAbort();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.on('close', onClose);
    let upstreamStart = 0;

    const attempt = async (route: RoutableDeployment): Promise<ProviderResponse> => {
      const deployment = deps.registry.byId(route.id)!;
      chosen = deployment;
      const upstreamBody = upstreamBodyOf(call.body, route.model, deps.gatewayOnlyFields);
      if (stripUsage) upstreamBody.stream_options = { ...(opts ?? {}), include_usage: true };
      let timedOut = false;
      const timer = stream
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            abort.abort();
          }, deployment.config.timeoutMs);
      upstreamStart = performance.now();
      const attemptStart = Date.now();
      try {
        const answered = await deployment.adapter.call(call.upstreamHeaders ? { requestId: request.id, endpoint, body: upstreamBody, stream, signal: abort, headers: call.upstreamHeaders } : { requestId: request.id, endpoint, body: upstreamBody, stream, signal: abort });
        recordAnsweredAttempt(request, deployment.info, attemptStart);
        return answered;
      } catch (err) {
        const failure = attemptFailure(err, timedOut, abort, deployment);
        if (!(failure instanceof ClientGone)) recordFailedAttempt(request, deployment.info, attemptStart, failure, deps.scrub);
        throw failure;
      } finally {
        clearTimeout(timer);
      }
    };

    let outcome;
    try {
      outcome = await deps.router.route({
        requestId: request.id,
        endpoint,
        model,
        body: call.body,
        stream,
        group: (name) => {
          const found = deps.registry.routable(name, endpoint);
          if (found && found.length === 0) throw KernelErrors.ENDPOINT_NOT_SUPPORTED({ model: name, endpoint: ROUTE_LABEL[endpoint] });
          return found;
        },
        attempt,
        cooledDown: (id) => markCooledDown(request, id),
        modelNotFound: (name) => KernelErrors.MODEL_NOT_FOUND({ route: ROUTE_LABEL[endpoint], model: name }),
        noDeploymentsAvailable: (name, seconds) =>
          KernelErrors.ROUTER_NO_DEPLOYMENTS({ model: name, seconds }, { headers: { 'retry-after': String(Math.max(1, Math.ceil(seconds))) } }),
      });
    } catch (err) {
      if (isUpstreamError(err)) throw fromUpstream(err, err.provider ?? 'upstream', err.timeoutMs ?? 0);
      throw err;
    }
    const deployment = deps.registry.byId(outcome.deployment.id)!;
    chosen = deployment;
    const result = outcome.response;
    finish = outcome.onFinish;

    if (result.kind === 'json') {
      upstreamMs = performance.now() - upstreamStart;
      // An answer with its raw text goes out as those bytes, unparsed unless a plugin reads it.
      let raw = result.raw;
      let response: JsonObject | undefined;
      // The provider's answer as it came, for a plugin that keeps it (postCall may change it in place).
      const original = call.onFinalResponse && deps.hooks.postCall.isUsed() ? (raw ?? JSON.stringify(lazyBody(result, deployment))) : undefined;
      if (deps.hooks.postCall.isUsed()) {
        const rctx: ResponseContext = { call, deployment: deployment.info, streamed: false, response: lazyBody(result, deployment) };
        response = (await deps.hooks.postCall.promise(rctx)).response;
        raw = undefined; // a plugin may have changed it in place
      } else if (raw === undefined) {
        response = result.body;
      }
      reply.raw.off('close', onClose);
      const usage =
        endpoint === 'rerank'
          ? rerankUsage(response ?? lazyBody(result, deployment))
          : response
            ? readUsage(response.usage)
            : (usageInJsonText(raw!) ?? readUsage(lazyBody(result, deployment).usage));
      finishOnce(usage);
      const cost = priceOf(deps, endpoint, usage, deployment);
      const text = raw ?? JSON.stringify(response);
      sendJson(reply, request, text, deployment.config.id, performance.now() - request.receivedAt - upstreamMs, cost, outcome, call.responseHeaders);
      emitSpend(deps, call, deployment.info, 'success', 200, undefined, false, usage, cost, startedAt, request, upstreamMs, deps.hooks.onSpend.isUsed() ? responseIdOf(response, raw) : undefined);
      if (call.onFinalResponse) notifyFinal(deps, call, original !== undefined && original !== text ? { text: original, sent: text, streamed: false, deployment: deployment.info, usage } : { text, streamed: false, deployment: deployment.info, usage });
      return;
    }

    if (result.kind === 'bytes') throw new Error(`provider ${deployment.config.provider} answered ${endpoint} with bytes`);
    const streamed: StreamOutcome = await relayStream({
      request,
      reply,
      source: result,
      call,
      deployment,
      endpoint: endpoint as 'chat' | 'completions',
      stripUsage,
      hooks: deps.hooks,
      buffersStreams: deps.buffersStreams,
      scrub: deps.scrub,
      upstreamStart,
      abort,
      attemptedFallbacks: outcome.attemptedFallbacks,
      attemptedRetries: outcome.attemptedRetries,
      extraHeaders: call.responseHeaders,
      assemble: call.onFinalResponse !== undefined,
    });
    reply.raw.off('close', onClose);
    finishOnce(streamed.usage);
    upstreamMs = streamed.upstreamMs;
    const cost = priceOf(deps, endpoint, streamed.usage, deployment);
    emitSpend(deps, call, deployment.info, streamed.error ? 'failure' : 'success', streamed.error ? streamed.error.status : 200, streamed.error?.code, true, streamed.usage, cost, startedAt, request, upstreamMs, streamed.responseId, streamed.firstChunkAt, streamed.error?.message);
    if (streamed.assembled !== undefined && !streamed.error && call.onFinalResponse) {
      const sent = streamed.sent;
      notifyFinal(deps, call, { text: JSON.stringify(streamed.assembled), ...(sent !== undefined && { sent }), streamed: true, deployment: deployment.info, usage: streamed.usage });
    }
  } catch (err) {
    finishOnce(NO_USAGE);
    if (err instanceof ClientGone) {
      if (ctx) emitSpend(deps, ctx, chosen?.info, 'failure', 499, 'SLUICE_ERR_CLIENT_CLOSED', ctx.body.stream === true, NO_USAGE, 0, startedAt, request, upstreamMs);
      return;
    }
    const clientError = toClientError(err, request.id);
    if (!isVerdict(err)) deps.log.error({ err, requestId: request.id }, 'unexpected error in call pipeline');
    if (ctx) emitSpend(deps, ctx, chosen?.info, 'failure', clientError.status, clientError.code, ctx.body.stream === true, NO_USAGE, 0, startedAt, request, upstreamMs, undefined, undefined, clientError.message);
    throw clientError;
  }
}

/** A JSON answer's parsed body; an answer that does not parse is the upstream's fault (502). */
function lazyBody(result: { body: JsonObject }, d: RegisteredDeployment): JsonObject {
  try {
    return result.body;
  } catch (err) {
    if (isUpstreamError(err)) throw fromUpstream(err, d.config.provider, d.config.timeoutMs);
    throw err;
  }
}

function upstreamOrigin(d: RegisteredDeployment): { provider: string; timeoutMs: number } {
  return { provider: d.config.provider, timeoutMs: d.config.timeoutMs };
}

function priceOf(deps: PipelineDeps, endpoint: Endpoint, usage: Usage, d: RegisteredDeployment): number {
  return priceOfDeployment(deps.pricing, endpoint, usage, d);
}

/** The body sent upstream: the client's, minus gateway-only fields, with the upstream model name. */
function upstreamBodyOf(body: JsonObject, model: string, gatewayOnly: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const key in body) if (!gatewayOnly.has(key)) out[key] = body[key]!;
  out.model = model;
  return out;
}

class ClientGone extends Error {}

/** An attempt's failure as the router reads it: a timeout, the client gone, or the upstream's error naming its deployment. */
function attemptFailure(err: unknown, timedOut: boolean, abort: CallAbort, deployment: RegisteredDeployment): unknown {
  if (timedOut || (isUpstreamError(err) && err.timeout)) {
    return Object.assign(new UpstreamError('upstream timed out', { status: 504, timeout: true, cause: err }), upstreamOrigin(deployment));
  }
  if (abort.aborted) return new ClientGone();
  if (isUpstreamError(err)) return Object.assign(err, upstreamOrigin(deployment));
  return err;
}

/** Hands the final response to the plugin that asked for it; its failure is its own, never the call's. */
function notifyFinal(deps: PipelineDeps, call: CallContext, final: FinalResponse): void {
  try {
    call.onFinalResponse!(final);
  } catch (err) {
    deps.log.error({ err, requestId: call.requestId }, 'onFinalResponse failed');
  }
}

function emitSpend(
  deps: PipelineDeps,
  ctx: CallContext,
  deployment: DeploymentInfo | undefined,
  status: SpendEvent['status'],
  httpStatus: number,
  errorCode: string | undefined,
  stream: boolean,
  usage: Usage,
  cost: number,
  startedAt: number,
  request: CallRequest,
  upstreamMs: number,
  responseId?: string,
  firstTokenAt?: number,
  errorMessage?: string,
): void {
  if (!deps.logRequests && !deps.hooks.onSpend.isUsed()) return;
  const endedAt = Date.now();
  const overheadMs = performance.now() - request.receivedAt - upstreamMs;
  if (deps.logRequests) {
    deps.log.info({ requestId: ctx.requestId, model: ctx.body.model, status: httpStatus, ms: endedAt - startedAt, overheadMs, tokens: usage.total_tokens }, 'call');
  }
  if (!deps.hooks.onSpend.isUsed()) return;
  const event: SpendEvent = {
    requestId: ctx.requestId,
    endpoint: ctx.endpoint,
    principal: ctx.principal,
    model: String(ctx.body.model),
    deployment,
    status,
    httpStatus,
    errorCode,
    stream,
    usage,
    cost,
    tags: ctx.tags,
    user: typeof ctx.body.user === 'string' ? ctx.body.user : undefined,
    scopes: ctx.scopes,
    state: ctx.state,
    startedAt,
    endedAt,
    overheadMs,
    metadata: {},
    ip: ctx.ip,
  };
  attachRequest(event, ctx.body, ctx.headers);
  if (errorMessage !== undefined) event.errorMessage = deps.scrub(errorMessage);
  if (responseId !== undefined) event.responseId = responseId;
  if (firstTokenAt !== undefined) event.firstTokenAt = firstTokenAt;
  if (request.attempts !== undefined) event.attempts = request.attempts;
  if (ctx.guardrailRuns !== undefined) event.guardrails = ctx.guardrailRuns;
  if (ctx.cacheKey !== undefined) {
    event.cacheKey = ctx.cacheKey;
    event.cacheHit = ctx.answer?.cacheHit === true;
  } else if (ctx.answer?.cacheHit) event.cacheHit = true;
  deps.observers.spend(sealSpendEvent(event, ctx.body.metadata, deps.log));
}
