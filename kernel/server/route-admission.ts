/**
 * A plugin route's request admitted as a call (`RouteRequest.admit`): the preCall chain runs on
 * it as on a model call, and exactly one spend event settles what the chain reserved (parallel
 * slots, budget estimates): the route's own `recordSpend`, or a failure event when the chain
 * refused, the route failed or the client went away without one.
 */
import type { AdmittedCall, CallAttempt, CallContext, CallStatus, JsonObject, LimitScope, Principal, RouteCall, RouteSpend, SpendEvent, Usage } from '@sluice/plugin-sdk';
import { toClientError } from '../errors.js';
import type { AttemptHolder } from '../proxy/call-attempts.js';
import { NO_USAGE } from '../proxy/usage.js';
import { requestTags } from '../proxy/request-tags.js';
import { attachRequest, sealSpendEvent } from '../proxy/spend-event.js';
import type { PluginRouteDeps } from './plugin-routes.js';

const NO_SCOPES: readonly LimitScope[] = Object.freeze([]);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAGS: readonly string[] = Object.freeze([]);

/** The request fields a call is built from. */
export interface AdmissionRequest {
  principal: Principal;
  requestId: string;
  headers: CallContext['headers'];
  ip: string;
  receivedAt: number;
}

export class RouteAdmission implements AttemptHolder {
  /** The tries of the route's model calls, once one failed (call-attempts.ts). */
  attempts: CallAttempt[] | undefined;
  private call: CallContext | undefined;
  private settled = false;
  /** False while the preCall chain runs and after it refused. */
  private passed = false;
  /** The router's end-of-call callbacks of the model calls the route made. */
  private finishers: ((usage: Usage) => void)[] | undefined;

  constructor(
    private readonly deps: PluginRouteDeps,
    private readonly request: AdmissionRequest,
  ) {}

  /** The call after the preCall chain, once it let the call through. */
  get admitted(): CallContext | undefined {
    return this.passed ? this.call : undefined;
  }

  /** Registers the router's accounting of a model call the route made, settled with the call. */
  onFinish(finish: ((usage: Usage) => void) | undefined): void {
    if (finish) (this.finishers ??= []).push(finish);
  }

  private finish(usage: Usage): void {
    const finishers = this.finishers;
    this.finishers = undefined;
    for (const f of finishers ?? []) f(usage);
  }

  /** True once admitted and until its spend event went out. */
  get open(): boolean {
    return this.call !== undefined && !this.settled;
  }

  async admit(input: RouteCall = {}): Promise<AdmittedCall> {
    if (this.call !== undefined) throw new Error('a route request can be admitted once');
    const { principal } = this.request;
    const body: JsonObject = { ...(input.body ?? {}) };
    if (input.model !== undefined) body.model = input.model;
    let call: CallContext = {
      requestId: this.request.requestId,
      endpoint: input.endpoint ?? 'pass_through_endpoint',
      principal,
      headers: this.request.headers,
      ip: this.request.ip,
      receivedAt: this.request.receivedAt,
      body,
      state: {},
      tags: requestTags(body, this.request.headers['x-litellm-tags']),
      scopes: principal.scopes ?? NO_SCOPES,
    };
    this.call = call;
    if (!this.deps.hooks.preCall.isUsed()) {
      this.passed = true;
      return { headers: NO_HEADERS, body: call.body };
    }
    try {
      call = await this.deps.hooks.preCall.promise(call);
    } catch (err) {
      // What the taps before the refusing one reserved is in the call's state: give it back.
      const refused = toClientError(err, this.request.requestId);
      this.settle('failure', refused.status, refused.code);
      throw err;
    }
    this.call = call;
    this.passed = true;
    return { headers: call.responseHeaders ?? NO_HEADERS, body: call.body };
  }

  /** The route's own spend record; after admission the first one settles the call and later ones are dropped. */
  record(spend: RouteSpend): void {
    if (this.settled) return;
    this.settled = this.call !== undefined;
    this.finish(spend.usage ?? NO_USAGE);
    emit(this.deps, this.request, this.call, spend, undefined, this.attempts);
  }

  /** Settles an admitted call the route did not record (its answer went out, it failed, or the client left). */
  settle(status: CallStatus, httpStatus: number, errorCode?: string): void {
    if (!this.open) return;
    const call = this.call!;
    this.settled = true;
    this.finish(NO_USAGE);
    const model = typeof call.body.model === 'string' ? call.body.model : 'unknown';
    emit(this.deps, this.request, call, { endpoint: call.endpoint, model, status, httpStatus, cost: 0, startedAt: this.request.receivedAt }, errorCode, this.attempts);
  }
}

/** A route's spend event: the admitted call's state, scopes and tags when there is one. */
export function emit(deps: PluginRouteDeps, request: Omit<AdmissionRequest, 'headers' | 'ip' | 'receivedAt'>, call: CallContext | undefined, spend: RouteSpend, errorCode?: string, attempts?: CallAttempt[]): void {
  if (!deps.hooks.onSpend.isUsed()) return;
  // Frozen when empty: the event is frozen on delivery anyway, and a shared one costs nothing to freeze.
  const tags = call && call.tags.length > 0 ? [...new Set([...call.tags, ...(spend.tags ?? [])])] : (spend.tags ?? (NO_TAGS as string[]));
  // The fields in the order the chat pipeline's event has them (emitSpend): one object shape for
  // every spend event, so the observers' code that reads them stays monomorphic.
  const event: SpendEvent = {
    requestId: request.requestId,
    endpoint: spend.endpoint,
    principal: request.principal,
    model: spend.model,
    deployment: spend.deployment,
    status: spend.status,
    httpStatus: spend.httpStatus,
    errorCode: errorCode ?? spend.errorCode,
    stream: spend.stream ?? false,
    usage: spend.usage ? { ...spend.usage } : { ...NO_USAGE },
    cost: Number.isFinite(spend.cost) && spend.cost > 0 ? spend.cost : 0,
    tags,
    user: typeof call?.body.user === 'string' ? call.body.user : undefined,
    scopes: call?.scopes ?? request.principal.scopes ?? NO_SCOPES,
    state: call?.state ?? {},
    startedAt: spend.startedAt,
    endedAt: Date.now(),
    overheadMs: 0,
    metadata: {},
    ip: call?.ip,
  };
  if (spend.responseId !== undefined) event.responseId = spend.responseId;
  if (spend.firstTokenAt !== undefined) event.firstTokenAt = spend.firstTokenAt;
  if (attempts !== undefined) event.attempts = attempts;
  if (call?.guardrailRuns !== undefined) event.guardrails = call.guardrailRuns;
  if (call) attachRequest(event, call.body, call.headers);
  deps.observers.spend(sealSpendEvent(event, spend.metadata, deps.log));
}
