/** Amazon Bedrock (`model: bedrock/<model id>`): chat via Converse, embeddings via InvokeModel, SigV4-signed. */
import { definePlugin } from '@sluice/plugin-sdk';
import { createBedrockAdapter } from './bedrock-adapter.js';
import { isBedrockClaude } from './bedrock-messages.js';
import type { ProviderBedrockConfig } from './config.generated.js';
import { resolveSettings, type AwsEnvironment } from './deployment-settings.js';

export default definePlugin<ProviderBedrockConfig>({
  id: 'provider-bedrock',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx) {
    // The environment is read once here; deployments fall back to it when litellm_params name no credentials.
    const read = async (name: string) => (await ctx.secrets.get(name)) || undefined;
    const env: AwsEnvironment = {
      accessKeyId: await read('AWS_ACCESS_KEY_ID'),
      secretAccessKey: await read('AWS_SECRET_ACCESS_KEY'),
      sessionToken: await read('AWS_SESSION_TOKEN'),
      region: (await read('AWS_REGION_NAME')) ?? (await read('AWS_REGION')),
      bearerToken: await read('AWS_BEARER_TOKEN_BEDROCK'),
    };
    const globalDropParams = ctx.settings.litellm_settings.drop_params === true;
    return {
      providers: [
        {
          names: ['bedrock'],
          endpoints: ['chat', 'embeddings', 'messages', 'image_generation'],
          // Only Claude models speak Anthropic's Messages API natively; a Messages call to any
          // other Bedrock model is translated to chat (Converse) by the API plugin instead.
          endpointsFor: (deployment) => (isBedrockClaude(deployment.model) ? ['chat', 'embeddings', 'messages', 'image_generation'] : ['chat', 'embeddings', 'image_generation']),
          createAdapter(deployment) {
            const settings = resolveSettings(deployment, env, globalDropParams);
            // Keys given literally in the config are not known to the kernel as secrets yet.
            for (const secret of settings.secrets) ctx.secrets.redact(secret);
            return createBedrockAdapter(ctx.http, deployment, settings);
          },
        },
      ],
    };
  },
});
