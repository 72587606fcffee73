/**
 * LiteLLM's `general_settings.pass_through_endpoints`: each entry is a route (any of GET, POST,
 * PUT, DELETE, PATCH; with `include_subpath`, every sub-path too) whose requests go to `target`
 * with the configured headers, the client's query and the body's bytes as they came; the target's
 * answer (status, headers, body) is relayed as it streams, errors included. `auth: true` makes
 * the route take a key as the model routes do, and `cost_per_request` is then charged to it.
 * Without entries the plugin adds nothing.
 */
import { definePlugin, type RouteDefinition } from '@sluice/plugin-sdk';
import type { PassThroughEndpointsConfig } from './config.generated.js';
import { ALL_METHODS, configWarnings, endpointSettings, type EndpointSettings } from './endpoint-settings.js';
import { PassThroughErrors } from './errors.js';
import { forwardRequest } from './forward-request.js';

export default definePlugin<PassThroughEndpointsConfig>({
  id: 'pass-through-endpoints',
  version: '1.0.0',
  apiVersion: '^2',
  checkConfig: (config) => configWarnings(config),
  async setup(ctx, config) {
    const endpoints = await endpointSettings(config, ctx.secrets, ctx.log);
    if (endpoints.length === 0) return {};

    // One route per url: the exact path, and `<path>/*` for entries with include_subpath. Several
    // entries on one path may split the methods between them.
    const byUrl = new Map<string, EndpointSettings[]>();
    for (const ep of endpoints) {
      const urls = [ep.path, ...(ep.includeSubpath ? [ep.path === '/' ? '/*' : `${ep.path}/*`] : [])];
      for (const url of urls) byUrl.set(url, [...(byUrl.get(url) ?? []), ep]);
    }
    const routes: RouteDefinition[] = [];
    for (const [url, group] of byUrl) {
      const first = group[0]!;
      if (group.some((ep) => ep.auth !== first.auth)) {
        ctx.log.warn({ url }, `pass-through entries for ${url} disagree on auth; the first one's (auth: ${first.auth}) applies to all`);
      }
      routes.push({
        method: [...ALL_METHODS],
        // A colon in a configured path is literal (`/models/gemini:generateContent`), not a parameter.
        url: url.replaceAll(':', '::'),
        body: 'raw',
        access: first.auth ? 'authenticated' : 'public',
        // The operator asked for this path: it wins over an API plugin's default route on it.
        configured: true,
        summary: `Pass-through to ${first.target.origin}`,
        tags: ['pass-through'],
        handler: async (request) => {
          const method = request.method ?? 'GET';
          const ep = group.find((e) => e.methods.has(method));
          if (!ep) throw PassThroughErrors.METHOD_NOT_ALLOWED({ method, path: first.path });
          return forwardRequest(ctx, ep, request);
        },
      });
    }
    ctx.log.info({ endpoints: endpoints.map((ep) => ep.path) }, `serving ${endpoints.length} pass-through endpoint(s)`);
    return { routes };
  },
});
