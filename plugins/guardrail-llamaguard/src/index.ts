/**
 * LiteLLM's `llamaguard_moderations` callback: before a call reaches a provider, its last message
 * is sent to the LlamaGuard model group named by `llamaguard_model_name` (through
 * `ctx.models.complete`: straight to a deployment, no hooks, so this guardrail does not moderate
 * its own call); `unsafe` refuses the call with LiteLLM's 400. A model that fails or answers
 * something else is a fault: the call is refused (fail-closed) unless the operator opts out.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { definePlugin, definePluginErrors, type DeploymentSource, type Logger, type ModelCatalog } from '@sluice/plugin-sdk';
import type { GuardrailLlamaguardConfig } from './config.generated.js';
import { llamaGuardPrompt } from './llamaguard-prompt.js';
import { moderatedMessage } from './moderated-message.js';
import { completionText, readVerdict } from './verdict.js';

/** LiteLLM's HTTPException(400, {"error": "Violated content safety policy"}). */
export const LlamaGuardErrors = definePluginErrors('LLAMAGUARD', {
  UNSAFE: { status: 400, type: 'bad_request_error', param: 'None', message: 'Violated content safety policy' },
});

function readCategories(path: string): string {
  const file = resolve(process.cwd(), path);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `llamaguard_unsafe_content_categories: File not found. file_path=${file}` : `llamaguard_unsafe_content_categories: cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * LiteLLM takes `llamaguard_model_name` as a provider/model string and calls it directly (the
 * spec's example is `sagemaker/<endpoint>`, credentials from the environment). When no model group
 * of model_list has that name, the plugin supplies a deployment for it, built as a model_list
 * entry `{model_name: <name>, litellm_params: {model: <name>}}` would be.
 */
function providerModelDeployment(model: string, models: ModelCatalog, log: Logger): DeploymentSource {
  return {
    async start(deployments) {
      if (models.has(model)) return;
      const rejected = await deployments.upsert([{ model_name: model, litellm_params: { model }, model_info: { id: `llamaguard:${model}` } }]);
      for (const r of rejected) log.warn({ model, reason: r.reason }, 'llamaguard_model_name: no deployment could be made for it');
    },
  };
}

export default definePlugin<GuardrailLlamaguardConfig>({
  id: 'guardrail-llamaguard',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const model = config.llamaguard_model_name;
    if (!model) throw new Error('llamaguard_moderations needs litellm_settings.llamaguard_model_name: the model_name of a LlamaGuard chat model group in model_list');
    const categories = config.llamaguard_unsafe_content_categories === undefined ? undefined : readCategories(config.llamaguard_unsafe_content_categories);
    const options = config.timeout_ms === undefined ? {} : { timeoutMs: config.timeout_ms };
    ctx.log.info({ model, customCategories: categories !== undefined }, 'LlamaGuard moderation enabled');
    return {
      deploymentSource: model.includes('/') ? providerModelDeployment(model, ctx.models, ctx.log) : undefined,
      async preCall(call) {
        const message = moderatedMessage(call.endpoint, call.body);
        if (!message) return;
        // model_list is built after plugins are set up, so the name is checked here, per call (a map lookup).
        if (!ctx.models.has(model)) throw new Error(`llamaguard_model_name ${JSON.stringify(model)} is not a model group of model_list`);
        const messages =
          categories === undefined ? [{ role: message.role, content: message.text }] : [{ role: 'user', content: llamaGuardPrompt(categories, message) }];
        const verdict = readVerdict(completionText(await ctx.models.complete(model, { model, messages }, options)));
        if (!verdict.safe) {
          ctx.log.warn({ requestId: call.requestId, categories: verdict.categories }, 'LlamaGuard: message refused as unsafe');
          throw LlamaGuardErrors.UNSAFE();
        }
      },
    };
  },
});
