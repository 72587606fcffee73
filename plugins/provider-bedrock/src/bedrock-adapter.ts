/**
 * One Bedrock deployment: chat through Converse / ConverseStream, embeddings through InvokeModel.
 * URLs, headers and the signer are built once; per request only the body is translated and signed.
 */
import { randomUUID } from 'node:crypto';
import {
  httpTarget,
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
import { embed, embeddingFamily, type InvokeResult } from './bedrock-embeddings.js';
import { generateImages } from './bedrock-images.js';
import { firstHeader, fromErrorResponse, unsupported } from './bedrock-errors.js';
import { toConverseRequest } from './converse-request.js';
import { toChatCompletion, type CompletionMeta } from './converse-response.js';
import { converseStreamBatches } from './converse-stream.js';
import type { BedrockSettings } from './deployment-settings.js';
import { createBedrockForward } from './forward-request.js';
import { bedrockMessages, invokeTargets } from './bedrock-messages.js';

interface ModelRoutes {
  modelId: string;
  converse: HttpTarget;
  converseStream: HttpTarget;
  invoke: HttpTarget;
  invokeStream: HttpTarget;
}

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'application/json' });
const STREAM_HEADERS = Object.freeze({ 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream' });
/** Wildcard deployments (`bedrock/*`) meet many model ids; their routes are cached up to this many. */
const MAX_CACHED_ROUTES = 64;

export function createBedrockAdapter(http: HttpClient, deployment: DeploymentConfig, settings: BedrockSettings): ProviderAdapter {
  const routes = new Map<string, ModelRoutes>();
  const routesFor = (model: string): ModelRoutes => {
    let r = routes.get(model);
    if (!r) {
      r = buildRoutes(settings.endpoint, model);
      if (routes.size < MAX_CACHED_ROUTES) routes.set(model, r);
    }
    return r;
  };
  if (!deployment.model.includes('*')) {
    // A fixed model is checked and routed at config load, not on its first request.
    routesFor(deployment.model);
    if (deployment.model.startsWith('invoke/') && !embeddingFamily(deployment.model.slice('invoke/'.length))) {
      throw new Error('bedrock: chat goes through the Converse API; the invoke/ route is supported for embedding models only');
    }
  }

  const send = async (target: HttpTarget, payload: string, req: ProviderRequest, stream: boolean): Promise<HttpResponse> => {
    const headers = await settings.signer.headersFor(target.path, payload, stream ? STREAM_HEADERS : JSON_HEADERS);
    const res = await http.request(target, {
      method: 'POST',
      headers,
      body: payload,
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) throw fromErrorResponse(res.status, res.headers, await res.body.text().catch(() => ''));
    return res;
  };

  const chat = async (req: ProviderRequest): Promise<ProviderResponse> => {
    const model = String(req.body.model);
    if (model.startsWith('invoke/')) throw unsupported('chat goes through the Converse API; the invoke/ route is supported for embedding models only', 'model');
    const r = routesFor(model);
    const payload = JSON.stringify(toConverseRequest(req.body, settings.dropParams));
    const res = await send(req.stream ? r.converseStream : r.converse, payload, req, req.stream);
    const meta: CompletionMeta = { id: `chatcmpl-${firstHeader(res.headers['x-amzn-requestid']) ?? randomUUID()}`, created: Math.floor(Date.now() / 1000), model };
    if (req.stream) {
      const includeUsage = (req.body.stream_options as JsonObject | undefined)?.include_usage === true;
      return { kind: 'stream', status: 200, batches: converseStreamBatches(res.body, meta, includeUsage) };
    }
    return { kind: 'json', status: 200, body: toChatCompletion(await readJson(res), meta) };
  };

  const embeddings = async (req: ProviderRequest): Promise<ProviderResponse> => {
    const model = String(req.body.model);
    const r = routesFor(model);
    const family = embeddingFamily(r.modelId);
    if (!family) throw unsupported(`${r.modelId} is not an embedding model this gateway knows (amazon.titan-embed-text-v1/v2, cohere.embed-*)`, 'model');
    const invoke = async (body: JsonObject): Promise<InvokeResult> => {
      const res = await send(r.invoke, JSON.stringify(body), req, false);
      const count = Number(firstHeader(res.headers['x-amzn-bedrock-input-token-count']));
      return { body: await readJson(res), inputTokens: Number.isFinite(count) ? count : undefined };
    };
    return { kind: 'json', status: 200, body: await embed(req.body, family, model, invoke) };
  };

  return {
    forward: createBedrockForward(http, deployment, settings),
    call(req) {
      if (req.endpoint === 'chat') return chat(req);
      if (req.endpoint === 'embeddings') return embeddings(req);
      if (req.endpoint === 'image_generation') {
        const r = routesFor(String(req.body.model));
        const invoke = async (payload: JsonObject) => readJson(await send(r.invoke, JSON.stringify(payload), req, false));
        return generateImages(req.body, r.modelId, invoke).then((body): ProviderResponse => ({ kind: 'json', status: 200, body }));
      }
      if (req.endpoint === 'messages') {
        const r = routesFor(String(req.body.model));
        return bedrockMessages(req, r.modelId, r, send);
      }
      return Promise.reject(unsupported('legacy completions are not offered by Bedrock; use /chat/completions'));
    },
  };
}

/** `converse/` is LiteLLM's explicit Converse route; the path segment is the URL-encoded model id or ARN. */
function buildRoutes(endpoint: string, model: string): ModelRoutes {
  const modelId = model.replace(/^(converse|invoke)\//, '');
  const base = `${endpoint}/model/${encodeURIComponent(modelId)}`;
  return { modelId, converse: httpTarget(`${base}/converse`), converseStream: httpTarget(`${base}/converse-stream`), ...invokeTargets(endpoint, modelId) };
}

async function readJson(res: HttpResponse): Promise<JsonObject> {
  return (await readJsonObject(res.body, 'Bedrock')).json;
}
