/**
 * The `messages` and `count_tokens` endpoints: the client's Anthropic request sent as it is (the
 * gateway already set `model` to the deployment's), and Anthropic's answer returned as it came —
 * a message as its own JSON text, a stream as its own SSE bytes (kind `sse`). The body fields
 * `anthropic_version` and `anthropic_beta` (where the Messages route puts the client's headers,
 * as Bedrock and Vertex take them) go back to being the `anthropic-version` / `anthropic-beta`
 * headers; the deployment's extra_headers still apply, its anthropic-beta values added to the client's.
 */
import {
  header,
  httpTarget,
  readJsonAnswer,
  type DeploymentConfig,
  type HttpClient,
  type JsonObject,
  type JsonValue,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import { ANTHROPIC_VERSION } from './anthropic-wire.js';
import { upstreamErrorOf } from './upstream-errors.js';

export interface NativeMessagesOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  apiKey: string | undefined;
  /** POST target of the Messages API (see `messagesUrl`). */
  messagesUrl: string;
}

export type NativeCall = (req: ProviderRequest) => Promise<ProviderResponse>;

/** Distinct version/beta combinations whose headers are kept (clients send a handful). */
const MAX_HEADER_SETS = 64;

export function nativeMessagesCall({ http, deployment, apiKey, messagesUrl }: NativeMessagesOptions): NativeCall {
  const messages = httpTarget(messagesUrl);
  const countTokens = httpTarget(`${messagesUrl}/count_tokens`);
  const base: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) base['x-api-key'] = apiKey;
  const extra: Record<string, string> = {};
  const configured = deployment.params.extra_headers ?? deployment.params.headers;
  if (configured && typeof configured === 'object') for (const [k, v] of Object.entries(configured)) if (typeof v === 'string') extra[k.toLowerCase()] = v;

  const build = (version: string, betas: string[], stream: boolean): Record<string, string> => {
    const headers: Record<string, string> = { ...base, 'anthropic-version': version };
    if (stream) headers.accept = 'text/event-stream';
    Object.assign(headers, extra);
    if (extra['anthropic-beta']) betas.push(...extra['anthropic-beta'].split(',').map((b) => b.trim()));
    if (betas.length > 0) headers['anthropic-beta'] = [...new Set(betas)].filter(Boolean).join(',');
    return Object.freeze(headers) as Record<string, string>;
  };
  // Clients send the same version and betas call after call: their headers are built once.
  const built = new Map<string, Record<string, string>>();
  // Most calls carry no betas: their headers are found by version alone, without building a key.
  const plain = [new Map<string, Record<string, string>>(), new Map<string, Record<string, string>>()];
  const headersFor = (body: JsonObject, stream: boolean): Record<string, string> => {
    const version = typeof body.anthropic_version === 'string' ? body.anthropic_version : ANTHROPIC_VERSION;
    if (body.anthropic_beta === undefined) {
      const byVersion = plain[stream ? 1 : 0]!;
      let headers = byVersion.get(version);
      if (!headers) {
        headers = build(version, [], stream);
        if (byVersion.size < MAX_HEADER_SETS) byVersion.set(version, headers);
      }
      return headers;
    }
    const betas = betaList(body.anthropic_beta);
    const key = `${stream ? 's' : 'j'}|${version}|${betas.join(',')}`;
    let headers = built.get(key);
    if (!headers) {
      headers = build(version, betas, stream);
      if (built.size < MAX_HEADER_SETS) built.set(key, headers);
    }
    return headers;
  };

  return async (req) => {
    const stream = req.endpoint === 'messages' && req.stream;
    const payload = sendable(req.body, stream);
    const res = await http.request(req.endpoint === 'count_tokens' ? countTokens : messages, {
      method: 'POST',
      headers: headersFor(req.body, stream),
      body: JSON.stringify(payload),
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) {
      const text = await res.body.text().catch(() => '');
      throw upstreamErrorOf({ status: res.status, text, retryAfter: header(res.headers['retry-after']), secret: apiKey });
    }
    if (stream) return { kind: 'sse', status: res.status, body: res.body };
    // Parsed only if something reads `body`: the Messages route relays the text and reads usage from it.
    // Awaited: returning the promise from this async function would cost two more ticks.
    return await readJsonAnswer(res.body, 'anthropic', res.status);
  };
}

/** The body as Anthropic takes it: copied only when header fields must come out or `stream` go in. */
function sendable(body: JsonObject, stream: boolean): JsonObject {
  if (body.anthropic_version === undefined && body.anthropic_beta === undefined && (!stream || body.stream === true)) return body;
  const payload: JsonObject = {};
  for (const key in body) if (key !== 'anthropic_version' && key !== 'anthropic_beta') payload[key] = body[key]!;
  if (stream) payload.stream = true;
  return payload;
}

function betaList(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return value.split(',').map((b) => b.trim());
  if (Array.isArray(value)) return value.filter((b): b is string => typeof b === 'string');
  return [];
}

