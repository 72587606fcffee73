/**
 * Model calls made by plugin routes (`RouteRequest.callModel`, `RouteRequest.forward`): the API
 * families a plugin serves (its own wire format in and out) reach deployments through the same
 * router, timeouts, model access and pricing as the kernel's chat route. The route admits the call
 * first (route-admission.ts), so limits and budgets have already run; this module only routes.
 */
import {
  isUpstreamError,
  type AbortSignalLike,
  UpstreamError,
  type DeploymentConfig,
  type Endpoint,
  type ForwardCall,
  type ForwardResponse,
  type ForwardResult,
  type JsonObject,
  type ModelAccess,
  type ModelCall,
  type ModelCallResult,
  type Principal,
  type Pricing,
  type ProviderAdapter,
  type ProviderDefinition,
  type ProviderRequest,
  type ProviderResponse,
  type RoutableDeployment,
  type Router,
  type Usage,
  OPENAI_PATHS,
} from '@sluice/plugin-sdk';
import { KernelErrors, fromUpstream } from '../errors.js';
import type { Logger } from '../logging/create-logger.js';
import { routableOf, type ModelRegistry, type RegisteredDeployment } from '../models/model-registry.js';
import { CallAbort } from '../proxy/call-abort.js';
import { markCooledDown, recordAnsweredAttempt, recordFailedAttempt, type AttemptHolder } from '../proxy/call-attempts.js';
import { priceOf } from '../proxy/usage.js';

export interface RouteModelDeps {
  router: Router;
  registry: ModelRegistry;
  pricing: Pricing | undefined;
  modelAccess: ModelAccess | undefined;
  /** Provider plugins by provider name, to build an environment-credential deployment for `forward`. */
  providers: ReadonlyMap<string, { pluginId: string; definition: ProviderDefinition }>;
  /** A deployment config for a provider without one in the model list (its environment credentials). */
  environmentDeployment(provider: string): DeploymentConfig;
  /** Removes secrets from text kept for observers (a failed try's message). */
  scrub(text: string): string;
  log: Logger;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What a route's model call knows of its request. */
export interface RouteCallScope {
  principal: Principal;
  requestId: string;
  /** The admitted call's body (what the router reads: mock_response, per-request fallbacks…). */
  body: JsonObject;
  /** Aborted when the client goes away. */
  signal: AbortSignalLike;
}

/** The router's end-of-call callback, called once with the call's usage. */
export type FinishCall = (usage: Usage) => void;

class ClientGone extends Error {
  constructor() {
    super('the client went away');
  }
}

/** An attempt's failure as the router reads it: a timeout, the client gone, or the upstream's error naming its provider. */
function attemptFailure(err: unknown, timedOut: boolean, abort: CallAbort, provider: string, timeoutMs: number): unknown {
  if (timedOut || (isUpstreamError(err) && err.timeout)) {
    return Object.assign(new UpstreamError('upstream timed out', { status: 504, timeout: true, cause: err }), { provider, timeoutMs });
  }
  if (abort.aborted) return new ClientGone();
  if (isUpstreamError(err)) return Object.assign(err, { provider, timeoutMs });
  return err;
}

/** What the route (and its client) gets for a routing failure. */
function clientError(err: unknown): unknown {
  if (err instanceof ClientGone) return KernelErrors.CLIENT_CLOSED();
  if (isUpstreamError(err)) {
    const origin = err as UpstreamError & { provider?: string; timeoutMs?: number };
    return fromUpstream(err, origin.provider ?? 'upstream', origin.timeoutMs ?? 0);
  }
  return err;
}

/**
 * A CallAbort that follows the route's client signal. It stays attached while a streamed answer
 * is relayed (the client leaving mid-stream cancels the upstream); released when the call fails.
 */
function abortFor(signal: AbortSignalLike): { abort: CallAbort; release(): void } {
  const abort = new CallAbort();
  const onAbort = () => abort.abort();
  if (signal.aborted) abort.abort();
  else signal.addEventListener('abort', onAbort);
  return { abort, release: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * The union of two endpoints' groups, kept per pair of group arrays: the registry hands out the
 * same arrays until the model list changes, so a route calling with two endpoints (messages, then
 * chat) pays a lookup instead of a Set and an array a request. Weak: a replaced group frees its entry.
 */
const unions = new WeakMap<readonly RoutableDeployment[], { other: readonly RoutableDeployment[]; union: readonly RoutableDeployment[] }>();

/** The deployments of `model` that serve any of `endpoints`, in group order, each once. */
function groupServing(registry: ModelRegistry, model: string, endpoints: readonly Endpoint[]): readonly RoutableDeployment[] | undefined {
  if (endpoints.length === 1) return registry.routable(model, endpoints[0]!);
  if (endpoints.length === 2) {
    const first = registry.routable(model, endpoints[0]!);
    const second = registry.routable(model, endpoints[1]!);
    if (first === undefined || second === undefined) return first ?? second;
    // One side empty (a model group serving only one of the two): the other is the union.
    if (first.length === 0) return second;
    if (second.length === 0) return first;
    const known = unions.get(first);
    if (known !== undefined && known.other === second) return known.union;
    const union = unionOf([first, second]);
    unions.set(first, { other: second, union });
    return union;
  }
  const groups: (readonly RoutableDeployment[])[] = [];
  for (const e of endpoints) {
    const group = registry.routable(model, e);
    if (group !== undefined) groups.push(group);
  }
  return groups.length === 0 ? undefined : unionOf(groups);
}

function unionOf(groups: readonly (readonly RoutableDeployment[])[]): RoutableDeployment[] {
  const found: RoutableDeployment[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    for (const d of group) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      found.push(d);
    }
  }
  return found;
}

function endpointLabel(endpoints: readonly Endpoint[]): string {
  return endpoints.map((e) => OPENAI_PATHS[e]).join(' or ');
}

/**
 * Routes the call; the router's end-of-call accounting goes to `settle.onFinish` before the result
 * is returned (the admitted call settles it with its spend event). Handed straight to the route
 * as its `callModel` promise: no wrapper awaiting it on the way (a promise and a tick a call).
 */
export async function callRouteModel(deps: RouteModelDeps, scope: RouteCallScope, call: ModelCall, settle: AttemptHolder & { onFinish(finish: FinishCall | undefined): void }): Promise<ModelCallResult> {
  if (call.endpoints.length === 0) throw new Error('callModel needs at least one endpoint');
  deps.modelAccess?.checkCall(scope.principal, call.model);
  const { abort, release } = abortFor(scope.signal);
  let chosenEndpoint: Endpoint = call.endpoints[0]!;
  const attempt = async (route: RoutableDeployment): Promise<ProviderResponse> => {
    const deployment = deps.registry.byId(route.id)!;
    const endpoint = call.endpoints.find((e) => deployment.endpoints.has(e)) ?? call.endpoints[0]!;
    // The route's body is a new object per attempt (ModelCall.body): its model is set in place
    // rather than the whole body copied again. A frozen one (a shared constant) is copied.
    let body = call.body(endpoint, route);
    if (Object.isFrozen(body)) body = { ...body, model: route.model };
    else body.model = route.model;
    let timedOut = false;
    const timeoutMs = call.timeoutMs ?? deployment.config.timeoutMs;
    const timer = call.stream
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, timeoutMs);
    const attemptStart = Date.now();
    try {
      // A plain literal, the optional fields set after: a literal with spreads is built field by field at runtime.
      const request: Writable<ProviderRequest> = { requestId: scope.requestId, endpoint, body, stream: call.stream, signal: abort };
      if (call.files) request.files = call.files;
      if (call.timeoutMs !== undefined) request.timeoutMs = call.timeoutMs;
      const response = await deployment.adapter.call(request);
      chosenEndpoint = endpoint;
      recordAnsweredAttempt(settle, deployment.info, attemptStart);
      return response;
    } catch (err) {
      const failure = attemptFailure(err, timedOut, abort, deployment.config.provider, timeoutMs);
      if (!(failure instanceof ClientGone)) recordFailedAttempt(settle, deployment.info, attemptStart, failure, deps.scrub);
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    // Only errors read it: made when one is thrown, not per call.
    const label = () => endpointLabel(call.endpoints);
    const outcome = await deps.router.route({
      requestId: scope.requestId,
      endpoint: call.endpoints[0]!,
      model: call.model,
      body: scope.body,
      stream: call.stream,
      group: (name) => {
        const found = groupServing(deps.registry, name, call.endpoints);
        if (found && found.length === 0) throw KernelErrors.ENDPOINT_NOT_SUPPORTED({ model: name, endpoint: label() });
        return found;
      },
      attempt,
      cooledDown: (id) => markCooledDown(settle, id),
      modelNotFound: (name) => KernelErrors.MODEL_NOT_FOUND({ route: label(), model: name }),
      noDeploymentsAvailable: (name, seconds) =>
        KernelErrors.ROUTER_NO_DEPLOYMENTS({ model: name, seconds }, { headers: { 'retry-after': String(Math.max(1, Math.ceil(seconds))) } }),
    });
    const deployment = deps.registry.byId(outcome.deployment.id)!;
    const endpoint = chosenEndpoint;
    const result: Writable<ModelCallResult> = {
      endpoint,
      deployment: deployment.info,
      response: outcome.response,
      answeredAt: Date.now(),
      price: (usage, as) => priceOf(deps.pricing, as ?? endpoint, usage, deployment),
    };
    if (outcome.attemptedFallbacks !== undefined) result.attemptedFallbacks = outcome.attemptedFallbacks;
    if (outcome.attemptedRetries !== undefined) result.attemptedRetries = outcome.attemptedRetries;
    settle.onFinish(outcome.onFinish?.bind(outcome));
    return result;
  } catch (err) {
    release();
    throw clientError(err);
  }
}

/** Where a forwarded request goes, and the adapter that sends it. */
interface ForwardTarget {
  deployment: RegisteredDeployment | EnvironmentDeployment;
  adapter: ProviderAdapter & Required<Pick<ProviderAdapter, 'forward'>>;
}

/** A deployment built from a provider's environment credentials (no model_list entry names it). */
interface EnvironmentDeployment {
  config: DeploymentConfig;
  route: RoutableDeployment;
  info: RegisteredDeployment['info'];
}

/** Environment deployments, built once per provider and kept for the gateway's life. */
export class EnvironmentAdapters {
  private readonly built = new Map<string, ForwardTarget | null>();

  constructor(private readonly deps: Pick<RouteModelDeps, 'providers' | 'environmentDeployment' | 'log'>) {}

  get(provider: string): ForwardTarget | undefined {
    let target = this.built.get(provider);
    if (target === undefined) {
      target = this.build(provider);
      this.built.set(provider, target);
    }
    return target ?? undefined;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.built.values()].map((t) => t?.adapter.close?.()));
  }

  private build(provider: string): ForwardTarget | null {
    const p = this.deps.providers.get(provider);
    if (!p) return null;
    const config = this.deps.environmentDeployment(provider);
    let adapter: ProviderAdapter;
    try {
      adapter = p.definition.createAdapter(config);
    } catch (err) {
      // No environment credentials: the provider only serves pass-through through its deployments.
      this.deps.log.debug?.({ provider, err: (err as Error).message }, 'no environment deployment for pass-through');
      return null;
    }
    if (!adapter.forward) return null;
    const route = routableOf(config);
    const info = Object.freeze({ id: config.id, modelName: config.modelName, provider: config.provider, model: config.model, apiBase: config.apiBase });
    return { deployment: { config, route, info }, adapter: adapter as ForwardTarget['adapter'] };
  }
}

function forwarding(d: RegisteredDeployment): d is RegisteredDeployment & { adapter: ForwardTarget['adapter'] } {
  return typeof d.adapter.forward === 'function';
}

/** The deployment a provider's pass-through uses: one marked `use_in_pass_through`, else its first. */
function providerDeployment(registry: ModelRegistry, provider: string): RegisteredDeployment | undefined {
  let first: RegisteredDeployment | undefined;
  for (const d of registry.all()) {
    if (d.config.provider !== provider || !forwarding(d)) continue;
    if (d.config.params.use_in_pass_through === true) return d;
    first ??= d;
  }
  return first;
}

export async function forwardRouteRequest(
  deps: RouteModelDeps,
  environment: EnvironmentAdapters,
  scope: RouteCallScope,
  call: ForwardCall,
): Promise<{ result: ForwardResult; finish: FinishCall | undefined }> {
  const { abort, release } = abortFor(scope.signal);
  const send = async (target: ForwardTarget): Promise<ForwardResponse> => {
    const timeoutMs = call.timeoutMs ?? target.deployment.config.timeoutMs;
    let timedOut = false;
    // Bounds the wait for the answer's headers; the body streams for as long as it takes.
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    try {
      return await target.adapter.forward({ ...call.request, signal: abort });
    } catch (err) {
      throw attemptFailure(err, timedOut, abort, target.deployment.config.provider, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  };
  const priced = (target: ForwardTarget): ForwardResult['price'] => (usage, options) => {
    if (!deps.pricing) return 0;
    const route = options?.model ? Object.freeze({ ...target.deployment.route, model: options.model }) : target.deployment.route;
    return deps.pricing.costOf({ endpoint: options?.endpoint ?? 'chat', usage, deployment: route, modelInfo: target.deployment.config.modelInfo });
  };
  try {
    if (call.deploymentId !== undefined) {
      const d = deps.registry.byId(call.deploymentId);
      if (!d || !forwarding(d)) throw KernelErrors.FORWARD_DEPLOYMENT_GONE({ detail: `deployment ${call.deploymentId}` });
      deps.modelAccess?.checkCall(scope.principal, d.config.modelName);
      const target: ForwardTarget = { deployment: d, adapter: d.adapter };
      return { result: { deployment: d.info, response: await send(target), price: priced(target) }, finish: undefined };
    }
    if (call.model !== undefined) {
      deps.modelAccess?.checkCall(scope.principal, call.model);
      let answer: ForwardResponse | undefined;
      const body = call.request.body;
      const streamedBody = body !== undefined && !(body instanceof Uint8Array);
      const outcome = await deps.router.route({
        requestId: scope.requestId,
        endpoint: 'chat',
        model: call.model,
        body: scope.body,
        stream: false,
        group: (name) => {
          const all = deps.registry.deploymentsOf(name);
          if (all.length === 0) return deps.registry.has(name) ? [] : undefined;
          return all.filter(forwarding).map((d) => d.route);
        },
        attempt: async (route) => {
          const d = deps.registry.byId(route.id)!;
          if (!forwarding(d)) throw new UpstreamError('this deployment serves no pass-through', { status: 404 });
          if (!streamedBody) {
            answer = await send({ deployment: d, adapter: d.adapter });
          } else {
            // A streamed body is read once: a failed attempt cannot be retried with it, so its
            // error ends routing (a SluiceError, not an UpstreamError the router would retry).
            try {
              answer = await send({ deployment: d, adapter: d.adapter });
            } catch (err) {
              throw clientError(err);
            }
          }
          // The router only needs to know the attempt answered; the route relays `answer` itself.
          return { kind: 'bytes', status: answer.status, contentType: '', body: answer.body };
        },
        modelNotFound: (name) => KernelErrors.MODEL_NOT_FOUND({ route: 'pass-through', model: name }),
        noDeploymentsAvailable: (name, seconds) =>
          KernelErrors.ROUTER_NO_DEPLOYMENTS({ model: name, seconds }, { headers: { 'retry-after': String(Math.max(1, Math.ceil(seconds))) } }),
      });
      const d = deps.registry.byId(outcome.deployment.id)!;
      const target: ForwardTarget = { deployment: d, adapter: d.adapter as ForwardTarget['adapter'] };
      return { result: { deployment: d.info, response: answer!, price: priced(target) }, finish: outcome.onFinish?.bind(outcome) };
    }
    const provider = call.provider;
    if (provider === undefined) throw new Error('forward needs a model or a provider');
    const configured = providerDeployment(deps.registry, provider);
    const target: ForwardTarget | undefined = configured ? { deployment: configured, adapter: configured.adapter as ForwardTarget['adapter'] } : environment.get(provider);
    if (!target) throw KernelErrors.FORWARD_NO_DEPLOYMENT({ provider });
    const response = await send(target);
    return { result: { deployment: target.deployment.info, response, price: priced(target) }, finish: undefined };
  } catch (err) {
    release();
    throw clientError(err);
  }
}
