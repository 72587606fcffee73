/**
 * Calls one OpenAI-style deployment. The request body is already OpenAI format, so the adapter
 * only adds auth, picks the path and maps errors; streams are split into events, not re-encoded.
 */
import {
  UpstreamError,
  httpTarget,
  type DeploymentConfig,
  type Endpoint,
  type HttpClient,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '../../../plugin-sdk/index.js';

const PATHS: Record<Endpoint, string> = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings' };

export interface AdapterOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  apiBase: string;
  apiKey: string | undefined;
}

export function createOpenAICompatibleAdapter({ http, deployment, apiBase, apiKey }: AdapterOptions): ProviderAdapter {
  const base = apiBase.replace(/\/+$/, '');
  const urls = { chat: httpTarget(base + PATHS.chat), completions: httpTarget(base + PATHS.completions), embeddings: httpTarget(base + PATHS.embeddings) };
  // Built once: every request to this deployment sends the same headers.
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
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
      const raw = await res.body.text();
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new UpstreamError(`upstream sent a non-JSON body: ${raw.slice(0, 200)}`, { status: 502 });
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UpstreamError('upstream sent a JSON body that is not an object', { status: 502 });
      return { kind: 'json', status: res.status, body: body as JsonObject, raw };
    },
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 1000) || 'no body' } };
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
