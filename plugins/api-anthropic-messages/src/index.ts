/**
 * Anthropic's Messages API on the gateway, as LiteLLM's proxy serves it (`/v1/messages`,
 * `/v1/messages/count_tokens`): Claude Code and the Anthropic SDKs point their base URL here and
 * authenticate with a virtual key (`x-api-key` or `Authorization: Bearer`). Deployments that
 * speak the Messages API get the request natively; every other chat deployment gets it
 * translated to chat completions and its answer translated back. Errors are Anthropic's shape.
 */
import { definePlugin } from '@sluice/plugin-sdk';
import type { ApiAnthropicMessagesConfig } from './config.generated.js';
import { serveCountTokens } from './count-tokens-route.js';
import { serveMessages } from './messages-route.js';
import type { RequestLimits } from './validate-request.js';

/**
 * Deployments whose adapters answer `count_tokens` natively: anthropic/, and Claude on Vertex AI
 * (`vertex_ai/claude-…`, Vertex's count-tokens:rawPredict), as LiteLLM routes them.
 */
function countsNatively(d: { provider: string; model: string }): boolean {
  return d.provider === 'anthropic' || (d.provider === 'vertex_ai' && d.model.toLowerCase().includes('claude'));
}

export default definePlugin<ApiAnthropicMessagesConfig>({
  id: 'api-anthropic-messages',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const limits: RequestLimits = {
      maxMessages: config.max_messages ?? 10_000,
      maxBlocksPerMessage: config.max_content_blocks ?? 10_000,
    };
    // Which groups count natively, computed when deployments change rather than per request.
    let counting = new Set<string>();
    const refresh = () => {
      counting = new Set(ctx.models.deployments().filter(countsNatively).map((d) => d.modelName));
    };
    refresh();
    ctx.models.onChange(refresh);
    const routing = { countsNatively: (model: string) => counting.has(model) };
    return {
      routes: [
        {
          method: 'POST',
          url: '/v1/messages',
          access: 'authenticated',
          errorFormat: 'anthropic',
          summary: 'Anthropic Messages API: call any model group in the Anthropic format',
          tags: ['anthropic'],
          handler: (req) => serveMessages(req, limits),
        },
        {
          method: 'POST',
          url: '/v1/messages/count_tokens',
          access: 'authenticated',
          errorFormat: 'anthropic',
          summary: 'Anthropic token counting: {input_tokens} for a Messages request',
          tags: ['anthropic'],
          handler: (req) => serveCountTokens(req, limits, routing),
        },
      ],
    };
  },
});
