/**
 * Per-request tap activation: which taps of which plugin run on a request. The kernel knows no
 * rule for it; one plugin per gateway provides them (`PluginInstance.tapActivation`), as one
 * provides the router and one the pricing. This is the generic piece Kong's plugins iterator and
 * Envoy's per-route `FilterConfig.disabled` are: LiteLLM's guardrail framework (modes,
 * `default_on`, per-key/team/request switches) is one such provider, written as a plugin.
 *
 * Cost model: the provider compiles a gate per tap once, at load. A tap it leaves alone
 * (`undefined`) runs as if there were no provider; a tap it drops (`null`) is never tapped; only
 * gated taps pay for a call to their gate on each request.
 */
import type { Logger } from './capabilities.js';
import type { DescribedPlugin, PluginScope } from './plugin-scope.js';

/** The lanes a tap can sit on: a hook, or the per-chunk lane of `postCall` for streams. */
export type TapLane = 'preAuth' | 'preCall' | 'postCall' | 'postCallChunk' | 'onSpend' | 'onAudit';

/** One tap the kernel is about to make. */
export interface TapInfo {
  readonly pluginId: string;
  readonly lane: TapLane;
}

/**
 * Wraps one tap on each call: `arg` is what the hook passes (`CallContext` on preCall,
 * `ResponseContext` on postCall, `ChunkContext` on postCallChunk); `run` is the plugin's handler,
 * its failure policy applied. Resolve `undefined` without calling `run` to skip the tap on this
 * call; call `run` (on `arg` or a copy) to run it.
 */
export type TapGate = (arg: unknown, run: (arg: unknown) => Promise<unknown>) => Promise<unknown>;

/** An enabled plugin as the provider sees it: with its logger, since what the provider decides about a plugin's taps is logged under that plugin's name. */
export interface ActivatedPlugin extends DescribedPlugin {
  readonly log: Logger;
}

/** What the kernel tells the provider at load. */
export interface ActivationScope extends PluginScope {
  readonly enabled: readonly ActivatedPlugin[];
}

/** The provider's decisions, compiled at load. */
export interface CompiledActivation {
  /** The gate of one tap: a function, `null` (never tapped) or `undefined` (always runs). */
  gateFor(tap: TapInfo): TapGate | null | undefined;
}

export interface TapActivation {
  /**
   * Called once at load, after every plugin's setup and before any tap is made. Check the config
   * in the plugin's `checkConfig` (which `sluice config check` runs too); a `PluginConfigError`
   * thrown here is still reported against the config file.
   */
  compile(scope: ActivationScope): CompiledActivation;
}
