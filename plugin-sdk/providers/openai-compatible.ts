/**
 * The base every OpenAI-style provider reuses: the request body is already OpenAI format, so the
 * adapter only adds auth, picks the URL and maps errors; streams are relayed as the upstream's
 * own SSE bytes. Thin providers (OpenAI, Azure, vLLM, Groq…) pass their URLs and auth headers.
 */
import { UpstreamError } from '../errors.js';
import { httpTarget, type HttpClient, type HttpTarget } from '../capabilities.js';
import type { Endpoint } from '../hook-contexts.js';
import type { JsonObject } from '../json.js';
import type { DeploymentConfig, ProviderAdapter, ProviderRequest, ProviderResponse } from '../provider.js';
import { readJsonAnswer } from './read-json.js';

export const OPENAI_PATHS: Record<Endpoint, string> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings', rerank: '/rerank' };

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
  const urls: Record<Endpoint, HttpTarget> = {
    chat: httpTarget(given?.chat ?? base + OPENAI_PATHS.chat),
    completions: httpTarget(given?.completions ?? base + OPENAI_PATHS.completions),
    embeddings: httpTarget(given?.embeddings ?? base + OPENAI_PATHS.embeddings),
    rerank: httpTarget(given?.rerank ?? base + OPENAI_PATHS.rerank),
  };
  // Built once: every request to this deployment sends the same headers.
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (authHeaders) Object.assign(headers, authHeaders);
  else if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  if (typeof deployment.params.organization === 'string') headers['openai-organization'] = deployment.params.organization;
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };

  return {
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      const res = await http.request(urls[req.endpoint], {
        method: 'POST',
        headers: req.stream ? streamHeaders : headers,
        body: JSON.stringify(req.body),
        signal: req.signal,
        headersTimeoutMs: deployment.timeoutMs,
        bodyTimeoutMs: req.stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
      });
      if (res.status >= 400) {
        const text = await res.body.text().catch(() => '');
        throw new UpstreamError(`upstream answered ${res.status}`, { status: res.status, body: parseOrText(text), retryAfter: header(res.headers['retry-after']) });
      }
      if (req.stream) return { kind: 'sse', status: res.status, body: res.body };
      return readJsonAnswer(res.body, 'upstream', res.status);
    },
  };
}

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
