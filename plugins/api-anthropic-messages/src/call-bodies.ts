/**
 * The body of one attempt, for the endpoint the chosen deployment serves:
 * - `messages` (Anthropic natively: anthropic/, Bedrock and Vertex Claude): the client's request
 *   with the admitted changes carried in, `stream` as asked, and the client's `anthropic-version`
 *   / `anthropic-beta` headers as the body fields `anthropic_version` / `anthropic_beta` (the
 *   names Bedrock and Vertex take them by; the anthropic/ provider sends them as headers again);
 * - `chat`: the admitted chat view, with `thinking` mapped for the deployment (kept for Claude
 *   models, else a `reasoning_effort` from its budget) and cache_control kept for Claude only.
 */
import type { JsonObject, JsonValue, RoutableDeployment } from '@sluice/plugin-sdk';
import type { ChatTranslation } from './to-chat-request.js';
import { isObject, type MessagesRequest } from './validate-request.js';

/** The client's Anthropic headers that travel with a native call. */
export interface AnthropicHeaders {
  version: string | undefined;
  beta: string[] | undefined;
}

export function readAnthropicHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): AnthropicHeaders {
  const version = headers['anthropic-version'];
  const beta = headers['anthropic-beta'];
  if (beta === undefined) return { version: Array.isArray(version) ? version[0] : version, beta: undefined };
  const betas = (Array.isArray(beta) ? beta : beta === undefined ? [] : [beta])
    .flatMap((b) => b.split(','))
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  return { version: Array.isArray(version) ? version[0] : version, beta: betas.length > 0 ? betas : undefined };
}

export function nativeBody(request: MessagesRequest, stream: boolean, headers: AnthropicHeaders): JsonObject {
  // Copied key by key rather than spread-and-delete: a deleted key turns the object into a slow
  // dictionary that every later read and the JSON.stringify upstream pay for.
  const body: JsonObject = {};
  for (const key in request) if (key !== 'stream') body[key] = request[key]!;
  if (stream) body.stream = true;
  if (headers.version) body.anthropic_version = headers.version;
  if (headers.beta) body.anthropic_beta = headers.beta;
  return body;
}

/** LiteLLM's test: a model whose name says anthropic or claude (or a Bedrock ARN) takes Anthropic's own fields. */
function isClaude(deployment: RoutableDeployment): boolean {
  const model = `${deployment.provider}/${deployment.model}`.toLowerCase();
  return model.includes('anthropic') || model.includes('claude') || (model.includes('arn:') && model.includes(':bedrock:'));
}

export function chatBody(admitted: JsonObject, request: MessagesRequest, view: ChatTranslation, deployment: RoutableDeployment): JsonObject {
  const claude = isClaude(deployment);
  const body: JsonObject = view.cacheControl && !claude ? withoutCacheControl(admitted) : { ...admitted };
  const thinking = request.thinking;
  if (isObject(thinking)) {
    if (claude) body.thinking = thinking;
    else {
      const effort = reasoningEffortOf(thinking, request.output_config);
      if (effort) body.reasoning_effort = isObject(thinking) && typeof thinking.summary === 'string' ? { effort, summary: thinking.summary } : effort;
    }
  }
  return body;
}

/**
 * LiteLLM's buckets of `budget_tokens` (DEFAULT_REASONING_EFFORT_*_THINKING_BUDGET): 4096+ high,
 * 2048+ medium, 1024+ low, less minimal; adaptive thinking is medium unless output_config.effort says.
 */
function reasoningEffortOf(thinking: JsonObject, outputConfig: JsonValue | undefined): string | undefined {
  if (thinking.type === 'enabled') {
    const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;
    return budget >= 4096 ? 'high' : budget >= 2048 ? 'medium' : budget >= 1024 ? 'low' : 'minimal';
  }
  if (thinking.type === 'adaptive') return isObject(outputConfig) && typeof outputConfig.effort === 'string' ? outputConfig.effort : 'medium';
  return undefined;
}

/** A copy without the `cache_control` marks the translation kept (OpenAI-style upstreams refuse them). */
function withoutCacheControl(body: JsonObject): JsonObject {
  const strip = (v: JsonValue): JsonValue => {
    if (!isObject(v) || v.cache_control === undefined) return v;
    const { cache_control: _dropped, ...rest } = v;
    return rest;
  };
  const out: JsonObject = { ...body };
  if (Array.isArray(body.messages)) {
    out.messages = body.messages.map((m) => {
      const message = strip(m);
      if (!isObject(message)) return message;
      const copy: JsonObject = { ...message };
      if (Array.isArray(message.content)) copy.content = message.content.map(strip);
      if (Array.isArray(message.tool_calls)) copy.tool_calls = message.tool_calls.map(strip);
      return copy;
    });
  }
  if (Array.isArray(body.tools)) out.tools = body.tools.map(strip);
  return out;
}
