/**
 * Runs guardrail plugins by their entries' modes: the gate on each of their taps lets a tap run
 * only for a request one of its entries is active for, at that entry's mode:
 *
 * - `pre_call`: the plugin's preCall, in the chain, before the provider;
 * - `during_call`: its preCall on a copy of the request, started alongside the provider call (it
 *   cannot change what the provider receives); the response waits for it at a barrier (this
 *   plugin's own postCall, tapped first: on the plain response and on the first streamed chunk,
 *   which is refused if the check failed);
 * - `post_call`: its postCall, on the whole response or on streamed chunks as its manifest says.
 *
 * Which entries are active is decided once per request (guardrail-activation.ts) and kept in a
 * WeakMap keyed by the call's `state` object, which every hook context of the request shares.
 * Applied guardrails are reported in `x-litellm-applied-guardrails`, as LiteLLM does, on the
 * response and on a guardrail's refusal.
 */
import { definePluginErrors, isVerdict, type CallContext, type GuardrailRun, type Logger, type SluiceError, type TapGate, type TapLane } from '@sluice/plugin-sdk';
import { activeGuardrails } from './guardrail-activation.js';
import type { GuardrailEntry, GuardrailMode } from './guardrail-entry.js';

export const APPLIED_HEADER = 'x-litellm-applied-guardrails';

export const GuardrailErrors = definePluginErrors('GUARDRAILS', {
  /** An entry whose type no enabled plugin implements, activated by a request: the gateway's fault. */
  UNAVAILABLE: { status: 500, type: 'internal_server_error', message: 'Guardrail {name} of type {type} is not available in this gateway' },
});

interface RequestGuardrails {
  readonly active: ReadonlySet<GuardrailEntry>;
  readonly applied: Set<string>;
  /** What ran, one record per guardrail and mode (a streamed post_call updates its record per chunk): the call's `guardrailRuns`. */
  runs: GuardrailRun[] | undefined;
  /** during_call checks in flight: each settles to its refusal, or undefined. */
  alongside: Promise<SluiceError | undefined>[];
  refused: SluiceError | undefined;
}

type Run = (arg: unknown) => Promise<unknown>;

export class GuardrailGates {
  private readonly requests = new WeakMap<object, RequestGuardrails>();
  /** Whether some entry runs during_call, so the response must wait at the barrier. */
  readonly runsDuringCall: boolean;
  /** Entries no enabled plugin implements: a request that activates one is refused. */
  readonly hasUnavailable: boolean;

  constructor(
    private readonly entries: readonly GuardrailEntry[],
    private readonly logOf: (pluginId: string) => Logger | undefined,
  ) {
    this.runsDuringCall = entries.some((e) => e.modes.has('during_call'));
    this.hasUnavailable = entries.some((e) => e.unavailable);
  }

  /** Before the provider is called: a request that activates an unavailable guardrail gets a 500 naming it. */
  refuseUnavailable(call: CallContext): void {
    for (const e of this.request(call).active) {
      if (e.unavailable) throw GuardrailErrors.UNAVAILABLE({ name: e.name, type: e.unavailable.type });
    }
  }

  /**
   * The gate of one tap: `undefined` for a plugin no entry is bound to, or a lane modes do not
   * decide (it always runs); `null` when none of the plugin's entries ever runs at that lane, so
   * the tap is left out altogether (a pre_call-only guardrail costs streams nothing).
   */
  gateFor(pluginId: string, lane: TapLane): TapGate | null | undefined {
    const mine = this.entries.filter((e) => e.pluginId === pluginId && !e.unavailable);
    if (mine.length === 0) return undefined;
    const at = (mode: GuardrailMode) => mine.filter((e) => e.modes.has(mode));
    if (lane === 'preCall') {
      const inline = at('pre_call');
      const during = at('during_call');
      if (inline.length === 0 && during.length === 0) return null;
      return (arg, run) => {
        const call = arg as CallContext;
        const request = this.request(call);
        const now = inline.filter((e) => request.active.has(e));
        if (now.length > 0) return this.apply(call, request, now, 'pre_call', run, arg);
        const later = during.filter((e) => request.active.has(e));
        if (later.length > 0) this.startAlongside(call, request, later, run);
        return Promise.resolve(undefined);
      };
    }
    if (lane !== 'postCall' && lane !== 'postCallChunk') return undefined;
    const post = at('post_call');
    if (post.length === 0) return null;
    return (arg, run) => {
      const call = (arg as { call: CallContext }).call;
      const request = this.request(call);
      const now = post.filter((e) => request.active.has(e));
      return now.length > 0 ? this.apply(call, request, now, 'post_call', run, arg) : Promise.resolve(undefined);
    };
  }

  /** The during_call barrier: waits for the request's checks in flight; refuses if one failed. */
  async awaitAlongside(call: CallContext): Promise<undefined> {
    const request = this.requests.get(call.state);
    if (!request) return undefined;
    if (request.alongside.length > 0) {
      const pending = request.alongside;
      request.alongside = [];
      for (const check of pending) request.refused ??= await check;
    }
    if (request.refused) throw request.refused;
    return undefined;
  }

  private request(call: CallContext): RequestGuardrails {
    let request = this.requests.get(call.state);
    if (!request) {
      request = { active: activeGuardrails(this.entries, call, this.logOf), applied: new Set(), runs: undefined, alongside: [], refused: undefined };
      this.requests.set(call.state, request);
    }
    return request;
  }

  private markApplied(call: CallContext, request: RequestGuardrails, entries: readonly GuardrailEntry[]): void {
    const before = request.applied.size;
    for (const e of entries) request.applied.add(e.name);
    if (request.applied.size === before) return;
    // The pipeline writes these on the response; the object is shared by every context of the call.
    const mutable = call as { responseHeaders?: Record<string, string> };
    mutable.responseHeaders ??= {};
    mutable.responseHeaders[APPLIED_HEADER] = [...request.applied].join(',');
  }

  private async apply(call: CallContext, request: RequestGuardrails, entries: readonly GuardrailEntry[], mode: GuardrailMode, run: Run, arg: unknown): Promise<unknown> {
    this.markApplied(call, request, entries);
    shareRuns(call, request);
    const startedAt = Date.now();
    try {
      const result = await run(arg);
      recordRuns(request, entries, mode, startedAt, undefined);
      return result;
    } catch (err) {
      recordRuns(request, entries, mode, startedAt, err);
      throw named(err, request);
    }
  }

  private startAlongside(call: CallContext, request: RequestGuardrails, entries: readonly GuardrailEntry[], run: Run): void {
    this.markApplied(call, request, entries);
    // A copy: what the check does to the request must not reach the provider, already under way.
    shareRuns(call, request);
    const copy: CallContext = { ...call, body: structuredClone(call.body) };
    const startedAt = Date.now();
    // Started on the next turn, after the provider request is sent, so even a CPU-bound check
    // overlaps the provider's latency instead of adding to it.
    const check = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => run(copy))
      .then(
        () => {
          recordRuns(request, entries, 'during_call', startedAt, undefined);
          return undefined;
        },
        (err: unknown) => {
          recordRuns(request, entries, 'during_call', startedAt, err);
          return named(err, request) as SluiceError;
        },
      );
    request.alongside.push(check);
  }
}

/** A run's message is kept up to this many characters. */
const MAX_RESPONSE = 1_000;

/**
 * Records how `entries` ended at `mode` on the call (`CallContext.guardrailRuns`, shared before
 * they ran): a refusal is an intervention, any other error a failure to respond. A guardrail that
 * runs again at the same mode (each streamed chunk) updates its record: the end moves, and an
 * intervention or failure stays. A call runs a handful of guardrails: a scan finds the record.
 */
function recordRuns(request: RequestGuardrails, entries: readonly GuardrailEntry[], mode: GuardrailMode, startedAt: number, err: unknown): void {
  const endedAt = Date.now();
  const status: GuardrailRun['status'] = err === undefined ? 'success' : isVerdict(err) ? 'guardrail_intervened' : 'guardrail_failed_to_respond';
  const runs = (request.runs ??= []);
  for (const e of entries) {
    const known = runOf(runs, e.name, mode);
    if (known !== undefined) {
      known.endedAt = endedAt;
      if (known.status === 'success' && status !== 'success') setOutcome(known, status, err);
      continue;
    }
    const record: GuardrailRun = { name: e.name, mode, status: 'success', startedAt, endedAt };
    if (status !== 'success') setOutcome(record, status, err);
    runs.push(record);
  }
}

function runOf(runs: readonly GuardrailRun[], name: string, mode: GuardrailMode): GuardrailRun | undefined {
  for (const r of runs) if (r.name === name && r.mode === mode) return r;
  return undefined;
}

/**
 * Puts the request's run records on the call before a guardrail runs, so a context the guardrail
 * returns as a copy of it carries the array along.
 */
function shareRuns(call: CallContext, request: RequestGuardrails): void {
  const runs = (request.runs ??= []);
  if (call.guardrailRuns !== runs) (call as { guardrailRuns?: GuardrailRun[] }).guardrailRuns = runs;
}

function setOutcome(record: GuardrailRun, status: GuardrailRun['status'], err: unknown): void {
  record.status = status;
  const message = err instanceof Error ? err.message : String(err);
  record.response = message.slice(0, MAX_RESPONSE);
}

/** A guardrail's refusal names the guardrails applied to the request so far, the refusing one among them. */
function named(err: unknown, request: RequestGuardrails): unknown {
  if (!isVerdict(err)) return err;
  const headers = { ...err.headers, [APPLIED_HEADER]: [...request.applied].join(',') };
  Object.defineProperty(err, 'headers', { value: headers, configurable: true, enumerable: true });
  return err;
}
