/**
 * Wraps plugin handlers before they are tapped: a verdict (`isVerdict`: a SluiceError of any SDK copy) passes through
 * tagged with the plugin id; anything else is a fault and follows the plugin's failure policy.
 */
import { isVerdict, type TapGate } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';
import type { KernelHooks } from '../hooks.js';
import type { Logger } from '../logging/create-logger.js';
import type { KernelMetrics } from '../metrics.js';
import { STAGES, type HookName, type StageName } from '../stages.js';

export type FailurePolicy = 'fail-closed' | 'fail-open';
export type HookLane = HookName | 'postCallChunk';

export interface PendingTap {
  lane: HookLane;
  hook: HookName;
  pluginId: string;
  pluginVersion: string;
  stage: StageName;
  policy: FailurePolicy;
  timeoutMs: number | undefined;
  fn: (arg: never) => Promise<unknown>;
  /**
   * Decides per call whether the tap runs, given the call's argument and the tap's handler (with
   * its failure policy applied); set by the tap-activation provider (tap-activation.ts). Absent:
   * the handler runs on every call, at no extra cost.
   */
  gate?: TapGate;
  /** A postCall tap of a plugin that holds whole streams (`streaming: buffer`). */
  buffersStreams?: boolean;
}

export function defaultPolicy(hook: HookName): FailurePolicy {
  return hook === 'preAuth' || hook === 'preCall' ? 'fail-closed' : 'fail-open';
}

/** Taps every pending tap in (stage, plugin id) order; returns the resolved order for printing. */
export function applyTaps(hooks: KernelHooks, taps: PendingTap[], log: Logger, metrics: KernelMetrics): PendingTap[] {
  const ordered = [...taps].sort((a, b) => STAGES[a.stage] - STAGES[b.stage] || a.pluginId.localeCompare(b.pluginId));
  for (const t of ordered) {
    const hook = hooks[t.lane] as { tapPromise(opts: { name: string; stage: number }, fn: (arg: unknown) => Promise<unknown>): void };
    const guarded = guard(t, log, metrics);
    const gate = t.gate;
    hook.tapPromise({ name: t.pluginId, stage: STAGES[t.stage] }, gate ? (arg) => gate(arg, guarded) : guarded);
  }
  return ordered;
}

function guard(t: PendingTap, log: Logger, metrics: KernelMetrics): (arg: unknown) => Promise<unknown> {
  const fn = t.fn as (arg: unknown) => Promise<unknown>;
  // Series bound once here, at load: a call only adds numbers.
  const faults = metrics.pluginFaults.series({ plugin: t.pluginId, hook: t.hook });
  const latency = metrics.hookDuration.series({ plugin: t.pluginId, hook: t.lane });
  const onFault = (err: unknown): undefined => {
    faults.inc();
    log.error({ err, plugin: t.pluginId, hook: t.hook, policy: t.policy }, 'plugin fault');
    if (t.policy === 'fail-closed') throw KernelErrors.PLUGIN_FAILED({ plugin: t.pluginId, hook: t.hook }, { cause: err });
    return undefined; // fail-open: skip this plugin, keep the value flowing
  };
  const onError = (err: unknown): unknown => {
    if (isVerdict(err)) {
      err.pluginId ??= t.pluginId;
      throw err;
    }
    return onFault(err);
  };
  if (t.timeoutMs === undefined) {
    return async (arg) => {
      const started = performance.now();
      try {
        return await fn(arg);
      } catch (err) {
        return onError(err);
      } finally {
        latency.observe((performance.now() - started) / 1000);
      }
    };
  }
  const ms = t.timeoutMs;
  // The handler may still be running when its time is up. It gets a signal aborted at that moment,
  // so a handler that applies its result later (a sandboxed plugin's) drops it instead.
  const timed = fn as (arg: unknown, abandoned: AbortSignal) => Promise<unknown>;
  return (arg) => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new AbortController();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned.abort();
        reject(new Error(`${t.pluginId}.${t.hook} exceeded ${ms} ms`));
      }, ms);
    });
    return Promise.race([Promise.resolve().then(() => timed(arg, abandoned.signal)), timeout]).catch(onError).finally(() => {
      clearTimeout(timer);
      latency.observe((performance.now() - started) / 1000);
    });
  };
}

export function describeOrder(ordered: PendingTap[]): string[] {
  return ordered.map((t) => `${t.lane.padEnd(13)} ${t.stage.padEnd(9)} ${t.pluginId}@${t.pluginVersion} (${t.policy})`);
}
