/**
 * Claude on Vertex AI (`vertex_ai/claude-…`), in Anthropic's own format: the Messages route's
 * native calls go to the model's `:rawPredict` (`:streamRawPredict` for a stream) under
 * `publishers/anthropic`, token counts to `publishers/anthropic/models/count-tokens:rawPredict`.
 * The body is the Anthropic request with `anthropic_version: vertex-2023-10-16` (Vertex takes the
 * version in the body, the model in the URL), the client's betas travel as the `anthropic-beta`
 * header, and Claude's answer comes back as it came: a message as its own JSON text, a stream as
 * its own SSE bytes — what the Anthropic provider returns, so the Messages route treats all alike.
 */
import {
  header,
  httpTarget,
  type DeploymentConfig,
  type HttpClient,
  type HttpResponse,
  type HttpTarget,
  type JsonObject,
  type JsonValue,
  type ProviderAdapter,
  type ProviderRequest,
  type ProviderResponse,
  readJsonObject,
} from '@sluice/plugin-sdk';
import type { ServiceAccountKey, ServiceAccountTokenSource } from '@sluice/plugin-sdk/node';
import { vertexClaudeError } from './claude-errors.js';
import { extraHeaders } from './extra-headers.js';
import { badRequest } from './google-errors.js';
import { vertexSite } from './vertex.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** A model name that is one path segment (`claude-sonnet-4@20250514`): nothing a client could use to reach another path. */
const MODEL_NAME = /^[\w.@-]{1,200}$/;

const MAX_CACHED_TARGETS = 64;

/** LiteLLM's test for Claude on Vertex (VertexAIAnthropicConfig.is_supported_model): the model name says claude. */
export function isVertexClaude(model: string): boolean {
  return model.toLowerCase().includes('claude');
}

export function createVertexClaudeAdapter(http: HttpClient, deployment: DeploymentConfig, account: ServiceAccountKey, tokens: ServiceAccountTokenSource): ProviderAdapter {
  const { project, location, root } = vertexSite(deployment, account);
  const models = `${root}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/anthropic/models`;
  const countTokens = httpTarget(`${models}/count-tokens:rawPredict`);
  const extra = extraHeaders(deployment);
  const configuredBetas = betaList(extra['anthropic-beta']);

  // A deployment may be asked for more than its own model (wildcards): URLs are built once per model, up to a bound.
  const targets = new Map<string, HttpTarget>();
  const targetFor = (model: string, stream: boolean): HttpTarget => {
    const key = `${stream ? 's' : 'j'}${model}`;
    let target = targets.get(key);
    if (!target) {
      target = httpTarget(`${models}/${model}:${stream ? 'streamRawPredict' : 'rawPredict'}`);
      if (targets.size < MAX_CACHED_TARGETS) targets.set(key, target);
    }
    return target;
  };

  const send = async (target: HttpTarget, payload: JsonObject, req: ProviderRequest, stream: boolean): Promise<HttpResponse> => {
    const token = await tokens.get();
    const headers: Record<string, string> = { ...extra, 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', authorization: `Bearer ${token}` };
    const betas = [...new Set([...betaList(req.body.anthropic_beta), ...configuredBetas])];
    if (betas.length > 0) headers['anthropic-beta'] = betas.join(',');
    else delete headers['anthropic-beta'];
    const timeoutMs = req.timeoutMs ?? deployment.timeoutMs;
    const res = await http.request(target, {
      method: 'POST',
      headers,
      body: JSON.stringify(payload),
      signal: req.signal,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: stream ? deployment.streamTimeoutMs : timeoutMs,
    });
    if (res.status >= 400) {
      const text = await res.body.text().catch(() => '');
      // Google refused the token: the next call exchanges a new one.
      if (res.status === 401) tokens.invalidate(token);
      throw vertexClaudeError(res.status, text, header(res.headers['retry-after']));
    }
    return res;
  };

  return {
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      if (req.endpoint === 'count_tokens') {
        const res = await send(countTokens, vertexBody(req.body, { keepModel: true, stream: false }), req, false);
        const { json, raw } = await readJsonObject(res.body, 'Vertex AI (Claude)');
        return { kind: 'json', status: 200, body: json, raw };
      }
      if (req.endpoint !== 'messages') throw badRequest(`Claude on Vertex AI serves /v1/messages and /v1/messages/count_tokens, not the ${req.endpoint} endpoint`);
      const model = typeof req.body.model === 'string' && req.body.model ? req.body.model : deployment.model;
      if (!MODEL_NAME.test(model)) throw badRequest(`${model.slice(0, 200)} is not a Vertex AI model name`);
      const stream = req.stream;
      const res = await send(targetFor(model, stream), vertexBody(req.body, { keepModel: false, stream }), req, stream);
      if (stream) return { kind: 'sse', status: 200, body: res.body };
      const { json, raw } = await readJsonObject(res.body, 'Vertex AI (Claude)');
      return { kind: 'json', status: 200, body: json, raw };
    },
  };
}

/**
 * The Anthropic request as Vertex takes it: Vertex's `anthropic_version`, no `anthropic_beta`
 * (a header), `model` only where Vertex wants it (count-tokens), and no `scope` in cache_control
 * marks, which Vertex refuses (LiteLLM strips it too). The request is not changed in place:
 * retries and fallbacks reuse it.
 */
export function vertexBody(body: JsonObject, opts: { keepModel: boolean; stream: boolean }): JsonObject {
  const out: JsonObject = { anthropic_version: VERTEX_ANTHROPIC_VERSION };
  for (const key in body) {
    if (key === 'anthropic_version' || key === 'anthropic_beta' || key === 'stream' || (key === 'model' && !opts.keepModel)) continue;
    out[key] = body[key]!;
  }
  if (opts.stream) out.stream = true;
  if (Array.isArray(out.system)) out.system = withoutCacheScope(out.system);
  if (Array.isArray(out.messages)) {
    let changed = false;
    const messages = out.messages.map((message) => {
      if (!isObject(message) || !Array.isArray(message.content)) return message;
      const content = withoutCacheScope(message.content);
      if (content === message.content) return message;
      changed = true;
      return { ...message, content };
    });
    if (changed) out.messages = messages;
  }
  return out;
}

/** The blocks with `cache_control.scope` removed; the same array when none has one. */
function withoutCacheScope(blocks: JsonValue[]): JsonValue[] {
  if (!blocks.some((b) => isObject(b) && isObject(b.cache_control) && b.cache_control.scope !== undefined)) return blocks;
  return blocks.map((block) => {
    if (!isObject(block) || !isObject(block.cache_control) || block.cache_control.scope === undefined) return block;
    const { scope: _dropped, ...cacheControl } = block.cache_control;
    return { ...block, cache_control: cacheControl };
  });
}

function betaList(value: JsonValue | undefined): string[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value.filter((b): b is string => typeof b === 'string') : [];
  return items.map((b) => b.trim()).filter((b) => b.length > 0);
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
