/** Serves every OpenAI-compatible provider prefix (hosted_vllm/, groq/, together_ai/…); openai/ is provider-openai. */
import { createOpenAICompatibleAdapter, definePlugin } from '@sluice/plugin-sdk';
import type { ProviderOpenAICompatibleConfig } from './config.generated.js';
import { KNOWN_PROVIDERS } from './known-providers.js';

export default definePlugin<ProviderOpenAICompatibleConfig>({
  id: 'provider-openai-compatible',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx) {
    // Keys from the environment (OPENAI_API_KEY…) are read once here, not per request.
    const envKeys = new Map<string, string | undefined>();
    for (const [name, known] of Object.entries(KNOWN_PROVIDERS)) {
      if (known.keyEnv) envKeys.set(name, await ctx.secrets.get(known.keyEnv));
    }
    return {
      providers: [
        {
          names: Object.keys(KNOWN_PROVIDERS),
          endpoints: ['chat', 'completions', 'embeddings'],
          createAdapter(deployment) {
            const known = KNOWN_PROVIDERS[deployment.provider];
            const apiBase = deployment.apiBase ?? known?.apiBase;
            if (!apiBase) throw new Error(`provider ${deployment.provider} needs litellm_params.api_base`);
            return createOpenAICompatibleAdapter({ http: ctx.http, deployment, apiBase, apiKey: deployment.apiKey ?? envKeys.get(deployment.provider) });
          },
        },
      ],
    };
  },
});
