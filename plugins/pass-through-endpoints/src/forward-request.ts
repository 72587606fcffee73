/**
 * One forwarded request: send it to the target, relay the answer chunk by chunk, and record it
 * as a call of the caller once the answer is over (relayed in full, cut short, or failed).
 */
import {
  isUpstreamError,
  type HttpResponse,
  type JsonObject,
  type PluginContext,
  type RouteRequest,
  type RouteResult,
  type RouteSpend,
} from '@sluice/plugin-sdk';
import type { EndpointSettings } from './endpoint-settings.js';
import { PassThroughErrors } from './errors.js';
import { relayedHeaders, upstreamHeaders, upstreamUrl } from './upstream-request.js';

const NO_BODY = new Set(['GET', 'HEAD']);
/** Bodies read for the spend log's model and tags; larger ones are forwarded without a look. */
const MAX_LOGGED_BODY_BYTES = 256 * 1024;

export async function forwardRequest(ctx: PluginContext, ep: EndpointSettings, request: RouteRequest): Promise<RouteResult> {
  const startedAt = Date.now();
  const method = request.method ?? 'GET';
  const url = upstreamUrl(ep, request.url ?? ep.path);
  const bytes = request.body instanceof Uint8Array ? request.body : undefined;
  const body = NO_BODY.has(method) || !bytes || bytes.length === 0 ? undefined : bytes;
  const json = ep.auth ? jsonBody(bytes, request.headers['content-type']) : undefined;
  // LiteLLM runs its pre-call hooks on an authenticated pass-through: rate limits, budgets and
  // the like refuse it here (thrown as their verdict), before anything is forwarded.
  const admitted = ep.auth && request.admit ? await request.admit({ body: json ?? {}, ...(typeof json?.model === 'string' && { model: json.model }) }) : undefined;
  let recorded = false;
  const record = (spend: Pick<RouteSpend, 'status' | 'httpStatus' | 'stream'>) => {
    if (recorded || !request.recordSpend) return;
    recorded = true;
    const logged = loggedFields(json, request.headers);
    request.recordSpend({
      endpoint: 'pass_through_endpoint',
      cost: spend.status === 'success' ? ep.costPerRequest : 0,
      startedAt,
      ...logged,
      ...spend,
    });
  };

  let res: HttpResponse;
  try {
    res = await ctx.http.request(url, {
      method,
      headers: upstreamHeaders(ep, request.headers),
      ...(body && { body }),
      ...(request.signal && { signal: request.signal }),
      headersTimeoutMs: ep.timeoutMs,
      bodyTimeoutMs: ep.timeoutMs,
    });
  } catch (err) {
    if (request.signal?.aborted) {
      record({ status: 'failure', httpStatus: 499 });
      throw err;
    }
    const target = ep.target.origin + ep.target.pathname;
    if (isUpstreamError(err) && err.timeout) {
      record({ status: 'failure', httpStatus: 500 });
      throw PassThroughErrors.TIMEOUT({ path: ep.path, target, seconds: ep.timeoutMs / 1000 }, { cause: err });
    }
    record({ status: 'failure', httpStatus: 500 });
    throw PassThroughErrors.UNREACHABLE({ path: ep.path, target, detail: ctx.secrets.scrub((err as Error).message) }, { cause: err });
  }

  // LiteLLM logs an upstream 4xx/5xx as a failure (nothing charged) and relays it unchanged.
  const status = res.status < 400 ? 'success' : 'failure';
  const stream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
  return {
    status: res.status,
    headers: admitted ? { ...admitted.headers, ...relayedHeaders(res.headers) } : relayedHeaders(res.headers),
    stream: relay(res, () => record({ status, httpStatus: res.status, stream })),
  };
}

/** The target's body as it comes; `done` runs once it is over, however it ends. */
async function* relay(res: HttpResponse, done: () => void): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res.body) yield chunk;
  } finally {
    done();
  }
}

type JsonRecord = Record<string, unknown>;
const isRecord = (v: unknown): v is JsonRecord => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What the spend log shows of a request, as LiteLLM logs a pass-through: the `model` a JSON body
 * names (else `unknown`); tags from the `tags` and `x-litellm-tags` headers and from the body's
 * `litellm_metadata.tags` / `metadata.tags`; the rest of those two objects as metadata. The body
 * itself is forwarded untouched; only small JSON bodies are read.
 */
function loggedFields(body: JsonRecord | undefined, headers: RouteRequest['headers']): Pick<RouteSpend, 'model' | 'tags' | 'metadata'> {
  const tags = new Set<string>();
  for (const name of ['tags', 'x-litellm-tags']) {
    for (const h of [headers[name] ?? []].flat()) for (const t of h.split(',')) if (t.trim()) tags.add(t.trim());
  }
  const metadata: JsonRecord = {};
  for (const field of ['litellm_metadata', 'metadata']) {
    const m = body?.[field];
    if (!isRecord(m)) continue;
    for (const [k, v] of Object.entries(m)) {
      if (k === 'tags') {
        if (Array.isArray(v)) for (const t of v) if (typeof t === 'string' && t.trim()) tags.add(t.trim());
      } else metadata[k] = v;
    }
  }
  const model = typeof body?.model === 'string' && body.model !== '' ? body.model : 'unknown';
  return { model, tags: [...tags], metadata };
}

function jsonBody(bytes: Uint8Array | undefined, contentType: string | string[] | undefined): JsonObject | undefined {
  if (!bytes || bytes.length === 0 || bytes.length > MAX_LOGGED_BODY_BYTES) return undefined;
  if (typeof contentType === 'string' && !contentType.includes('json')) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    return isRecord(parsed) ? (parsed as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
