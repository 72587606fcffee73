/** Serves `anthropic/<model>` deployments: Claude through Anthropic's Messages API, in OpenAI's format. */
import { definePlugin } from '@sluice/plugin-sdk';
import { createAnthropicAdapter } from './anthropic-adapter.js';
import type { ProviderAnthropicConfig } from './config.generated.js';

export default definePlugin<ProviderAnthropicConfig>({
  id: 'provider-anthropic',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const defaultMaxTokens = config.default_max_tokens ?? 4096;
    // LiteLLM's drop_params is a gateway-wide setting; this plugin's own config, when set, wins.
    const dropParams = config.drop_params ?? ctx.settings.litellm_settings.drop_params === true;
    // Read once here, not per request; reading it also registers it for redaction from logs.
    const envKey = await ctx.secrets.get('ANTHROPIC_API_KEY');
    return {
      providers: [
        {
          names: ['anthropic'],
          endpoints: ['chat', 'messages', 'count_tokens'],
          createAdapter(deployment) {
            const apiKey = deployment.apiKey ?? envKey;
            // Not fatal: a gateway in front of Anthropic may add the key itself. Anthropic answers 401 otherwise.
            if (!apiKey) ctx.log.warn({ deployment: deployment.id, model: deployment.modelName }, 'anthropic deployment has no api_key and ANTHROPIC_API_KEY is not set');
            return createAnthropicAdapter({ http: ctx.http, deployment, apiKey, defaultMaxTokens, dropParams });
          },
        },
      ],
    };
  },
});
