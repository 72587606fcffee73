/**
 * A plugin route's handler run on one request, shared by fastify's route (plugin-routes.ts) and
 * the fast path (plugin-route-fast-path.ts): the `RouteRequest` the handler gets (its admission,
 * model calls and spend records), and settling the admitted call when the handler fails or the
 * client leaves. Both paths come here once the caller is authenticated and the body is read.
 */
import { CallAbort } from '../proxy/call-abort.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { AdmittedCall, ErrorFormat, ForwardCall, ForwardResult, ModelCall, ModelCallResult, Principal, RouteCall, RouteDefinition, RouteRequest, RouteResult, RouteSpend } from '@sluice/plugin-sdk';
import { toClientError } from '../errors.js';
import { withoutQueryKey } from './authenticate.js';
import type { PluginRouteDeps } from './plugin-routes.js';
import { emit, RouteAdmission } from './route-admission.js';
import { callRouteModel, forwardRouteRequest, type RouteCallScope } from './route-model-call.js';

/** A route as registered: its definition and what is worked out once from it. */
export interface RegisteredRoute {
  pluginId: string;
  route: RouteDefinition;
  /** Raw routes get the body's bytes. */
  raw: boolean;
  /** The handler gets the request stream itself. */
  streamed: boolean;
  /** The query parameter that may carry the gateway key (`credential.query`), removed before the handler. */
  keyParam?: string;
  errorFormat?: ErrorFormat;
}

export function registeredRoute(pluginId: string, route: RouteDefinition): RegisteredRoute {
  return {
    pluginId,
    route,
    raw: route.body === 'raw',
    streamed: route.body === 'stream',
    ...(route.credential?.query !== undefined && { keyParam: route.credential.query }),
    ...(route.errorFormat && { errorFormat: route.errorFormat }),
  };
}

/** The request as it arrived, authenticated, its body read (or its stream for `body: 'stream'`). */
export interface RouteArrival {
  principal: Principal | undefined;
  body: unknown;
  query: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  ip: string;
  requestId: string;
  method: string;
  url: string;
}

/** The handler's answer, and the admitted call it still has to settle (once the answer is out). */
export interface RouteOutcome {
  result: RouteResult;
  admission: RouteAdmission | undefined;
}

/** The client left and the handler gave up: nobody to answer, nothing to log. */
export const ROUTE_ABANDONED = Symbol('route abandoned');

function withoutKey<V>(record: Readonly<Record<string, V>>, key: string): Record<string, V> {
  if (!(key in record)) return record as Record<string, V>;
  const { [key]: _dropped, ...rest } = record;
  return rest;
}

/**
 * The `RouteRequest` a handler gets. A class, its `signal` and `aborted` getters on the prototype:
 * an object literal with getters is built through the runtime (measured 1.4-1.8 µs a request,
 * against ~50 ns for this), on every plugin route call. Like any class instance, a spread copy
 * (`{ ...req }`) keeps the own fields only, not `signal` / `aborted`.
 *
 * `admit`, `callModel` and `forward` are methods of the subclasses below, present only when the
 * caller may use them (a handler tests for them), and bound onto the request as own properties
 * (so a handler's spread copy keeps them, as it kept the closures they replace). Closures over
 * this run kept every object of the call alive through the next scavenges (measured on
 * /v1/messages at one connection: ~1.5 MB promoted per scavenge; bound methods: as the chat path).
 */
class HandlerRequest implements RouteRequest {
  readonly #gone: CallAbort;
  readonly #deps: PluginRouteDeps;
  /** The headers as they came (the handler's `headers` lack the gateway key): the admitted call's. */
  readonly #callHeaders: IncomingHttpHeaders;
  /** Made on the first admit() only: a route that admits nothing pays nothing for it. */
  #admission: RouteAdmission | undefined;
  principal: Principal | undefined;
  body: unknown;
  params: Record<string, string>;
  ip: string;
  requestId: string;
  method: string;

  constructor(
    deps: PluginRouteDeps,
    gone: CallAbort,
    arrival: RouteArrival,
    public query: Record<string, string | string[] | undefined>,
    public headers: IncomingHttpHeaders,
    public url: string,
  ) {
    this.#deps = deps;
    this.#gone = gone;
    this.#callHeaders = arrival.headers;
    this.principal = arrival.principal;
    this.body = arrival.body;
    this.params = arrival.params;
    this.ip = arrival.ip;
    this.requestId = arrival.requestId;
    this.method = arrival.method;
    this.recordSpend = this.recordSpend.bind(this);
  }

  /** A real AbortSignal costs microseconds a request; it is made only for a handler that reads it. */
  get signal(): AbortSignal {
    return this.#gone.toAbortSignal();
  }

  get aborted(): boolean {
    return this.#gone.aborted;
  }

  recordSpend(spend: RouteSpend): void {
    const principal = this.principal;
    if (!principal) return;
    if (this.#admission) this.#admission.record(spend);
    else emit(this.#deps, { principal, requestId: this.requestId }, undefined, spend);
  }

  /** The admitted call the handler made, if any (for settling it after the handler). */
  static admissionOf(req: HandlerRequest): RouteAdmission | undefined {
    return req.#admission;
  }

  protected admitCall(call: RouteCall | undefined): Promise<AdmittedCall> {
    this.#admission ??= new RouteAdmission(this.#deps, { principal: this.principal!, requestId: this.requestId, headers: this.#callHeaders, ip: this.ip, receivedAt: Date.now() });
    return this.#admission.admit(call);
  }

  /** The admitted call and the scope its model calls run in; throws before admit(). */
  protected admittedScope(pluginId: string): { admission: RouteAdmission; scope: RouteCallScope } {
    const admission = this.#admission;
    const call = admission?.admitted;
    if (!admission || !call) throw new Error(`${pluginId}: a route must admit() the request before it calls a model`);
    return { admission, scope: { principal: this.principal!, requestId: this.requestId, body: call.body, signal: this.#gone } };
  }

  protected get models(): NonNullable<PluginRouteDeps['models']> {
    return this.#deps.models!;
  }
}

/** An authenticated route's request: it may be admitted as a call of its caller. */
class AdmittingRequest extends HandlerRequest {
  constructor(...args: ConstructorParameters<typeof HandlerRequest>) {
    super(...args);
    this.admit = this.admit.bind(this);
  }

  admit(call?: RouteCall): Promise<AdmittedCall> {
    return this.admitCall(call);
  }
}

/** An authenticated route's request on a gateway with models: it may also call and forward to them. */
class ModelRouteRequest extends AdmittingRequest {
  readonly #pluginId: string;

  constructor(pluginId: string, ...rest: ConstructorParameters<typeof HandlerRequest>) {
    super(...rest);
    this.#pluginId = pluginId;
    this.callModel = this.callModel.bind(this);
    this.forward = this.forward.bind(this);
  }

  // Both route through the admitted call: its body is what the router reads, and the router's
  // end-of-call accounting settles with the call's spend event.
  callModel(call: ModelCall): Promise<ModelCallResult> {
    let route: ReturnType<HandlerRequest['admittedScope']>;
    try {
      route = this.admittedScope(this.#pluginId);
    } catch (err) {
      return Promise.reject(err);
    }
    return callRouteModel(this.models, route.scope, call, route.admission);
  }

  async forward(call: ForwardCall): Promise<ForwardResult> {
    const { admission, scope } = this.admittedScope(this.#pluginId);
    const { result, finish } = await forwardRouteRequest(this.models, this.models.environment, scope, call);
    admission.onFinish(finish);
    return result;
  }
}

/**
 * Runs the route's handler. A handler's error is thrown on (the caller renders it) after the
 * admitted call is settled with it; `gone` is the client leaving.
 */
export async function runPluginRoute(deps: PluginRouteDeps, registered: RegisteredRoute, arrival: RouteArrival, gone: CallAbort): Promise<RouteOutcome | typeof ROUTE_ABANDONED> {
  const { pluginId, keyParam } = registered;
  const { principal, requestId } = arrival;
  const args = [
    deps,
    gone,
    arrival,
    // The caller's gateway key never reaches the handler (which may forward what it gets).
    keyParam ? withoutKey(arrival.query, keyParam) : arrival.query,
    deps.keyHeader ? withoutKey(arrival.headers, deps.keyHeader) : arrival.headers,
    keyParam ? withoutQueryKey(arrival.url, keyParam) : arrival.url,
  ] as const;
  const input: HandlerRequest = !principal ? new HandlerRequest(...args) : deps.models ? new ModelRouteRequest(pluginId, ...args) : new AdmittingRequest(...args);
  try {
    const result = await registered.route.handler(input);
    return { result, admission: HandlerRequest.admissionOf(input) };
  } catch (err) {
    const admission = HandlerRequest.admissionOf(input);
    if (gone.aborted) {
      admission?.settle('failure', 499, 'SLUICE_ERR_CLIENT_CLOSED');
      return ROUTE_ABANDONED;
    }
    if (admission?.open) {
      const failed = toClientError(err, requestId);
      admission.settle('failure', failed.status, failed.code);
    }
    throw err;
  }
}
