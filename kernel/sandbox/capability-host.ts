/**
 * The host side of a sandboxed plugin's capabilities. Each request from the isolate names an
 * operation; only what the operator granted is served, everything else is refused by name.
 */
import type { PluginContext } from '../../plugin-sdk/capabilities.js';

export interface SandboxGrants {
  /** Hosts (`host` or `host:port`) `http.fetch` may reach. */
  http: string[];
  /** Whether the plugin gets its own namespaced key/value store. */
  kv: boolean;
  /** Secret names `secrets.get` may read. */
  secrets: string[];
}

export const NO_GRANTS: SandboxGrants = Object.freeze({ http: [], kv: false, secrets: [] });

const MAX_FETCH_BODY = 1024 * 1024;
const MAX_KV_VALUE = 64 * 1024;

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function hostAllowed(url: URL, grants: readonly string[]): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return grants.some((g) => g === url.hostname || g === `${url.hostname}:${port}`);
}

export class CapabilityHost {
  constructor(
    private readonly ctx: PluginContext,
    private readonly grants: SandboxGrants,
    private readonly fetchTimeoutMs: number,
  ) {}

  /** Runs one capability operation; the result is JSON-serialisable. Throws with a message the plugin sees. */
  async run(op: string, args: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'http.fetch':
        return this.fetch(String(args.url), (args.init ?? {}) as FetchInit);
      case 'kv.get':
        return (await this.kv().get(String(args.key))) ?? null;
      case 'kv.set': {
        const value = String(args.value);
        if (value.length > MAX_KV_VALUE) throw new Error(`kv.set: values are limited to ${MAX_KV_VALUE} characters`);
        const ttlMs = (args.opts as { ttlMs?: unknown } | null)?.ttlMs;
        await this.kv().set(String(args.key), value, typeof ttlMs === 'number' ? { ttlMs } : undefined);
        return null;
      }
      case 'kv.delete':
        return this.kv().delete(String(args.key));
      case 'kv.list':
        return this.kv().list(args.prefix === undefined || args.prefix === null ? undefined : String(args.prefix), typeof args.limit === 'number' ? Math.min(args.limit, 1000) : 1000);
      case 'secrets.get': {
        const name = String(args.name);
        if (!this.grants.secrets.includes(name)) throw new Error(`secrets.get: the secret ${name} is not granted to this plugin`);
        return (await this.ctx.secrets.get(name)) ?? null;
      }
      default:
        throw new Error(`unknown capability ${op}`);
    }
  }

  private kv() {
    if (!this.grants.kv) throw new Error('kv: this plugin was not granted a key/value store');
    return this.ctx.kv;
  }

  private async fetch(rawUrl: string, init: FetchInit): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new Error(`http.fetch: invalid URL ${JSON.stringify(rawUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`http.fetch: only http and https URLs are allowed`);
    if (!hostAllowed(url, this.grants.http)) throw new Error(`http.fetch: host ${url.host} is not granted to this plugin`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const res = await this.ctx.http.request(url.href, {
      method: (init.method ?? 'GET').toUpperCase(),
      headers,
      body: init.body === undefined ? undefined : String(init.body),
      headersTimeoutMs: this.fetchTimeoutMs,
      bodyTimeoutMs: this.fetchTimeoutMs,
    });
    let size = 0;
    const parts: Buffer[] = [];
    for await (const chunk of res.body) {
      size += chunk.byteLength;
      if (size > MAX_FETCH_BODY) throw new Error(`http.fetch: response larger than ${MAX_FETCH_BODY} bytes`);
      parts.push(Buffer.from(chunk));
    }
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) outHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.status, headers: outHeaders, body: Buffer.concat(parts).toString('utf8') };
  }
}
