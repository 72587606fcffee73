/** Amazon SageMaker endpoints (`sagemaker/`, `sagemaker_chat/`, `sagemaker_nova/<endpoint>`), SigV4-signed. */
import { definePlugin, type DeploymentConfig, type ProviderDefinition } from '@sluice/plugin-sdk';
import type { ProviderSagemakerConfig } from './config.generated.js';
import { resolveSettings, type AwsEnvironment } from './deployment-settings.js';
import { createSagemakerAdapter, type SagemakerApi } from './sagemaker-adapter.js';

export default definePlugin<ProviderSagemakerConfig>({
  id: 'provider-sagemaker',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    // The environment is read once here; deployments fall back to it when litellm_params name no credentials.
    const read = async (name: string) => (await ctx.secrets.get(name)) || undefined;
    const env: AwsEnvironment = {
      accessKeyId: await read('AWS_ACCESS_KEY_ID'),
      secretAccessKey: await read('AWS_SECRET_ACCESS_KEY'),
      sessionToken: await read('AWS_SESSION_TOKEN'),
      regionName: await read('AWS_REGION_NAME'),
      region: await read('AWS_REGION'),
      endpointUrl: await read('AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME'),
    };
    const dropParams = config.drop_params ?? false;
    const provider = (name: string, api: SagemakerApi): ProviderDefinition => ({
      names: [name],
      endpoints: api === 'text-generation' ? ['chat', 'embeddings'] : ['chat'],
      createAdapter(deployment: DeploymentConfig) {
        const settings = resolveSettings(deployment, env, dropParams);
        // Keys given literally in the config are not known to the kernel as secrets yet.
        for (const secret of settings.secrets) ctx.secrets.redact(secret);
        return createSagemakerAdapter(ctx.http, deployment, settings, api);
      },
    });
    return { providers: [provider('sagemaker', 'text-generation'), provider('sagemaker_chat', 'messages'), provider('sagemaker_nova', 'nova')] };
  },
});
