/** Azure OpenAI (`azure/<deployment>`, `azure_text/<deployment>`). */
import { definePlugin, type DeploymentConfig, type ProviderAdapter } from '@sluice/plugin-sdk';
import { createAzureAdapter } from './azure-adapter.js';
import { readAzureEnvironment, resolveAzureDeployment } from './azure-settings.js';
import type { ProviderAzureConfig } from './config.generated.js';
import { EntraTokenSource } from './entra-token.js';

export default definePlugin<ProviderAzureConfig>({
  id: 'provider-azure',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const env = await readAzureEnvironment(ctx.secrets);
    const defaultApiVersion = config.default_api_version ?? '2024-10-21';
    // Deployments of one app registration share its tokens: one refresh serves them all.
    const tokenSources = new Map<string, EntraTokenSource>();

    const createAdapter = (deployment: DeploymentConfig): ProviderAdapter => {
      const settings = resolveAzureDeployment(deployment, env, defaultApiVersion);
      const auth = settings.auth;
      if (auth.kind === 'entra-token') ctx.secrets.redact(auth.token);
      let tokens: EntraTokenSource | undefined;
      if (auth.kind === 'entra-client-credentials') {
        const c = auth.credentials;
        ctx.secrets.redact(c.clientSecret);
        const key = JSON.stringify([c.authorityHost, c.tenantId, c.clientId, c.clientSecret]);
        tokens = tokenSources.get(key);
        if (!tokens) {
          tokens = new EntraTokenSource({ http: ctx.http, credentials: c, now: () => ctx.now(), onToken: (t) => ctx.secrets.redact(t), timeoutMs: deployment.timeoutMs });
          tokenSources.set(key, tokens);
        }
      }
      return createAzureAdapter({ http: ctx.http, deployment, settings, tokens });
    };

    return {
      providers: [
        {
          names: ['azure'],
          endpoints: ['chat', 'completions', 'embeddings', 'responses', 'image_generation', 'image_edit', 'audio_transcription', 'audio_translation', 'audio_speech'],
          createAdapter,
        },
        // Instruct deployments (gpt-35-turbo-instruct) only answer /completions: chat gets a clear 400.
        { names: ['azure_text'], endpoints: ['completions'], createAdapter },
      ],
    };
  },
});
