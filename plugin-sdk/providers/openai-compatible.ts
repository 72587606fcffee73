/**
 * The base every OpenAI-style provider reuses: the request body is already OpenAI format, so the
 * adapter only adds auth, picks the URL and maps errors; streams are relayed as the upstream's
 * own SSE bytes. Thin providers (OpenAI, Azure, vLLM, Groq…) pass their URLs and auth headers.
 */
import { UpstreamError } from '../errors.js';
import { httpTarget, type HttpClient, type HttpTarget } from '../capabilities.js';
import type { Endpoint } from '../hook-contexts.js';
import type { JsonObject } from '../json.js';
import { ENDPOINTS, type DeploymentConfig, type ForwardRequest, type ForwardResponse, type ProviderAdapter, type ProviderRequest, type ProviderResponse } from '../provider.js';
import { multipartBody } from './multipart-body.js';
import { readJsonAnswer } from './read-json.js';

/** Each endpoint's path under an OpenAI-style API root. */
export const OPENAI_PATHS: Readonly<Record<Endpoint, string>> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  rerank: '/rerank',
  responses: '/responses',
  messages: '/messages',
  count_tokens: '/messages/count_tokens',
  image_generation: '/images/generations',
  image_edit: '/images/edits',
  image_variation: '/images/variations',
  audio_transcription: '/audio/transcriptions',
  audio_translation: '/audio/translations',
  audio_speech: '/audio/speech',
  moderation: '/moderations',
};

export interface OpenAICompatibleOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  /** Base URL; the endpoint paths are appended (`/chat/completions`…) unless `urls` is given. */
  apiBase: string;
  apiKey: string | undefined;
  /** Full URLs per endpoint (Azure's deployment paths with `?api-version=`). */
  urls?: Partial<Record<Endpoint, string>>;
  /** Auth headers instead of `Authorization: Bearer <apiKey>` (Azure's `api-key`). */
  authHeaders?: Record<string, string>;
}

export function createOpenAICompatibleAdapter({ http, deployment, apiBase, apiKey, urls: given, authHeaders }: OpenAICompatibleOptions): ProviderAdapter {
  const base = apiBase.replace(/\/+$/, '');
  const urls = {} as Record<Endpoint, HttpTarget>;
  for (const e of ENDPOINTS) urls[e] = httpTarget(given?.[e] ?? base + OPENAI_PATHS[e]);
  // Built once: every request to this deployment sends the same headers.
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (authHeaders) Object.assign(headers, authHeaders);
  else if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (typeof deployment.params.organization === 'string') headers['openai-organization'] = deployment.params.organization;
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };

  const forwardHeaders = authHeaders ?? (apiKey ? { authorization: `Bearer ${apiKey}` } : {});

  return {
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      let body: string | Uint8Array;
      let sent = req.stream ? streamHeaders : headers;
      // Trace context from a tracing plugin: added under the deployment's own headers, never over them.
      if (req.headers) sent = { ...req.headers, ...sent };
      if (req.files && req.files.length > 0) {
        const form = multipartBody(req.body, req.files);
        body = form.body;
        sent = { ...sent, 'content-type': form.contentType };
      } else body = JSON.stringify(req.body);
      const res = await http.request(urls[req.endpoint], {
        method: 'POST',
        headers: sent,
        body,
        signal: req.signal,
        headersTimeoutMs: req.timeoutMs ?? deployment.timeoutMs,
        bodyTimeoutMs: req.stream ? deployment.streamTimeoutMs : (req.timeoutMs ?? deployment.timeoutMs),
      });
      if (res.status >= 400) {
        const text = await res.body.text().catch(() => '');
        throw new UpstreamError(`upstream answered ${res.status}`, { status: res.status, body: parseOrText(text), retryAfter: header(res.headers['retry-after']) });
      }
      if (req.stream) return { kind: 'sse', status: res.status, body: res.body };
      // Speech is audio, and transcriptions in text/srt/vtt are text: relayed as the bytes they are.
      const contentType = header(res.headers['content-type']) ?? '';
      if (req.endpoint === 'audio_speech' || (contentType !== '' && !/[/+]json\b/i.test(contentType))) {
        return { kind: 'bytes', status: res.status, contentType: contentType || 'application/octet-stream', body: res.body };
      }
      return readJsonAnswer(res.body, 'upstream', res.status);
    },

    async forward(req: ForwardRequest): Promise<ForwardResponse> {
      const sent: Record<string, string> = { ...req.headers, ...forwardHeaders };
      if (req.contentLength !== undefined && !(req.body instanceof Uint8Array)) sent['content-length'] = String(req.contentLength);
      const res = await http.request(forwardUrl(base, req.path), {
        method: req.method,
        headers: sent,
        ...(req.body !== undefined && { body: req.body }),
        signal: req.signal,
        headersTimeoutMs: deployment.timeoutMs,
        bodyTimeoutMs: deployment.streamTimeoutMs,
      });
      return { status: res.status, headers: flatHeaders(res.headers), body: res.body };
    },
  };
}

/**
 * A native path under an OpenAI-style API root: the client writes it as the provider's docs do
 * (`/v1/files`), while `api_base` usually ends in `/v1` already; the version appears once.
 */
export function forwardUrl(apiBase: string, path: string): string {
  const rooted = path.startsWith('/') ? path : `/${path}`;
  if (apiBase.endsWith('/v1') && (rooted === '/v1' || rooted.startsWith('/v1/') || rooted.startsWith('/v1?'))) return apiBase.slice(0, -3) + rooted;
  return apiBase + rooted;
}

/** Response headers as one string each (repeated ones joined, as HTTP allows), minus hop-by-hop ones. */
export function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k.toLowerCase())) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** An upstream error body as JSON when it is JSON, else wrapped as an OpenAI-style error. */
export function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 1000) || 'no body' } };
  }
}

export function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
