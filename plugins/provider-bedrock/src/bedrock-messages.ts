/**
 * Claude on Bedrock in Anthropic's own format (the Messages route's native calls): InvokeModel
 * for a message, InvokeModelWithResponseStream for a stream. The body is the Anthropic request
 * without `model` and `stream` (they are in the URL), with `anthropic_version:
 * bedrock-2023-05-31` and only the top-level fields Bedrock takes (LiteLLM's allowlist). A
 * stream's AWS event-stream frames each carry one Anthropic event, base64 in `bytes`: they are
 * turned back into Anthropic's SSE (`event: <type>` / `data: <json>`), so the route relays them as
 * it relays Anthropic's own. Other Bedrock models have no Messages API and are refused.
 */
import { httpTarget, type HttpResponse, type HttpTarget, type JsonObject, type ProviderRequest, type ProviderResponse } from '@sluice/plugin-sdk';
import { bedrockError, exceptionEventName, unsupported } from './bedrock-errors.js';
import { payloadText, readEventStream, stringHeader, type EventStreamMessage } from './event-stream-frames.js';

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** What Bedrock's InvokeModel takes for Claude; anything else would be refused as an extra input. */
const ALLOWED_FIELDS = new Set([
  'anthropic_version', 'anthropic_beta', 'max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'thinking', 'metadata', 'output_config',
]);

/** LiteLLM's test for a Claude model on Bedrock: its id names anthropic or claude, or it is an ARN (an inference profile). */
export function isBedrockClaude(modelId: string): boolean {
  const id = modelId.toLowerCase();
  return id.includes('anthropic') || id.includes('claude') || id.startsWith('arn:');
}

export interface InvokeTargets {
  invoke: HttpTarget;
  invokeStream: HttpTarget;
}

export function invokeTargets(endpoint: string, modelId: string): InvokeTargets {
  const base = `${endpoint}/model/${encodeURIComponent(modelId)}`;
  return { invoke: httpTarget(`${base}/invoke`), invokeStream: httpTarget(`${base}/invoke-with-response-stream`) };
}

export function invokeBody(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (ALLOWED_FIELDS.has(k)) out[k] = v;
  out.anthropic_version = BEDROCK_ANTHROPIC_VERSION;
  return out;
}

export type Send = (target: HttpTarget, payload: string, req: ProviderRequest, stream: boolean) => Promise<HttpResponse>;

export async function bedrockMessages(req: ProviderRequest, modelId: string, targets: InvokeTargets, send: Send): Promise<ProviderResponse> {
  if (!isBedrockClaude(modelId)) {
    throw unsupported(`${modelId} has no Anthropic Messages API on Bedrock: /v1/messages is served natively for Claude models only`, 'model');
  }
  const payload = JSON.stringify(invokeBody(req.body));
  if (!req.stream) {
    const res = await send(targets.invoke, payload, req, false);
    const raw = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw bedrockError(undefined, 502, `Bedrock answered with a body that is not JSON: ${raw.slice(0, 200)}`);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw bedrockError(undefined, 502, 'Bedrock answered with a body that is not a JSON object');
    return { kind: 'json', status: 200, body: body as JsonObject, raw };
  }
  const res = await send(targets.invokeStream, payload, req, true);
  return { kind: 'sse', status: 200, body: anthropicSse(res.body) };
}

const encoder = new TextEncoder();

/** Event-stream frames → Anthropic SSE bytes, one write per network read; an exception frame ends it with an error. */
async function* anthropicSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const messages of readEventStream(body)) {
    let out = '';
    let failure: Error | undefined;
    for (const message of messages) {
      failure = failureOf(message);
      if (failure) break;
      if (stringHeader(message, ':message-type') !== 'event' || stringHeader(message, ':event-type') !== 'chunk') continue;
      const chunk = JSON.parse(payloadText(message)) as { bytes?: unknown };
      if (typeof chunk.bytes !== 'string') continue;
      const json = Buffer.from(chunk.bytes, 'base64').toString('utf8');
      const type = (JSON.parse(json) as { type?: unknown }).type;
      out += `event: ${typeof type === 'string' ? type : 'message'}\ndata: ${json}\n\n`;
    }
    if (out) yield encoder.encode(out);
    if (failure) throw failure;
  }
}

function failureOf(message: EventStreamMessage): Error | undefined {
  const kind = stringHeader(message, ':message-type');
  if (kind === 'exception') {
    let text = payloadText(message);
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') text = parsed.message;
    } catch {
      // the raw payload is the message
    }
    return bedrockError(exceptionEventName(stringHeader(message, ':exception-type') ?? 'InternalServerException'), 500, text);
  }
  if (kind === 'error') return bedrockError(stringHeader(message, ':error-code'), 500, stringHeader(message, ':error-message') ?? '');
  return undefined;
}
