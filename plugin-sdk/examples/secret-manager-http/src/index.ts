/**
 * secrets-http-store: a secret resolver. The gateway asks it for `os.environ/NAME` references in the config;
 * it reads them from an HTTP secret store with a bearer token that is itself a granted secret.
 * Resolved values are cached in the isolate's memory (never in the kv store: that would write
 * secrets to the gateway's database).
 */
import { defineSandboxedPlugin } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };

/** config.schema.json as a type; the gateway validates the config and fills its defaults before setup. */
export interface Config {
  base_url: string;
  token_secret?: string;
  cache_ttl_ms?: number;
}

export const RESOLVER_NAME = 'secrets_http_store';

export default defineSandboxedPlugin<Config>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const { http, secrets } = ctx;
    if (!http || !secrets) throw new Error('grant the store host in grants.http and the token name in grants.secrets');
    const base = config.base_url.replace(/\/+$/, '');
    const tokenName = config.token_secret ?? 'SECRETS_HTTP_STORE_TOKEN';
    const ttlMs = config.cache_ttl_ms ?? 60_000;
    const cache = new Map<string, { value: string | undefined; until: number }>();

    async function read(name: string): Promise<string | undefined> {
      const token = await secrets!.get(tokenName);
      if (!token) throw new Error(`the secret ${tokenName} (the store's token) is not set`);
      const res = await http!.fetch(`${base}/v1/secrets/${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`the secret store answered ${res.status} for ${name}`);
      const value = (JSON.parse(res.body) as { value?: unknown }).value;
      if (typeof value !== 'string') throw new Error(`the secret store's answer for ${name} has no string "value"`);
      return value;
    }

    return {
      secretResolvers: [
        {
          name: RESOLVER_NAME,
          async get(name) {
            const hit = cache.get(name);
            if (hit && hit.until > ctx.now()) return hit.value;
            const value = await read(name);
            cache.set(name, { value, until: ctx.now() + ttlMs });
            ctx.log.debug({ name, found: value !== undefined }, 'read a secret');
            return value;
          },
        },
      ],
    };
  },
});
