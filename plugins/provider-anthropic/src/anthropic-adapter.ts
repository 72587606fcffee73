/**
 * One anthropic/ deployment: POST {api_base}/v1/messages with `x-api-key` and
 * `anthropic-version: 2023-06-01`, the request and the answer translated to and from OpenAI's format.
 * The URL, headers and options are built once here; a call only translates and sends.
 */
import {
  header,
  httpTarget,
  UpstreamError,
  type DeploymentConfig,
  type HttpClient,
  type JsonObject,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
} from '@sluice/plugin-sdk';
import { ANTHROPIC_VERSION, DEFAULT_API_BASE, type MessagesResponse } from './anthropic-wire.js';
import { toChatCompletion } from './from-anthropic-message.js';
import { invalid } from './request-errors.js';
import { chatChunkBatches } from './stream-translator.js';
import { toAnthropicRequest, type RequestOptions } from './to-anthropic-request.js';
import { upstreamErrorOf } from './upstream-errors.js';
import { createAnthropicForward } from './forward-request.js';
import { nativeMessagesCall } from './native-messages.js';

export interface AnthropicAdapterOptions {
  http: HttpClient;
  deployment: DeploymentConfig;
  /** deployment.apiKey, else ANTHROPIC_API_KEY as read at setup. */
  apiKey: string | undefined;
  defaultMaxTokens: number;
  dropParams: boolean;
}

/**
 * LiteLLM's api_base for anthropic is the host (`https://api.anthropic.com`); a base that already
 * ends in `/v1` or `/v1/messages` is taken as meant rather than doubled.
 */
export function messagesUrl(apiBase: string): string {
  const base = apiBase.replace(/\/+$/, '');
  if (base.endsWith('/v1/messages')) return base;
  if (base.endsWith('/v1')) return `${base}/messages`;
  return `${base}/v1/messages`;
}

export function createAnthropicAdapter({ http, deployment, apiKey, defaultMaxTokens, dropParams }: AnthropicAdapterOptions): ProviderAdapter {
  const url = messagesUrl(deployment.apiBase ?? DEFAULT_API_BASE);
  const target = httpTarget(url);
  // /v1/messages and count_tokens in Anthropic's own format (the Messages route's native calls).
  const native = nativeMessagesCall({ http, deployment, apiKey, messagesUrl: url });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
  if (apiKey) headers['x-api-key'] = apiKey;
  // extra_headers (e.g. anthropic-beta) are the operator's to set, and may override the version.
  const extra = deployment.params.extra_headers ?? deployment.params.headers;
  if (extra && typeof extra === 'object') for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const streamHeaders = { ...headers, accept: 'text/event-stream' };
  const requestOptions: RequestOptions = {
    defaultMaxTokens,
    dropParams: typeof deployment.params.drop_params === 'boolean' ? deployment.params.drop_params : dropParams,
  };

  return {
    forward: createAnthropicForward(http, deployment, apiKey),
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      // Awaited: an async function returning a promise takes two more ticks to settle with it.
      if (req.endpoint === 'messages' || req.endpoint === 'count_tokens') return await native(req);
      if (req.endpoint !== 'chat') throw invalid('model', `anthropic deployments serve chat completions only, not ${req.endpoint}`);
      const body = toAnthropicRequest(req.body, req.stream, requestOptions);
      const res = await http.request(target, {
        method: 'POST',
        headers: req.headers ? { ...req.headers, ...(req.stream ? streamHeaders : headers) } : req.stream ? streamHeaders : headers,
        body: JSON.stringify(body),
        signal: req.signal,
        headersTimeoutMs: deployment.timeoutMs,
        bodyTimeoutMs: req.stream ? deployment.streamTimeoutMs : deployment.timeoutMs,
      });
      if (res.status >= 400) {
        const text = await res.body.text().catch(() => '');
        throw upstreamErrorOf({ status: res.status, text, retryAfter: header(res.headers['retry-after']), secret: apiKey });
      }
      // `model` is what was asked for, as OpenAI echoes it; Anthropic's answer names the same model.
      const model = body.model;
      const created = Math.floor(Date.now() / 1000);
      if (req.stream) {
        const includeUsage = (req.body.stream_options as JsonObject | null | undefined)?.include_usage === true;
        return { kind: 'stream', status: 200, batches: chatChunkBatches(res.body, { model, created, includeUsage, secret: apiKey }) };
      }
      return { kind: 'json', status: 200, body: toChatCompletion(await readMessage(res.body), model, created) };
    },
  };
}

async function readMessage(body: { text(): Promise<string> }): Promise<MessagesResponse> {
  const raw = await body.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UpstreamError(`anthropic sent a non-JSON body: ${raw.slice(0, 200)}`, { status: 502 });
  }
  const message = parsed as Partial<MessagesResponse> | null;
  if (!message || typeof message !== 'object' || message.type !== 'message' || !Array.isArray(message.content)) {
    throw new UpstreamError('anthropic sent a body that is not a message', { status: 502 });
  }
  return message as MessagesResponse;
}
