/**
 * The HTTP half the providers' `forward` share: send a pass-through request to its target with
 * the headers the provider chose (the client's plus the deployment's credential) and hand the
 * answer back untouched, whatever its status. Only a failure to get an answer throws (the HTTP
 * client's `UpstreamError`: unreachable, timed out).
 */
import type { HttpClient } from '../capabilities.js';
import type { DeploymentConfig, ForwardRequest, ForwardResponse } from '../provider.js';
import { flatHeaders } from './openai-compatible.js';

export interface ForwardTarget {
  /** Full URL, query string included. */
  url: string;
  /** Every header to send, lower-cased (the credential included). */
  headers: Record<string, string>;
  /** The exact bytes to send when the provider had to read them (a signature covers them); else the request's body as it comes. */
  body?: Uint8Array;
}

export async function forwardOverHttp(
  http: HttpClient,
  deployment: Pick<DeploymentConfig, 'timeoutMs' | 'streamTimeoutMs'>,
  request: ForwardRequest,
  target: ForwardTarget,
): Promise<ForwardResponse> {
  const body = target.body ?? request.body;
  const headers = { ...target.headers };
  if (target.body === undefined && request.contentLength !== undefined && !(request.body instanceof Uint8Array)) headers['content-length'] = String(request.contentLength);
  const res = await http.request(target.url, {
    method: request.method,
    headers,
    ...(body !== undefined && !(body instanceof Uint8Array && body.length === 0) && { body }),
    signal: request.signal,
    headersTimeoutMs: deployment.timeoutMs,
    // A streamed answer may run long; what is bounded is the silence between two chunks.
    bodyTimeoutMs: deployment.streamTimeoutMs,
  });
  return { status: res.status, headers: flatHeaders(res.headers), body: res.body };
}

/** A forwarded body as one buffer, for a provider that must read it whole (to sign it). A streamed body was bounded by its route. */
export async function forwardBodyBytes(body: ForwardRequest['body']): Promise<Uint8Array | undefined> {
  if (body === undefined || body instanceof Uint8Array) return body;
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of body) {
    parts.push(part);
    length += part.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
