/** Serves `cohere/<model>` and `cohere_chat/<model>` deployments: chat, embeddings and rerank on Cohere's API. */
import { definePlugin } from '@sluice/plugin-sdk';
import { createCohereAdapter } from './cohere-adapter.js';
import type { ProviderCohereConfig } from './config.generated.js';

export default definePlugin<ProviderCohereConfig>({
  id: 'provider-cohere',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const dropParams = config.drop_params ?? ctx.settings.litellm_settings.drop_params === true;
    // LiteLLM's variables, read once: every deployment without its own api_key / api_base uses them.
    const envKey = (await ctx.secrets.get('COHERE_API_KEY')) ?? (await ctx.secrets.get('CO_API_KEY'));
    const envBase = await ctx.secrets.get('COHERE_API_BASE');
    return {
      providers: [
        {
          names: ['cohere', 'cohere_chat'],
          endpoints: ['chat', 'embeddings', 'rerank'],
          createAdapter(deployment) {
            const apiKey = deployment.apiKey ?? envKey;
            // Not fatal: Cohere answers 401, which the client sees.
            if (!apiKey) ctx.log.warn({ deployment: deployment.id, model: deployment.modelName }, 'cohere deployment has no api_key and neither COHERE_API_KEY nor CO_API_KEY is set');
            return createCohereAdapter({ http: ctx.http, deployment, apiBase: deployment.apiBase ?? envBase, apiKey, dropParams });
          },
        },
      ],
    };
  },
});
