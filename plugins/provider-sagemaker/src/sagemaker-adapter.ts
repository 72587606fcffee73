/**
 * One SageMaker deployment. `sagemaker/<endpoint>`: chat through the text-generation body
 * (TGI-style prompt and parameters) and embeddings; `sagemaker_chat/<endpoint>` and
 * `sagemaker_nova/<endpoint>`: chat through the Messages API. Plain calls go to InvokeEndpoint (`/endpoints/<name>/invocations`), streamed ones
 * to InvokeEndpointWithResponseStream (`/invocations-response-stream`, event-stream framed).
 * URLs and headers are built once; per request only the body is translated and signed.
 */
import { randomUUID } from 'node:crypto';
import {
  httpTarget,
  readJsonObject,
  type DeploymentConfig,
  type HttpClient,
  type HttpResponse,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import type { SagemakerSettings } from './deployment-settings.js';
import { toEmbeddingRequest, toEmbeddingResponse } from './embeddings.js';
import { messagesStreamBatches, toMessagesRequest } from './messages-api.js';
import { firstHeader, fromErrorResponse, unsupported } from './sagemaker-errors.js';
import { toTgiRequest } from './tgi-request.js';
import { tgiStreamBatches, toChatCompletion, type CompletionMeta } from './tgi-response.js';

export type SagemakerApi = 'text-generation' | 'messages' | 'nova';

interface EndpointUrls {
  invoke: URL;
  stream: URL;
}

/** Wildcard deployments (`sagemaker/*`) meet many endpoint names; their URLs are cached up to this many. */
const MAX_CACHED = 64;

export function createSagemakerAdapter(http: HttpClient, deployment: DeploymentConfig, settings: SagemakerSettings, api: SagemakerApi): ProviderAdapter {
  const base: Record<string, string> = { 'content-type': 'application/json' };
  if (settings.inferenceComponent) base['x-amzn-sagemaker-inference-component'] = settings.inferenceComponent;
  const streamHeaders = { ...base, 'x-amzn-sagemaker-accept': 'application/json' };
  // LiteLLM invokes embedding endpoints through boto3 with CustomAttributes accept_eula=true.
  const embedHeaders = { ...base, 'x-amzn-sagemaker-custom-attributes': 'accept_eula=true' };

  const urls = new Map<string, EndpointUrls>();
  const urlsFor = (endpoint: string): EndpointUrls => {
    let u = urls.get(endpoint);
    if (!u) {
      if (settings.fixedUrl) u = { invoke: settings.fixedUrl, stream: settings.fixedUrl };
      else {
        const path = `${settings.runtime}/endpoints/${encodeURIComponent(endpoint)}`;
        u = { invoke: new URL(`${path}/invocations`), stream: new URL(`${path}/invocations-response-stream`) };
      }
      if (urls.size < MAX_CACHED) urls.set(endpoint, u);
    }
    return u;
  };
  if (!deployment.model.includes('*')) urlsFor(deployment.model);

  const send = async (url: URL, payload: string, headers: Record<string, string>, req: ProviderRequest, stream: boolean): Promise<HttpResponse> => {
    const signed = await settings.signer.headersFor(url, payload, headers);
    const res = await http.request(httpTarget(url.href), {
      method: 'POST',
      headers: signed,
      body: payload,
      signal: req.signal,
      headersTimeoutMs: deployment.timeoutMs,
      bodyTimeoutMs: stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
    });
    if (res.status >= 400) throw fromErrorResponse(res.status, res.headers, await res.body.text().catch(() => ''));
    return res;
  };

  const metaOf = (res: HttpResponse, model: string): CompletionMeta => ({
    id: `chatcmpl-${firstHeader(res.headers['x-amzn-requestid']) ?? randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model,
  });

  const chat = async (req: ProviderRequest): Promise<ProviderResponse> => {
    const body = settings.defaults ? { ...settings.defaults, ...req.body } : req.body;
    const endpoint = String(body.model);
    const u = urlsFor(endpoint);
    const includeUsage = (body.stream_options as JsonObject | undefined)?.include_usage === true;
    if (api !== 'text-generation') {
      const payload = JSON.stringify(toMessagesRequest(body, endpoint, req.stream, api === 'messages'));
      const res = await send(req.stream ? u.stream : u.invoke, payload, req.stream ? streamHeaders : base, req, req.stream);
      if (req.stream) return { kind: 'stream', status: 200, batches: messagesStreamBatches(res.body) };
      return { kind: 'json', status: 200, body: await readJson(res) };
    }
    const tgi = toTgiRequest(body, endpoint, settings, req.stream);
    const res = await send(req.stream ? u.stream : u.invoke, JSON.stringify(tgi.body), req.stream ? streamHeaders : base, req, req.stream);
    const meta = metaOf(res, endpoint);
    if (req.stream) return { kind: 'stream', status: 200, batches: tgiStreamBatches(res.body, tgi.prompt, meta, includeUsage) };
    return { kind: 'json', status: 200, body: toChatCompletion(await readAny(res), tgi.prompt, meta) };
  };

  const embeddings = async (req: ProviderRequest): Promise<ProviderResponse> => {
    const endpoint = String(req.body.model);
    const embed = toEmbeddingRequest(req.body, endpoint, settings.dropParams);
    const res = await send(urlsFor(endpoint).invoke, JSON.stringify(embed.body), embedHeaders, req, false);
    return { kind: 'json', status: 200, body: toEmbeddingResponse(await readAny(res), embed, endpoint) };
  };

  return {
    call(req) {
      if (req.endpoint === 'chat') return chat(req);
      if (req.endpoint === 'embeddings' && api === 'text-generation') return embeddings(req);
      return Promise.reject(unsupported(api === 'text-generation' ? 'sagemaker deployments serve /chat/completions and /embeddings' : `sagemaker_${api === 'nova' ? 'nova' : 'chat'} deployments serve /chat/completions`));
    },
  };
}

async function readJson(res: HttpResponse): Promise<JsonObject> {
  return (await readJsonObject(res.body, 'SageMaker')).json;
}

/** Endpoints answer JSON arrays as often as objects. */
async function readAny(res: HttpResponse): Promise<unknown> {
  const text = await res.body.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
