/**
 * Wraps plugin handlers before they are tapped: a coded SluiceError is a verdict and passes through
 * tagged with the plugin id; anything else is a fault and follows the plugin's failure policy.
 */
import { SluiceError } from '../../plugin-sdk/errors.js';
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
   * its failure policy applied). Guardrails use it to skip a plugin on requests its guardrail is
   * not active for. Absent: the handler runs on every call, at no extra cost.
   */
  gate?: TapGate;
}

export type TapGate = (arg: unknown, run: (arg: unknown) => Promise<unknown>) => Promise<unknown>;

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
  const labels = { plugin: t.pluginId, hook: t.hook };
  const onFault = (err: unknown): undefined => {
    metrics.inc('plugin_faults_total', labels);
    log.error({ err, plugin: t.pluginId, hook: t.hook, policy: t.policy }, 'plugin fault');
    if (t.policy === 'fail-closed') throw KernelErrors.PLUGIN_FAILED({ plugin: t.pluginId, hook: t.hook }, { cause: err });
    return undefined; // fail-open: skip this plugin, keep the value flowing
  };
  const onError = (err: unknown): unknown => {
    if (err instanceof SluiceError) {
      err.pluginId ??= t.pluginId;
      throw err;
    }
    return onFault(err);
  };
  if (t.timeoutMs === undefined) {
    return (arg) => {
      try {
        return Promise.resolve(fn(arg)).catch(onError);
      } catch (err) {
        return Promise.resolve(onError(err));
      }
    };
  }
  const ms = t.timeoutMs;
  // The handler may still be running when its time is up. It gets a signal aborted at that moment,
  // so a handler that applies its result later (a sandboxed plugin's) drops it instead.
  const timed = fn as (arg: unknown, abandoned: AbortSignal) => Promise<unknown>;
  return (arg) => {
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new AbortController();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned.abort();
        reject(new Error(`${t.pluginId}.${t.hook} exceeded ${ms} ms`));
      }, ms);
    });
    return Promise.race([Promise.resolve().then(() => timed(arg, abandoned.signal)), timeout]).catch(onError).finally(() => clearTimeout(timer));
  };
}

export function describeOrder(ordered: PendingTap[]): string[] {
  return ordered.map((t) => `${t.lane.padEnd(13)} ${t.stage.padEnd(9)} ${t.pluginId}@${t.pluginVersion} (${t.policy})`);
}
