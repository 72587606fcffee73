/** Ollama's native API (`ollama_chat/<model>`, `ollama/<model>`), translated to and from OpenAI's format. */
import { definePlugin, type DeploymentConfig, type ProviderAdapter } from '@sluice/plugin-sdk';
import type { ProviderOllamaConfig } from './config.generated.js';
import { createOllamaAdapter } from './ollama-adapter.js';

const DEFAULT_API_BASE = 'http://localhost:11434';

export default definePlugin<ProviderOllamaConfig>({
  id: 'provider-ollama',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    // LiteLLM's variables, read once: every deployment without its own api_base / api_key uses them.
    const envBase = await ctx.secrets.get('OLLAMA_API_BASE');
    const envKey = await ctx.secrets.get('OLLAMA_API_KEY');
    const imageMaxBytes = config.image_max_bytes ?? 20 * 1024 * 1024;
    const dropParams = config.drop_params ?? false;

    const createAdapter = (deployment: DeploymentConfig): ProviderAdapter =>
      createOllamaAdapter({ http: ctx.http, deployment, apiBase: deployment.apiBase ?? envBase ?? DEFAULT_API_BASE, apiKey: deployment.apiKey ?? envKey, imageMaxBytes, dropParams });

    return { providers: [{ names: ['ollama', 'ollama_chat'], endpoints: ['chat', 'completions', 'embeddings'], createAdapter }] };
  },
});
