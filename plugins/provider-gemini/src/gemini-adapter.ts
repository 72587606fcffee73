/**
 * The adapter both Google APIs share: AI Studio and Vertex take the same GenerateContent bodies
 * and differ only in URLs, auth and the embeddings method, which the `GeminiUpstream` supplies.
 */
import {
  UpstreamError,
  header,
  type DeploymentConfig,
  type HttpClient,
  type HttpResponse,
  type HttpTarget,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
  readJsonObject,
} from '@sluice/plugin-sdk';
import { toGenerateContentRequest, type RequestDefaults } from './chat-request.js';
import { toChatCompletion } from './chat-response.js';
import { toChunkBatches } from './chat-stream.js';
import { batchEmbedRequest, fromBatchEmbed, fromPredict, predictRequest } from './embeddings.js';
import { badRequest, googleUpstreamError } from './google-errors.js';
import { fromImagenPredict, imagenRequest, imagenTarget } from './imagen.js';

export interface ModelTargets {
  generate: HttpTarget;
  stream: HttpTarget;
  embed: HttpTarget;
  /** How embed requests name the model (`models/<m>` on AI Studio). */
  resource: string;
}

/** Headers for calls made with one credential. */
export interface UpstreamAuth {
  headers: Record<string, string>;
  streamHeaders: Record<string, string>;
  /** Google answered 401 to these headers: forget the credential so the next call gets a new one. */
  rejected?(): void;
}

export interface GeminiUpstream {
  targetsFor(model: string): ModelTargets;
  auth(): UpstreamAuth | Promise<UpstreamAuth>;
  embeddings: 'batchEmbedContents' | 'predict';
  /** Values never to echo back in an error message. */
  secrets: readonly string[];
}

/** Wildcard deployments (`gemini/*`) see many model names; the URLs of each are built once, up to a bound. */
const MAX_CACHED_MODELS = 64;

export function createGeminiAdapter(http: HttpClient, deployment: DeploymentConfig, upstream: GeminiUpstream, defaults: RequestDefaults): ProviderAdapter {
  const targets = new Map<string, ModelTargets>([[deployment.model, upstream.targetsFor(deployment.model)]]);
  const targetsFor = (model: string): ModelTargets => {
    let t = targets.get(model);
    if (!t) {
      t = upstream.targetsFor(model);
      if (targets.size < MAX_CACHED_MODELS) targets.set(model, t);
    }
    return t;
  };

  const post = async (target: HttpTarget, payload: JsonObject, req: ProviderRequest, stream: boolean): Promise<HttpResponse> => {
    const auth = await upstream.auth();
    const res = await http.request(target, {
      method: 'POST',
      headers: stream ? auth.streamHeaders : auth.headers,
      body: JSON.stringify(payload),
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) {
      const text = await res.body.text().catch(() => '');
      if (res.status === 401) auth.rejected?.();
      throw googleUpstreamError(res.status, text, header(res.headers['retry-after']), upstream.secrets);
    }
    return res;
  };

  return {
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      const model = typeof req.body.model === 'string' && req.body.model ? req.body.model : deployment.model;
      const target = targetsFor(model);
      if (req.endpoint === 'embeddings') {
        const predict = upstream.embeddings === 'predict';
        const res = await post(target.embed, predict ? predictRequest(req.body) : batchEmbedRequest(req.body, target.resource), req, false);
        const body = await readJson(res);
        return { kind: 'json', status: 200, body: predict ? fromPredict(body, req.body, model) : fromBatchEmbed(body, req.body, model) };
      }
      if (req.endpoint === 'image_generation') {
        const res = await post(imagenTarget(target.generate), imagenRequest(req.body), req, false);
        return { kind: 'json', status: 200, body: fromImagenPredict(await readJson(res), Math.floor(Date.now() / 1000)) };
      }
      if (req.endpoint !== 'chat') throw badRequest(`Gemini does not serve the ${req.endpoint} endpoint`);
      const payload = toGenerateContentRequest(req.body, defaults);
      const created = Math.floor(Date.now() / 1000);
      if (!req.stream) return { kind: 'json', status: 200, body: toChatCompletion(await readJson(await post(target.generate, payload, req, false)), model, created) };
      const res = await post(target.stream, payload, req, true);
      const streamOptions = req.body.stream_options;
      const includeUsage = typeof streamOptions === 'object' && streamOptions !== null && !Array.isArray(streamOptions) && streamOptions.include_usage === true;
      return { kind: 'stream', status: 200, batches: toChunkBatches(res.body, { model, created, includeUsage, secrets: upstream.secrets }) };
    },
  };
}

async function readJson(res: HttpResponse): Promise<JsonObject> {
  return (await readJsonObject(res.body, 'Google')).json;
}
