/**
 * One Mistral deployment: chat on `{api_base}/chat/completions` (request and answer as
 * chat-request.ts / chat-response.ts shape them), embeddings on `{api_base}/embeddings` as they
 * are. LiteLLM's api_base always ends in `/v1`; one without it gets it appended.
 */
import {
  header,
  httpTarget,
  readJsonAnswer,
  readJsonObject,
  readSse,
  type DeploymentConfig,
  type HttpClient,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
  type StreamEvent,
} from '@sluice/plugin-sdk';
import { toMistralChatRequest, type ChatDefaults } from './chat-request.js';
import { normalizeCompletion, normalizeStreamEvent } from './chat-response.js';
import { invalid, upstreamErrorOf } from './mistral-errors.js';
import { createMistralForward } from './forward-request.js';

export interface MistralAdapterOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  apiBase: string;
  apiKey: string | undefined;
  dropParams: boolean;
}

/** Deployment parameters LiteLLM sends to Mistral as they are (`litellm_params.safe_prompt: true`). */
const DEPLOYMENT_PARAMS = ['safe_prompt', 'random_seed', 'prompt_mode'];

export function mistralBase(apiBase: string): string {
  const base = apiBase.replace(/\/+$/, '');
  return base.endsWith('/v1') ? base : `${base}/v1`;
}

export function createMistralAdapter({ http, deployment, apiBase, apiKey, dropParams }: MistralAdapterOptions): ProviderAdapter {
  const base = mistralBase(apiBase);
  const targets = { chat: httpTarget(`${base}/chat/completions`), embeddings: httpTarget(`${base}/embeddings`) };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const params: JsonObject = {};
  for (const key of DEPLOYMENT_PARAMS) if (deployment.params[key] !== undefined) params[key] = deployment.params[key] as JsonObject[string];
  const defaults: ChatDefaults = { dropParams: typeof deployment.params.drop_params === 'boolean' ? deployment.params.drop_params : dropParams, params };

  return {
    forward: createMistralForward(http, deployment, base, apiKey),
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      let payload: JsonObject;
      if (req.endpoint === 'chat') payload = toMistralChatRequest(req.body, String(req.body.model), req.stream, defaults);
      else if (req.endpoint === 'embeddings') payload = toEmbeddingRequest(req.body);
      else throw invalid('model', `mistral deployments serve chat completions and embeddings, not ${req.endpoint}`);
      const res = await http.request(req.endpoint === 'chat' ? targets.chat : targets.embeddings, {
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
      if (req.stream) return { kind: 'stream', status: 200, batches: chunkBatches(res.body) };
      if (req.endpoint === 'embeddings') {
        if (req.body.encoding_format !== 'base64') return readJsonAnswer(res.body, 'mistral', 200);
        return { kind: 'json', status: 200, body: toBase64Embeddings((await readJsonObject(res.body, 'mistral')).json) };
      }
      return { kind: 'json', status: 200, body: normalizeCompletion((await readJsonObject(res.body, 'mistral')).json) };
    },
  };
}

/**
 * `{model, input}` as they are, `dimensions` → Mistral's `output_dimension`; floats are always asked
 * for (the official SDK reads only floats) and encoded here when the client wants base64 (the
 * openai SDK's default), as OpenAI sends them: float32 little-endian.
 */
function toEmbeddingRequest(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (value == null || key === 'user' || key === 'encoding_format') continue;
    out[key === 'dimensions' ? 'output_dimension' : key] = value;
  }
  return out;
}

function toBase64Embeddings(res: JsonObject): JsonObject {
  if (!Array.isArray(res.data)) return res;
  for (const d of res.data) {
    const item = d as JsonObject;
    if (Array.isArray(item.embedding)) item.embedding = Buffer.from(new Float32Array(item.embedding as number[]).buffer).toString('base64');
  }
  return res;
}

async function* chunkBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent[]> {
  for await (const messages of readSse(body)) {
    const batch: StreamEvent[] = [];
    for (const m of messages) {
      const event = normalizeStreamEvent(m);
      if (event) batch.push(event);
    }
    if (batch.length > 0) yield batch;
  }
}
