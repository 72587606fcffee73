/**
 * Outbound HTTP for providers and plugins: one undici Agent with keep-alive pools per origin, so
 * upstream connections are reused across requests.
 */
import { Readable } from 'node:stream';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamError, httpTarget, isUpstreamError, type HttpClient, type HttpRequestOptions, type HttpResponse, type HttpTarget } from '@sluice/plugin-sdk';

export interface HttpClientOptions {
  /** Max sockets per upstream origin. */
  connectionsPerOrigin?: number;
  keepAliveTimeoutMs?: number;
}

export class UndiciHttpClient implements HttpClient {
  /** One pool per upstream origin (what undici's Agent keeps too, minus its per-call dispatch layers). */
  private readonly pools = new Map<string, Pool>();
  private readonly poolOptions: Pool.Options;

  constructor(opts: HttpClientOptions = {}) {
    this.poolOptions = {
      connections: opts.connectionsPerOrigin ?? 256,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
      keepAliveMaxTimeout: 600_000,
      pipelining: 1,
      connect: { timeout: 10_000 },
    };
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, this.poolOptions);
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async request(url: string | HttpTarget, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const target = typeof url === 'string' ? httpTarget(url) : url;
    try {
      const res = await this.pool(target.origin).request({
        path: target.path,
        method: (options.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: options.headers,
        body: requestBody(options.body),
        signal: options.signal as AbortSignal | undefined,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      throw toUpstreamError(err, options.signal);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}

/** Network-level failures become UpstreamErrors: timeouts flagged, unreachable hosts status 0. */
export function toUpstreamError(err: unknown, signal?: { aborted: boolean; reason: unknown }): unknown {
  if (isUpstreamError(err)) return err;
  if (signal?.aborted) {
    const reason = signal.reason as { name?: string } | undefined;
    if (reason?.name === 'TimeoutError') return new UpstreamError('upstream timed out', { status: 504, timeout: true, cause: err });
    return err; // client went away: not an upstream error
  }
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
    return new UpstreamError('upstream timed out', { status: 504, timeout: true, cause: err });
  }
  const code = (err as { code?: string }).code;
  return new UpstreamError(`${code ?? 'network error'}: ${(err as Error).message}`, { status: 0, cause: err });
}

/** undici takes streams as Readables: an upload given as an async iterable is wrapped, not read whole. */
function requestBody(body: HttpRequestOptions['body']): string | Uint8Array | Readable | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body;
  return Readable.from(body, { objectMode: false });
}
