/**
 * Runs guardrail plugins by their entries' modes: the gate on each of their taps lets a tap run
 * only for a request one of its entries is active for, at that entry's mode:
 *
 * - `pre_call`: the plugin's preCall, in the chain, before the provider;
 * - `during_call`: its preCall on a copy of the request, started alongside the provider call (it
 *   cannot change what the provider receives); the response waits for it at a barrier tapped first
 *   on postCall (plain) and on the first streamed chunk, which is refused if the check failed;
 * - `post_call`: its postCall, on the whole response or on streamed chunks as its manifest says.
 *
 * Which entries are active is decided once per request (guardrail-activation.ts) and kept in a
 * WeakMap keyed by the call's `state` object, which every hook context of the request shares.
 * Applied guardrails are reported in `x-litellm-applied-guardrails`, as LiteLLM does, on the
 * response and on a guardrail's refusal.
 */
import { SluiceError } from '../../plugin-sdk/errors.js';
import type { Logger } from '../../plugin-sdk/capabilities.js';
import type { CallContext } from '../../plugin-sdk/hook-contexts.js';
import type { PendingTap, TapGate } from '../plugins/hook-taps.js';
import { activeGuardrails } from './guardrail-activation.js';
import type { GuardrailEntry, GuardrailMode, ListedGuardrail } from './guardrail-entry.js';

export const APPLIED_HEADER = 'x-litellm-applied-guardrails';
export const BARRIER_ID = 'guardrails-during-call';

/** The lanes a guardrail's modes decide; a guardrail plugin's other hooks always run. */
export type GatedLane = 'preCall' | 'postCall' | 'postCallChunk';

interface RequestGuardrails {
  readonly active: ReadonlySet<GuardrailEntry>;
  readonly applied: Set<string>;
  /** during_call checks in flight: each settles to its refusal, or undefined. */
  alongside: Promise<SluiceError | undefined>[];
  refused: SluiceError | undefined;
}

export class GuardrailRuntime {
  private readonly entries: GuardrailEntry[] = [];
  private readonly logs = new Map<string, Logger>();
  private readonly requests = new WeakMap<object, RequestGuardrails>();
  private barrier = false;
  private barrierTapped = false;
  /** Extra detail for /guardrails/list, per implementing plugin. */
  private readonly info = new Map<string, Record<string, unknown>>();

  register(entries: readonly GuardrailEntry[], log: Logger, info: Record<string, unknown>): void {
    this.entries.push(...entries);
    this.logs.set(entries[0]!.pluginId, log);
    this.info.set(entries[0]!.pluginId, info);
  }

  /** GET /guardrails/list rows, in config order. */
  list(): ListedGuardrail[] {
    return [...this.entries]
      .sort((a, b) => a.order - b.order)
      .map((e) => ({ ...e.listed, guardrail_info: { ...this.info.get(e.pluginId), ...e.listed.guardrail_info } }));
  }

  /**
   * The gate of one tap of a guardrail plugin; `null` when none of its entries ever runs at that
   * lane, so the tap is left out altogether (a pre_call-only guardrail costs streams nothing).
   */
  gateFor(pluginId: string, lane: GatedLane): TapGate | null {
    const mine = this.entries.filter((e) => e.pluginId === pluginId);
    const at = (mode: GuardrailMode) => mine.filter((e) => e.modes.has(mode));
    if (lane === 'preCall') {
      const inline = at('pre_call');
      const during = at('during_call');
      if (inline.length === 0 && during.length === 0) return null;
      if (during.length > 0) this.barrier = true;
      return (arg, run) => {
        const call = arg as CallContext;
        const request = this.request(call);
        const now = inline.filter((e) => request.active.has(e));
        if (now.length > 0) return this.apply(call, request, now, run, arg);
        const later = during.filter((e) => request.active.has(e));
        if (later.length > 0) this.startAlongside(call, request, later, run);
        return Promise.resolve(undefined);
      };
    }
    const post = at('post_call');
    if (post.length === 0) return null;
    return (arg, run) => {
      const call = (arg as { call: CallContext }).call;
      const request = this.request(call);
      const now = post.filter((e) => request.active.has(e));
      return now.length > 0 ? this.apply(call, request, now, run, arg) : Promise.resolve(undefined);
    };
  }

  /** The during_call barrier taps, once, as soon as some entry runs during_call. */
  barrierTaps(): PendingTap[] {
    if (!this.barrier || this.barrierTapped) return [];
    this.barrierTapped = true;
    const base = { hook: 'postCall' as const, pluginId: BARRIER_ID, pluginVersion: '1.0.0', stage: 'SECURITY' as const, policy: 'fail-closed' as const, timeoutMs: undefined };
    const wait = ((ctx: { call: CallContext }) => this.awaitAlongside(ctx.call)) as PendingTap['fn'];
    return [
      { ...base, lane: 'postCall', fn: wait },
      { ...base, lane: 'postCallChunk', fn: wait },
    ];
  }

  private request(call: CallContext): RequestGuardrails {
    let request = this.requests.get(call.state);
    if (!request) {
      request = { active: activeGuardrails(this.entries, call, (id) => this.logs.get(id)), applied: new Set(), alongside: [], refused: undefined };
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

  private async apply(call: CallContext, request: RequestGuardrails, entries: readonly GuardrailEntry[], run: (arg: unknown) => Promise<unknown>, arg: unknown): Promise<unknown> {
    this.markApplied(call, request, entries);
    try {
      return await run(arg);
    } catch (err) {
      throw named(err, request);
    }
  }

  private startAlongside(call: CallContext, request: RequestGuardrails, entries: readonly GuardrailEntry[], run: (arg: unknown) => Promise<unknown>): void {
    this.markApplied(call, request, entries);
    // A copy: what the check does to the request must not reach the provider, already under way.
    const copy: CallContext = { ...call, body: structuredClone(call.body) };
    // Started on the next turn, after the provider request is sent, so even a CPU-bound check
    // overlaps the provider's latency instead of adding to it.
    const check = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => run(copy))
      .then(
        () => undefined,
        (err: unknown) => named(err, request) as SluiceError,
      );
    request.alongside.push(check);
  }

  private async awaitAlongside(call: CallContext): Promise<undefined> {
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
}

/** A guardrail's refusal names the guardrails applied to the request so far, the refusing one among them. */
function named(err: unknown, request: RequestGuardrails): unknown {
  if (!(err instanceof SluiceError)) return err;
  const headers = { ...err.headers, [APPLIED_HEADER]: [...request.applied].join(',') };
  Object.defineProperty(err, 'headers', { value: headers, configurable: true, enumerable: true });
  return err;
}
