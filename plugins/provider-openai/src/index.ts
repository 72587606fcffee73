/** OpenAI's own API (`openai/`, `text-completion-openai/`) on the SDK's OpenAI-compatible adapter. */
import { ENDPOINTS, createOpenAICompatibleAdapter, definePlugin, type DeploymentConfig, type Endpoint, type ProviderAdapter } from '@sluice/plugin-sdk';
import type { ProviderOpenAIConfig } from './config.generated.js';

const DEFAULT_API_BASE = 'https://api.openai.com/v1';

/** Everything OpenAI's API serves that Sluice routes: all but Cohere's rerank and Anthropic's Messages API. */
const NOT_OPENAI: ReadonlySet<Endpoint> = new Set(['rerank', 'messages', 'count_tokens']);
const OPENAI_ENDPOINTS: Endpoint[] = ENDPOINTS.filter((e) => !NOT_OPENAI.has(e));

export default definePlugin<ProviderOpenAIConfig>({
  id: 'provider-openai',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx) {
    // The environment is every deployment's fallback; read once here, never per request.
    const envKey = await ctx.secrets.get('OPENAI_API_KEY');
    const envOrganization = await ctx.secrets.get('OPENAI_ORGANIZATION');

    const createAdapter = (deployment: DeploymentConfig): ProviderAdapter => {
      const apiKey = deployment.apiKey ?? envKey;
      const authHeaders: Record<string, string> = {};
      if (apiKey) authHeaders.authorization = `Bearer ${apiKey}`;
      // The base adapter sends `litellm_params.organization` itself and it wins over this fallback.
      if (envOrganization) authHeaders['openai-organization'] = envOrganization;
      return createOpenAICompatibleAdapter({ http: ctx.http, deployment, apiBase: deployment.apiBase ?? DEFAULT_API_BASE, apiKey, authHeaders });
    };

    return {
      providers: [
        { names: ['openai'], endpoints: OPENAI_ENDPOINTS, createAdapter },
        // Instruct models (gpt-3.5-turbo-instruct, davinci-002) only answer the legacy /completions;
        // refusing chat here gives a clear 400 instead of OpenAI's "not a chat model" 404.
        { names: ['text-completion-openai'], endpoints: ['completions'], createAdapter },
      ],
    };
  },
});
