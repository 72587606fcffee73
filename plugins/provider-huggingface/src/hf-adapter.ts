/**
 * One huggingface/ deployment: chat through an OpenAI-compatible chat API (the router's, an
 * Inference Endpoint's, a TGI server's), streamed answers relayed as the upstream's own SSE bytes;
 * embeddings through the feature-extraction pipeline. URLs and headers are built once.
 */
import {
  httpTarget,
  readJsonAnswer,
  type DeploymentConfig,
  type HttpClient,
  type HttpResponse,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import { fromErrorResponse, unsupported } from './hf-errors.js';
import { toEmbeddingRequest, toEmbeddingResponse } from './hf-embeddings.js';
import { chatRoute, embeddingUrl } from './hf-routes.js';
import type { ProviderMappings } from './provider-mapping.js';

export interface HfSettings {
  apiKey: string | undefined;
  envBase: string | undefined;
  routerUrl: string;
  mappings: ProviderMappings;
}

export function createHfAdapter(http: HttpClient, deployment: DeploymentConfig, settings: HfSettings): ProviderAdapter {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const route = chatRoute(deployment.model, deployment.apiBase, settings.envBase, settings.routerUrl);
  const chatTarget = httpTarget(route.url);
  const embedTarget = httpTarget(embeddingUrl(deployment.model, deployment.apiBase, settings.envBase, settings.routerUrl));

  const post = async (target: ReturnType<typeof httpTarget>, body: string, req: ProviderRequest, stream: boolean): Promise<HttpResponse> => {
    const res = await http.request(target, {
      method: 'POST',
      headers: stream ? streamHeaders : headers,
      body,
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) throw fromErrorResponse(res.status, res.headers, await res.body.text().catch(() => ''));
    return res;
  };

  const chat = async (req: ProviderRequest): Promise<ProviderResponse> => {
    const model =
      route.kind === 'fixed' ? route.model : await settings.mappings.providerModel(route.modelId, route.provider, settings.apiKey, deployment.timeoutMs);
    const res = await post(chatTarget, JSON.stringify({ ...req.body, model }), req, req.stream);
    if (req.stream) return { kind: 'sse', status: res.status, body: res.body };
    return readJsonAnswer(res.body, 'Hugging Face', res.status);
  };

  const embeddings = async (req: ProviderRequest): Promise<ProviderResponse> => {
    const embed = toEmbeddingRequest(req.body);
    const res = await post(embedTarget, JSON.stringify(embed.body), req, false);
    const text = await res.body.text();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = text;
    }
    return { kind: 'json', status: 200, body: toEmbeddingResponse(raw, embed, String(req.body.model)) };
  };

  return {
    call(req) {
      if (req.endpoint === 'chat') return chat(req);
      if (req.endpoint === 'embeddings') return embeddings(req);
      return Promise.reject(unsupported('huggingface deployments serve /chat/completions and /embeddings'));
    },
  };
}
