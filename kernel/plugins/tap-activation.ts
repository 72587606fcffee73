/**
 * Applies the tap-activation provider's decisions, once at load, between the plugins' setup and
 * the tapping: each pending tap keeps running always, gets a gate, or is left out. The kernel
 * knows no rule of its own here (which taps run for whom is the provider plugin's, see the SDK's
 * tap-activation.ts); without a provider every tap runs on every call.
 */
import type { ActivationScope } from '@sluice/plugin-sdk';
import { reportedAgainstConfig } from './check-plugin-config.js';
import type { Contributions } from './load-plugins.js';

/** Gates `into.taps` and settles `into.buffersStreams`. */
export function activateTaps(into: Contributions, scope: ActivationScope, file: string): void {
  const provider = into.tapActivation?.activation;
  if (provider) {
    const compiled = reportedAgainstConfig(file, () => provider.compile(scope));
    into.taps = into.taps.flatMap((tap) => {
      const gate = compiled.gateFor({ pluginId: tap.pluginId, lane: tap.lane });
      if (gate === null) return [];
      return [gate ? { ...tap, gate } : tap];
    });
  }
  // After gating: a buffering tap the provider left out holds no stream.
  into.buffersStreams = into.taps.some((t) => t.buffersStreams === true);
}
