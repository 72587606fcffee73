/**
 * LiteLLM's `general_settings.enforced_params`: every LLM request must carry the listed params
 * (`user`, `metadata.generation_name`…), or it is refused with LiteLLM's 401. A key may require
 * more: virtual keys put theirs in `principal.metadata.enforced_params`, and they add to the
 * config's. Runs first among preCall taps (stage SECURITY), before budgets and guardrails, and in
 * preCall because the kernel strips `metadata` before the provider call.
 *
 * Enabled by default: key-level params must be enforced even when the config lists none, as in
 * LiteLLM. With neither, a request costs one property lookup.
 */
import { definePlugin, definePluginErrors, type JsonObject, type Principal } from '@sluice/plugin-sdk';
import type { PolicyEnforcedParamsConfig } from './config.generated.js';
import { missingPart, parseRequiredParam, type RequiredParam } from './required-params.js';

/** LiteLLM raises this inside its auth step, hence the 401 auth_error envelope. */
const EnforcedParamErrors = definePluginErrors('ENFORCED_PARAMS', {
  MISSING: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: 'Authentication Error, BadRequest please pass param={param} in request body. This is a required param',
  },
});

/** Key-level params as virtual keys will carry them; anything malformed is ignored, not trusted. */
function keyParams(principal: Principal): string[] | undefined {
  const listed = principal.metadata?.enforced_params;
  if (!Array.isArray(listed) || listed.length === 0) return undefined;
  return listed.filter((p): p is string => typeof p === 'string' && p.length > 0);
}

function check(body: JsonObject, params: readonly RequiredParam[]): void {
  for (const param of params) {
    const missing = missingPart(body, param);
    if (missing !== undefined) throw EnforcedParamErrors.MISSING({ param: missing });
  }
}

export default definePlugin<PolicyEnforcedParamsConfig>({
  id: 'policy-enforced-params',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const configured = (config.enforced_params ?? []).map(parseRequiredParam);
    if (configured.length > 0) ctx.log.info({ enforced_params: config.enforced_params }, 'enforcing required request params');
    return {
      async preCall(call) {
        check(call.body, configured);
        const fromKey = keyParams(call.principal);
        if (fromKey) check(call.body, fromKey.map(parseRequiredParam));
      },
    };
  },
});
