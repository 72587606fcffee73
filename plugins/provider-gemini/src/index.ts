/**
 * Google Gemini through AI Studio (`gemini/<model>`) and Vertex AI (`vertex_ai/<model>`): chat,
 * embeddings and Imagen; and Claude on Vertex AI (`vertex_ai/claude-…`) in Anthropic's own format.
 */
import { definePlugin, UpstreamError, type DeploymentConfig, type JsonValue, type PluginContext } from '@sluice/plugin-sdk';
import { ServiceAccountTokenSource, loadServiceAccountKey, serviceAccountKeySecrets, type ServiceAccountKey } from '@sluice/plugin-sdk/node';
import { aiStudioUpstream } from './ai-studio.js';
import type { ProviderGeminiConfig } from './config.generated.js';
import { createGeminiAdapter } from './gemini-adapter.js';
import { createAiStudioForward, createVertexForward } from './forward-request.js';
import { vertexTokenExchangeError, vertexUpstream } from './vertex.js';
import { createVertexClaudeAdapter, isVertexClaude } from './vertex-claude.js';

/** The exchange is shared by every waiting call, so it has its own bound instead of a caller's timeout. */
const TOKEN_EXCHANGE_TIMEOUT_MS = 30_000;

export default definePlugin<ProviderGeminiConfig>({
  id: 'provider-gemini',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx) {
    // Read once at startup, never per request.
    const envApiKey = (await ctx.secrets.get('GEMINI_API_KEY')) ?? (await ctx.secrets.get('GOOGLE_API_KEY'));
    const envCredentialsPath = await ctx.secrets.get('GOOGLE_APPLICATION_CREDENTIALS');
    // Deployments signed by one service account share its token.
    const tokensByAccount = new Map<string, ServiceAccountTokenSource>();

    const vertexTokens = (account: ServiceAccountKey): ServiceAccountTokenSource => {
      const key = `${account.clientEmail}\0${account.tokenUri}\0${account.privateKeyId ?? ''}`;
      let tokens = tokensByAccount.get(key);
      if (!tokens) {
        tokens = new ServiceAccountTokenSource(ctx.http, account, {
          now: () => ctx.now(),
          timeoutMs: TOKEN_EXCHANGE_TIMEOUT_MS,
          onToken: (token) => ctx.secrets.redact(token),
          exchangeError: vertexTokenExchangeError,
        });
        tokensByAccount.set(key, tokens);
      }
      return tokens;
    };

    return {
      providers: [
        {
          names: ['gemini', 'vertex_ai'],
          endpoints: ['chat', 'embeddings', 'image_generation', 'messages', 'count_tokens'],
          // Claude on Vertex speaks Anthropic's Messages API, not Gemini's: it serves /v1/messages
          // natively and nothing else (LiteLLM's chat translation for it lives in provider-anthropic).
          endpointsFor: (deployment) => (isVertexClaudeDeployment(deployment) ? ['messages', 'count_tokens'] : ['chat', 'embeddings', 'image_generation']),
          createAdapter(deployment) {
            const defaults = { safetySettings: deployment.params.safety_settings as JsonValue | undefined };
            if (deployment.provider === 'vertex_ai') {
              const account = vertexAccount(ctx, deployment, envCredentialsPath);
              const tokens = vertexTokens(account);
              const forward = createVertexForward(ctx.http, deployment, account, tokens);
              if (isVertexClaudeDeployment(deployment)) return { ...createVertexClaudeAdapter(ctx.http, deployment, account, tokens), forward };
              const adapter = createGeminiAdapter(ctx.http, deployment, vertexUpstream(deployment, account, tokens), defaults);
              return { ...adapter, forward };
            }
            const apiKey = deployment.apiKey ?? envApiKey;
            // A 401 for every call to this deployment (the kernel keeps it and fails its calls, as LiteLLM does).
            if (!apiKey) throw new UpstreamError('gemini needs litellm_params.api_key, GEMINI_API_KEY or GOOGLE_API_KEY', { status: 401 });
            const adapter = createGeminiAdapter(ctx.http, deployment, aiStudioUpstream(deployment, apiKey), defaults);
            return { ...adapter, forward: createAiStudioForward(ctx.http, deployment, apiKey) };
          },
        },
      ],
    };
  },
});

function isVertexClaudeDeployment(deployment: DeploymentConfig): boolean {
  return deployment.provider === 'vertex_ai' && isVertexClaude(deployment.model);
}

function vertexAccount(ctx: PluginContext, deployment: DeploymentConfig, envCredentialsPath: string | undefined): ServiceAccountKey {
  const source = deployment.params.vertex_credentials ?? envCredentialsPath;
  if (source === undefined || source === null || source === '') {
    throw new UpstreamError('vertex_ai needs litellm_params.vertex_credentials or GOOGLE_APPLICATION_CREDENTIALS (a service-account key)', { status: 401 });
  }
  let account: ServiceAccountKey;
  try {
    account = loadServiceAccountKey(source);
  } catch (err) {
    throw new Error(`vertex credentials: ${(err as Error).message}`, { cause: err });
  }
  // The key may sit in the config as JSON text: keep it out of every log line in either form.
  for (const secret of serviceAccountKeySecrets(account)) ctx.secrets.redact(secret);
  return account;
}
