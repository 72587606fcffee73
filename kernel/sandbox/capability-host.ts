/**
 * The host side of a sandboxed plugin's capabilities. Each request from the isolate names an
 * operation; only what the operator granted is served, everything else is refused by name.
 *
 * Quotas keep what a plugin holds on the host bounded: at most MAX_CALLS_IN_FLIGHT capability
 * calls at a time, of which MAX_FETCHES_IN_FLIGHT requests whose buffered responses together stay
 * within a quarter of its `memory_mb` (the body is aborted past that), and at most MAX_KV_KEYS keys
 * of at most MAX_KV_VALUE characters.
 */
import type { PluginContext } from '@sluice/plugin-sdk';

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
export const MAX_FETCHES_IN_FLIGHT = 8;
export const MAX_CALLS_IN_FLIGHT = 32;
const MAX_KV_VALUE = 64 * 1024;
export const MAX_KV_KEYS = 1000;

export interface CapabilityLimits {
  fetchTimeoutMs: number;
  /** The isolate's heap limit: a quarter of it bounds the responses buffered for it on the host. */
  memoryMb: number;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export function hostAllowed(url: URL, grants: readonly string[]): boolean {
  const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');
  return grants.some((g) => g === url.hostname || g === `${url.hostname}:${port}`);
}

export interface CapabilityReply {
  value: unknown;
  release(): void;
}

export class CapabilityHost {
  private callsInFlight = 0;
  private fetchesInFlight = 0;
  /** kv.set calls, one at a time, so concurrent new keys cannot all pass the key quota. */
  private kvWrites: Promise<unknown> = Promise.resolve();
  private bufferedBytes = 0;
  private readonly bufferBudget: number;

  constructor(
    private readonly ctx: PluginContext,
    private readonly grants: SandboxGrants,
    private readonly limits: CapabilityLimits,
  ) {
    this.bufferBudget = Math.floor((limits.memoryMb * 1024 * 1024) / 4);
  }

  /**
   * Runs one capability operation; the value is JSON-serialisable. Throws with a message the plugin
   * sees. `release` is called once the value was handed to the isolate: until then a fetched body
   * counts against the plugin's buffer budget.
   */
  async run(op: string, args: Record<string, unknown>): Promise<CapabilityReply> {
    if (this.callsInFlight >= MAX_CALLS_IN_FLIGHT) throw new Error(`${op}: this plugin already has ${MAX_CALLS_IN_FLIGHT} capability calls in flight`);
    this.callsInFlight++;
    try {
      if (op === 'http.fetch') return await this.fetch(String(args.url), (args.init ?? {}) as FetchInit);
      return { value: await this.perform(op, args), release: () => undefined };
    } finally {
      this.callsInFlight--;
    }
  }

  private async perform(op: string, args: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'kv.get':
        return this.kv().get(String(args.key));
      case 'kv.set': {
        const value = String(args.value);
        if (value.length > MAX_KV_VALUE) throw new Error(`kv.set: values are limited to ${MAX_KV_VALUE} characters`);
        const ttlMs = (args.opts as { ttlMs?: unknown } | null)?.ttlMs;
        const key = String(args.key);
        const write = this.kvWrites.then(async () => {
          await this.assertKeyQuota(key);
          await this.kv().set(key, value, typeof ttlMs === 'number' ? { ttlMs } : undefined);
        });
        this.kvWrites = write.catch(() => undefined);
        await write;
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

  /** A new key is refused once the store holds MAX_KV_KEYS live keys; overwriting one is not. */
  private async assertKeyQuota(key: string): Promise<void> {
    const kv = this.kv();
    if ((await kv.get(key)) !== null) return;
    if ((await kv.list(undefined, MAX_KV_KEYS)).length >= MAX_KV_KEYS) throw new Error(`kv.set: this plugin may keep at most ${MAX_KV_KEYS} keys`);
  }

  private kv() {
    if (!this.grants.kv) throw new Error('kv: this plugin was not granted a key/value store');
    return this.ctx.kv;
  }

  private async fetch(rawUrl: string, init: FetchInit): Promise<CapabilityReply> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new Error(`http.fetch: invalid URL ${JSON.stringify(rawUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`http.fetch: only http and https URLs are allowed`);
    if (!hostAllowed(url, this.grants.http)) throw new Error(`http.fetch: host ${url.host} is not granted to this plugin`);
    if (this.fetchesInFlight >= MAX_FETCHES_IN_FLIGHT) throw new Error(`http.fetch: this plugin already has ${MAX_FETCHES_IN_FLIGHT} requests in flight`);
    this.fetchesInFlight++;
    let buffered = 0;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.fetchesInFlight--;
      this.bufferedBytes -= buffered;
    };
    try {
      const value = await this.send(url, init, (bytes) => {
        buffered += bytes;
        this.bufferedBytes += bytes;
        if (buffered > MAX_FETCH_BODY) throw new Error(`http.fetch: response larger than ${MAX_FETCH_BODY} bytes`);
        if (this.bufferedBytes > this.bufferBudget) throw new Error(`http.fetch: responses in flight exceed ${this.bufferBudget} bytes (a quarter of memory_mb)`);
      });
      return { value, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** One request; `count` sees every body chunk before it is kept and throws to abort the body. */
  private async send(url: URL, init: FetchInit, count: (bytes: number) => void): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const res = await this.ctx.http.request(url.href, {
      method: (init.method ?? 'GET').toUpperCase(),
      headers,
      body: init.body === undefined ? undefined : String(init.body),
      headersTimeoutMs: this.limits.fetchTimeoutMs,
      bodyTimeoutMs: this.limits.fetchTimeoutMs,
    });
    const parts: Buffer[] = [];
    // Throwing out of the loop destroys the body stream: the rest is never read.
    for await (const chunk of res.body) {
      count(chunk.byteLength);
      parts.push(Buffer.from(chunk));
    }
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) outHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.status, headers: outHeaders, body: Buffer.concat(parts).toString('utf8') };
  }
}
