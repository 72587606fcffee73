/**
 * __ID__: a logger on `onSpend`. After every call the gateway hands observers a frozen spend event,
 * off the request path; this plugin posts a summary of it to an HTTP endpoint. A failed post is a
 * fault, and `onSpend` is fail-open: the gateway counts it and the client never notices.
 */
import { defineSandboxedPlugin } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };

/** config.schema.json as a type; the gateway validates the config and fills its defaults before setup. */
export interface Config {
  endpoint: string;
  api_key?: string;
  include_metadata?: boolean;
}

export default defineSandboxedPlugin<Config>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const http = ctx.http;
    // Failing setup names the missing grant at load instead of failing every call later.
    if (!http) throw new Error(`grant the host of ${config.endpoint} in grants.http`);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (config.api_key) headers.authorization = `Bearer ${config.api_key}`;

    return {
      async onSpend(event) {
        const record = {
          request_id: event.requestId,
          logged_at: ctx.now(),
          model: event.model,
          deployment: event.deployment?.id ?? null,
          status: event.status,
          http_status: event.httpStatus,
          stream: event.stream,
          user: event.principal.userId ?? event.principal.id,
          prompt_tokens: event.usage.prompt_tokens,
          completion_tokens: event.usage.completion_tokens,
          cost_usd: event.cost,
          latency_ms: event.endedAt - event.startedAt,
          tags: event.tags,
          ...(config.include_metadata ? { metadata: event.metadata } : {}),
        };
        const res = await http.fetch(config.endpoint, { method: 'POST', headers, body: JSON.stringify(record) });
        if (res.status >= 300) throw new Error(`${config.endpoint} answered ${res.status}`);
      },
    };
  },
});
