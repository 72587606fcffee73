/**
 * LiteLLM's provider pass-through routes (`/openai/*`, `/anthropic/*`, `/bedrock/*`,
 * `/vertex_ai/*`, `/gemini/*`, `/azure/*`, `/cohere/*`, `/mistral/*`, `/vllm/*`): a client speaks
 * the provider's own API with its gateway key; the request is admitted as the caller's call, sent
 * with a deployment's credentials by the provider's plugin (`ProviderAdapter.forward`), relayed
 * as it streams, and charged from the usage the answer reports.
 */
import { definePlugin, type HttpMethod, type RouteDefinition } from '@sluice/plugin-sdk';
import type { PassThroughProvidersConfig } from './config.generated.js';
import { passThrough, type HandlerSettings } from './forward-handler.js';
import { PROVIDER_ROUTES } from './provider-routes.js';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const MB = 1024 * 1024;

/**
 * Prefixes an operator's `pass_through_endpoints` entry already serves with its sub-paths: the
 * operator's route wins (more specific or exact paths win by themselves in the router).
 */
function operatorPrefixes(general: Readonly<Record<string, unknown>>): Set<string> {
  const out = new Set<string>();
  const entries = general.pass_through_endpoints;
  if (!Array.isArray(entries)) return out;
  for (const e of entries as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { path, include_subpath: sub } = e as { path?: unknown; include_subpath?: unknown };
    if (typeof path !== 'string') continue;
    const normal = `/${path.replace(/^\/+|\/+$/g, '')}`;
    if (sub === true) out.add(normal);
  }
  return out;
}

export default definePlugin<PassThroughProvidersConfig>({
  id: 'pass-through-providers',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const disabled = new Set<string>(config.disabled_providers ?? []);
    const taken = operatorPrefixes(ctx.settings.general_settings);
    const settings: HandlerSettings = {
      maxJsonBytes: Math.round((config.max_usage_body_mb ?? 16) * MB),
      maxEventBytes: Math.round((config.max_usage_event_kb ?? 1024) * 1024),
      maxRequestJsonBytes: Math.round((config.max_usage_body_mb ?? 16) * MB),
    };
    const routes: RouteDefinition[] = [];
    for (const route of PROVIDER_ROUTES) {
      if (disabled.has(route.name)) continue;
      for (const prefix of route.prefixes) {
        if (taken.has(prefix)) {
          ctx.log.info({ prefix }, `${prefix}/* is served by a pass_through_endpoints entry; the ${route.name} provider route is not added`);
          continue;
        }
        routes.push({
          method: METHODS,
          url: `${prefix}/*`,
          body: 'raw',
          access: 'authenticated',
          // LiteLLM's get_litellm_virtual_key: x-litellm-api-key first (a provider SDK sends its own
          // credential in Authorization), and Gemini's `?key=`.
          credential: { headers: ['x-litellm-api-key'], ...(route.credentialQuery?.[0] !== undefined && { query: route.credentialQuery[0] }) },
          summary: `${route.name} pass-through: the provider's native API with a virtual key`,
          tags: ['pass-through', `${route.name} pass-through`],
          handler: (request) => passThrough(ctx, route, prefix, request, settings),
        });
      }
    }
    return { routes };
  },
});
