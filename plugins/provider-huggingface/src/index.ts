/** Hugging Face (`model: huggingface/<model>`): Inference Providers, Inference Endpoints and TGI servers. */
import { definePlugin } from '@sluice/plugin-sdk';
import type { ProviderHuggingfaceConfig } from './config.generated.js';
import { createHfAdapter } from './hf-adapter.js';
import { ProviderMappings } from './provider-mapping.js';

export default definePlugin<ProviderHuggingfaceConfig>({
  id: 'provider-huggingface',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const read = async (name: string) => (await ctx.secrets.get(name)) || undefined;
    // LiteLLM's order: the deployment's api_key, then HF_TOKEN, then HUGGINGFACE_API_KEY.
    const envKey = (await read('HF_TOKEN')) ?? (await read('HUGGINGFACE_API_KEY'));
    const envBase = (await read('HF_API_BASE')) ?? (await read('HUGGINGFACE_API_BASE'));
    const routerUrl = (config.router_url ?? 'https://router.huggingface.co').replace(/\/+$/, '');
    const mappings = new ProviderMappings(ctx.http, (config.hub_url ?? 'https://huggingface.co').replace(/\/+$/, ''));
    return {
      providers: [
        {
          names: ['huggingface'],
          endpoints: ['chat', 'embeddings'],
          createAdapter(deployment) {
            return createHfAdapter(ctx.http, deployment, { apiKey: deployment.apiKey ?? envKey, envBase, routerUrl, mappings });
          },
        },
      ],
    };
  },
});
