/**
 * LiteLLM's guardrail framework, as the gateway's tap-activation provider: it reads the
 * `guardrails:` declarations, decides per request which guardrail plugins' taps run and at which
 * mode (pre_call, during_call, post_call), reports the applied ones in
 * `x-litellm-applied-guardrails` and serves GET /guardrails/list. The guardrails themselves
 * (hide-secrets, banned keywords, …) are ordinary plugins that know nothing of modes or keys.
 */
import { definePlugin, type ActivationScope, type CallContext, type CompiledActivation } from '@sluice/plugin-sdk';
import type { GuardrailsLitellmConfig } from './config.generated.js';
import type { ListedGuardrail } from './guardrail-entry.js';
import { GuardrailGates } from './guardrail-gates.js';
import { guardrailInfo } from './guardrail-info.js';
import { guardrailsListRoute } from './guardrails-list-route.js';
import { readGuardrails } from './read-guardrails.js';

const PLUGIN_ID = 'guardrails-litellm';

export default definePlugin<GuardrailsLitellmConfig>({
  id: PLUGIN_ID,
  version: '1.0.0',
  apiVersion: '^2',
  checkConfig: (config, scope) => readGuardrails(config, scope).warnings,
  setup(_ctx, config) {
    // Both known once every plugin is loaded (compile); empty until then.
    let gates: GuardrailGates | undefined;
    let listed: readonly ListedGuardrail[] = [];
    const barrier = async (ctx: { call: Readonly<CallContext> }) => {
      await gates?.awaitAlongside(ctx.call as CallContext);
    };

    const compile = (scope: ActivationScope): CompiledActivation => {
      // Already checked (checkConfig): this only binds the entries to the loaded plugins.
      const { entries } = readGuardrails(config, scope);
      const plugins = new Map(scope.enabled.map((p) => [p.id, p]));
      gates = new GuardrailGates(entries, (id) => plugins.get(id)?.log);
      const info = new Map([...new Set(entries.filter((e) => !e.unavailable).map((e) => e.pluginId))].map((id) => [id, guardrailInfo(plugins.get(id)!)]));
      listed = [...entries]
        .sort((a, b) => a.order - b.order)
        .map((e) => ({ ...e.listed, guardrail_info: { ...info.get(e.pluginId), ...e.listed.guardrail_info } }));
      const compiled = gates;
      const own = (lane: string) => (lane === 'preCall' ? compiled.hasUnavailable : compiled.runsDuringCall);
      return {
        // Our own taps: preCall refuses requests that activate an unavailable guardrail, postCall
        // is the during_call barrier; each is tapped only when some entry needs it.
        gateFor: (tap) => (tap.pluginId === PLUGIN_ID ? (own(tap.lane) ? undefined : null) : compiled.gateFor(tap.pluginId, tap.lane)),
      };
    };

    return {
      tapActivation: { compile },
      preCall: async (call) => {
        gates?.refuseUnavailable(call);
      },
      postCall: { streaming: 'chunk', response: barrier, chunk: barrier },
      routes: [guardrailsListRoute(() => listed)],
    };
  },
});
