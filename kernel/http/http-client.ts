/**
 * Outbound HTTP for providers and plugins: one undici Agent with keep-alive pools per origin, so
 * upstream connections are reused across requests.
 */
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { UpstreamError } from '../../plugin-sdk/errors.js';
import type { HttpClient, HttpRequestOptions, HttpResponse } from '../../plugin-sdk/capabilities.js';

export interface HttpClientOptions {
  /** Max sockets per upstream origin. */
  connectionsPerOrigin?: number;
  keepAliveTimeoutMs?: number;
}

export class UndiciHttpClient implements HttpClient {
  readonly agent: Agent;

  constructor(opts: HttpClientOptions = {}) {
    this.agent = new Agent({
      connections: opts.connectionsPerOrigin ?? 256,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
      keepAliveMaxTimeout: 600_000,
      pipelining: 1,
      connect: { timeout: 10_000 },
    });
  }

  async request(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
    const u = new URL(url);
    try {
      const res = await this.agent.request({
        origin: u.origin,
        path: u.pathname + u.search,
        method: (options.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: options.headers,
        body: options.body,
        signal: options.signal,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      throw toUpstreamError(err, options.signal);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Network-level failures become UpstreamErrors: timeouts flagged, unreachable hosts status 0. */
export function toUpstreamError(err: unknown, signal?: AbortSignal): unknown {
  if (err instanceof UpstreamError) return err;
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
