/**
 * One Cohere deployment: chat on `/v2/chat` (LiteLLM's route for `cohere/` and `cohere_chat/`;
 * a `v2/` model prefix is dropped; a `v1/` one picks `/v1/chat`, chat-v1.ts), embeddings on `/v2/embed` (`/v1/embed` when the api_base says
 * so), rerank on `/v2/rerank` or `/v1/rerank` (rerank.ts). URLs and headers are built once here.
 */
import {
  header,
  httpTarget,
  readJsonObject,
  type DeploymentConfig,
  type HttpClient,
  type HttpResponse,
  type HttpTarget,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import { invalid, upstreamErrorOf } from './cohere-errors.js';
import { toCohereChatRequest } from './chat-request.js';
import { toChatCompletion } from './chat-response.js';
import { chatChunkBatches } from './chat-stream.js';
import { fromCohereV1Response, toCohereV1Request, v1ChunkBatches } from './chat-v1.js';
import { toCohereEmbedRequest, toOpenAIEmbeddings } from './embed.js';
import { toRerankRequest, usesV1Rerank, withDocuments } from './rerank.js';
import { createCohereForward } from './forward-request.js';

export const DEFAULT_API_BASE = 'https://api.cohere.com';

export interface CohereAdapterOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  /** The deployment's api_base, else COHERE_API_BASE. */
  apiBase: string | undefined;
  /** The deployment's api_key, else COHERE_API_KEY, else CO_API_KEY. */
  apiKey: string | undefined;
  dropParams: boolean;
}

/** The host part of an api_base given as a host, a versioned root or a full endpoint URL. */
export function cohereRoot(apiBase: string): string {
  return apiBase.replace(/\/+$/, '').replace(/\/v[12](?:\/(?:chat|embed|rerank))?$/, '');
}

export function createCohereAdapter({ http, deployment, apiBase, apiKey, dropParams }: CohereAdapterOptions): ProviderAdapter {
  const root = cohereRoot(apiBase ?? DEFAULT_API_BASE);
  const embedV1 = !!apiBase && /\/v1\/embed\/?$/.test(apiBase);
  const targets = {
    chat: httpTarget(`${root}/v2/chat`),
    chatV1: httpTarget(`${root}/v1/chat`),
    embed: httpTarget(`${root}${embedV1 ? '/v1' : '/v2'}/embed`),
    rerankV1: httpTarget(`${root}/v1/rerank`),
    rerankV2: httpTarget(`${root}/v2/rerank`),
  };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'request-source': 'unspecified:sluice' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const drop = typeof deployment.params.drop_params === 'boolean' ? deployment.params.drop_params : dropParams;

  const post = async (target: HttpTarget, payload: JsonObject, req: ProviderRequest): Promise<HttpResponse> => {
    const res = await http.request(target, {
      method: 'POST',
      headers: req.stream ? streamHeaders : headers,
      body: JSON.stringify(payload),
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: req.stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) {
      const text = await res.body.text().catch(() => '');
      throw upstreamErrorOf(res.status, text, header(res.headers['retry-after']), apiKey);
    }
    return res;
  };
  const readJson = async (res: HttpResponse): Promise<JsonObject> => (await readJsonObject(res.body, 'cohere')).json;

  const chatV1 = async (req: ProviderRequest, model: string): Promise<ProviderResponse> => {
    const res = await post(targets.chatV1, toCohereV1Request(req.body, model, req.stream, drop), req);
    const created = Math.floor(Date.now() / 1000);
    if (req.stream) {
      const includeUsage = (req.body.stream_options as JsonObject | null | undefined)?.include_usage === true;
      return { kind: 'stream', status: 200, batches: v1ChunkBatches(res.body, { model, created, includeUsage }) };
    }
    return { kind: 'json', status: 200, body: fromCohereV1Response(await readJson(res), model, created) };
  };

  return {
    forward: createCohereForward(http, deployment, root, apiKey),
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      const body = req.body;
      const requested = String(body.model);
      const model = requested.replace(/^v2\//, '');
      switch (req.endpoint) {
        case 'chat': {
          if (requested.startsWith('v1/')) return chatV1(req, requested.slice(3));
          const payload = toCohereChatRequest(body, model, req.stream, drop);
          const res = await post(targets.chat, payload, req);
          const created = Math.floor(Date.now() / 1000);
          if (req.stream) {
            const includeUsage = (body.stream_options as JsonObject | null | undefined)?.include_usage === true;
            return { kind: 'stream', status: 200, batches: chatChunkBatches(res.body, { model, created, includeUsage }) };
          }
          return { kind: 'json', status: 200, body: toChatCompletion(await readJson(res), model, created) };
        }
        case 'embeddings': {
          const res = await post(targets.embed, toCohereEmbedRequest(body, model), req);
          return { kind: 'json', status: 200, body: toOpenAIEmbeddings(await readJson(res), body, model) };
        }
        case 'rerank': {
          const v1 = usesV1Rerank(apiBase, body);
          const res = await post(v1 ? targets.rerankV1 : targets.rerankV2, toRerankRequest(body, model, v1), req);
          return { kind: 'json', status: 200, body: withDocuments(await readJson(res), body) };
        }
        default:
          throw invalid('model', `cohere deployments serve chat, embeddings and rerank, not ${req.endpoint}`);
      }
    },
  };
}
