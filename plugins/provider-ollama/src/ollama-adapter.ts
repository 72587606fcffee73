/**
 * One Ollama deployment: `ollama_chat/<model>` chats on /api/chat, `ollama/<model>` on
 * /api/generate (LiteLLM's split), /completions always on /api/generate, embeddings on /api/embed.
 * URLs, headers and the deployment's option defaults are built once here.
 */
import {
  UpstreamError,
  httpTarget,
  type DeploymentConfig,
  type HttpClient,
  type HttpResponse,
  type HttpTarget,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import { toChatRequest, toGenerateFromChat, toGenerateFromCompletion } from './build-request.js';
import { toEmbedRequest, toOpenAIEmbeddings } from './embeddings.js';
import { createImageLoader } from './images.js';
import { errorFromMessage, upstreamError } from './ollama-errors.js';
import { replyPart, type OllamaEmbedResponse, type OllamaReply } from './ollama-wire.js';
import { chatCompletion, responseIdentity, textCompletion } from './openai-response.js';
import { deploymentDefaults } from './request-options.js';
import { translateStream } from './stream-translator.js';

export interface OllamaAdapterOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  apiBase: string;
  apiKey: string | undefined;
  imageMaxBytes: number;
  /** The plugin-wide drop_params (litellm_settings); the deployment's own overrides it. */
  dropParams: boolean;
}

export function createOllamaAdapter({ http, deployment, apiBase, apiKey, imageMaxBytes, dropParams }: OllamaAdapterOptions): ProviderAdapter {
  const base = apiBase.replace(/\/+$/, '');
  const targets = { chat: httpTarget(`${base}/api/chat`), generate: httpTarget(`${base}/api/generate`), embed: httpTarget(`${base}/api/embed`) };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  // A bare Ollama needs no key; ollama.com and authenticating proxies in front of one take a Bearer token.
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const streamHeaders = { ...headers, accept: 'application/x-ndjson' };
  const defaults = deploymentDefaults(deployment, dropParams);
  const loadImage = createImageLoader(http, imageMaxBytes, deployment.timeoutMs);
  const chatApi = deployment.provider === 'ollama_chat';

  const post = async (target: HttpTarget, payload: object, req: ProviderRequest): Promise<HttpResponse> => {
    const res = await http.request(target, {
      method: 'POST',
      headers: req.stream ? streamHeaders : headers,
      body: JSON.stringify(payload),
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: req.stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) throw await upstreamError(res);
    return res;
  };

  return {
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      const body = req.body;
      if (req.endpoint === 'embeddings') {
        const res = await post(targets.embed, toEmbedRequest(body, defaults), req);
        return { kind: 'json', status: 200, body: toOpenAIEmbeddings((await readJson(res)) as OllamaEmbedResponse, body) };
      }
      const stream = req.stream;
      const res =
        req.endpoint === 'completions'
          ? await post(targets.generate, toGenerateFromCompletion(body, stream, defaults), req)
          : chatApi
            ? await post(targets.chat, await toChatRequest(body, stream, defaults, loadImage, req.signal), req)
            : await post(targets.generate, await toGenerateFromChat(body, stream, defaults, loadImage, req.signal), req);
      const kind = req.endpoint === 'chat' ? 'chat' : 'text';
      const model = String(body.model);
      if (stream) {
        const includeUsage = (body.stream_options as JsonObject | undefined)?.include_usage === true;
        return { kind: 'stream', status: 200, batches: translateStream(res.body, { kind, model, includeUsage }) };
      }
      const reply = (await readJson(res)) as OllamaReply;
      if (typeof reply.error === 'string') throw errorFromMessage(500, reply.error);
      const ident = responseIdentity(kind, model, reply.created_at);
      return { kind: 'json', status: 200, body: kind === 'chat' ? chatCompletion(replyPart(reply), ident) : textCompletion(replyPart(reply), ident) };
    },
  };
}

async function readJson(res: HttpResponse): Promise<JsonObject> {
  const raw = await res.body.text();
  try {
    const value: unknown = JSON.parse(raw);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as JsonObject;
  } catch {
    // reported below
  }
  throw new UpstreamError(`Ollama sent a body that is not a JSON object: ${raw.slice(0, 200)}`, { status: 502 });
}
