/**
 * LiteLLM's `hide_secrets` guardrail: before the provider sees a request, every secret value in
 * its texts is replaced by `[REDACTED]`, and a warning names the kinds found (never the values).
 * The detection is synchronous regex work (src/redact-secrets.ts); see the README for why
 * secretlint is the reference in tests rather than the request-time engine.
 */
import { definePlugin } from '@sluice/plugin-sdk';
import type { GuardrailHideSecretsConfig } from './config.generated.js';
import { createSecretRedactor, type SecretType } from './redact-secrets.js';
import { redactRequestTexts } from './request-texts.js';

/** `['Secret Keyword', 'AWS Access Key']`: Python's repr of a list, as LiteLLM's log line prints it. */
export function pythonList(names: readonly SecretType[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}

export default definePlugin<GuardrailHideSecretsConfig>({
  id: 'guardrail-hide-secrets',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const redact = createSecretRedactor({ disabled: config.disabled_detectors, disabledRules: config.disabled_rules });
    return {
      // Whether it runs for a request (a key's `permissions: {"hide_secrets": false}`, guardrail
      // entries, request opt-outs the key allows) is the kernel's guardrail framework's decision.
      async preCall(call) {
        for (const { field, types } of redactRequestTexts(call.body, redact)) {
          ctx.log.warn({ requestId: call.requestId }, `Detected and redacted secrets in ${field}: ${pythonList(types)}`);
        }
      },
    };
  },
});
