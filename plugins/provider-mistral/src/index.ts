/** Serves `mistral/<model>` (api.mistral.ai) and `codestral/<model>` (codestral.mistral.ai) deployments. */
import { definePlugin } from '@sluice/plugin-sdk';
import type { ProviderMistralConfig } from './config.generated.js';
import { createMistralAdapter } from './mistral-adapter.js';

const DEFAULTS = {
  mistral: { apiBase: 'https://api.mistral.ai/v1', keyEnv: 'MISTRAL_API_KEY' },
  codestral: { apiBase: 'https://codestral.mistral.ai/v1', keyEnv: 'CODESTRAL_API_KEY' },
} as const;

export default definePlugin<ProviderMistralConfig>({
  id: 'provider-mistral',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const dropParams = config.drop_params ?? ctx.settings.litellm_settings.drop_params === true;
    // LiteLLM's variables, read once. MISTRAL_AZURE_* (Mistral on Azure AI) come before MISTRAL_API_KEY, as in LiteLLM.
    const azureBase = await ctx.secrets.get('MISTRAL_AZURE_API_BASE');
    const azureKey = await ctx.secrets.get('MISTRAL_AZURE_API_KEY');
    const envKeys = { mistral: azureKey ?? (await ctx.secrets.get('MISTRAL_API_KEY')), codestral: await ctx.secrets.get('CODESTRAL_API_KEY') };
    return {
      providers: [
        {
          names: ['mistral', 'codestral'],
          endpoints: ['chat', 'embeddings'],
          createAdapter(deployment) {
            const provider = deployment.provider === 'codestral' ? 'codestral' : 'mistral';
            const apiBase = deployment.apiBase ?? (provider === 'mistral' ? azureBase : undefined) ?? DEFAULTS[provider].apiBase;
            const apiKey = deployment.apiKey ?? envKeys[provider];
            if (!apiKey) ctx.log.warn({ deployment: deployment.id, model: deployment.modelName }, `${provider} deployment has no api_key and ${DEFAULTS[provider].keyEnv} is not set`);
            return createMistralAdapter({ http: ctx.http, deployment, apiBase, apiKey, dropParams });
          },
        },
      ],
    };
  },
});
