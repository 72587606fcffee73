/**
 * LiteLLM's `llmguard_moderations` callback: before a call reaches a provider, its prompt is sent
 * to an LLM Guard API; `is_valid: false` refuses the call with LiteLLM's 400. Which calls are
 * checked is `llm_guard_mode` (src/check-mode.ts). An unreachable or unreadable LLM Guard is a
 * fault, so the call is refused (fail-closed) unless the operator sets `failure_policy: fail-open`.
 */
import { definePlugin, definePluginErrors } from '@sluice/plugin-sdk';
import { shouldCheck } from './check-mode.js';
import type { GuardrailLlmGuardConfig } from './config.generated.js';
import { LlmGuardClient } from './llm-guard-client.js';
import { promptText } from './prompt-text.js';

/** LiteLLM's HTTPException(400, {"error": "Violated content safety policy"}); type and param as the other guardrails send them. */
export const LlmGuardErrors = definePluginErrors('LLM_GUARD', {
  VIOLATION: { status: 400, type: 'bad_request_error', param: 'None', message: 'Violated content safety policy' },
});

export default definePlugin<GuardrailLlmGuardConfig>({
  id: 'guardrail-llm-guard',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const apiBase = config.api_base ?? (await ctx.secrets.get('LLM_GUARD_API_BASE'));
    // LiteLLM refuses to start too: a moderation callback that silently checks nothing is worse.
    if (!apiBase) throw new Error('llmguard_moderations needs the LLM Guard API base: set LLM_GUARD_API_BASE (e.g. http://0.0.0.0:8192) or api_base in the plugin config');
    if (config.api_key !== undefined) ctx.secrets.redact(config.api_key);
    const mode = config.llm_guard_mode ?? 'all';
    const client = new LlmGuardClient(ctx.http, { apiBase, apiKey: config.api_key, timeoutMs: config.timeout_ms ?? 10_000 });
    ctx.log.info({ apiBase, mode }, 'LLM Guard moderation enabled');
    return {
      async preCall(call) {
        if (!shouldCheck(mode, call.principal, call.body)) return;
        const prompt = promptText(call.endpoint, call.body);
        if (prompt.length === 0) return; // nothing a scanner could read (images only, token ids)
        const analysis = await client.analyzePrompt(prompt);
        ctx.log.info({ requestId: call.requestId }, `LLM Guard: Received response - ${analysis.raw}`);
        if (!analysis.isValid) {
          ctx.log.warn({ requestId: call.requestId, scanners: analysis.scanners }, 'LLM Guard: prompt refused');
          throw LlmGuardErrors.VIOLATION();
        }
      },
    };
  },
});
