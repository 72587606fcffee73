/**
 * What a client asked of the images API, checked: the model group, the prompt (the text
 * guardrails read), the other OpenAI parameters as they go upstream, and the uploaded images.
 * Names follow LiteLLM's proxy: its route label in messages (`/image/generations`, sic), the
 * model from the Azure path first, then `general_settings.image_generation_model`, then the body.
 */
import type { Endpoint, JsonObject, JsonValue, ProviderFile } from '@sluice/plugin-sdk';
import { ImageErrors } from './errors.js';

export type ImageEndpoint = Extract<Endpoint, 'image_generation' | 'image_edit' | 'image_variation'>;

/** LiteLLM's ROUTE_ENDPOINT_MAPPING names, used in its error messages. */
export const ROUTE_LABEL: Readonly<Record<ImageEndpoint, string>> = {
  image_generation: '/image/generations',
  image_edit: '/images/edits',
  image_variation: '/images/variations',
};

export interface ImageRequest {
  endpoint: ImageEndpoint;
  model: string;
  /** Absent on variations (and on an edit without one, which the upstream judges, as LiteLLM lets it). */
  prompt: string | undefined;
  /** The request's other fields (n, size, quality, response_format…), as the client sent them. */
  params: JsonObject;
  files: ProviderFile[];
}

/** Fields the gateway reads or the client must not steer upstream with (credentials, routing). */
const NOT_FORWARDED = new Set([
  'model',
  'prompt',
  'messages',
  'metadata',
  'litellm_metadata',
  'user_config',
  'api_key',
  'api_base',
  'api_version',
  'base_url',
  'organization',
  'tags',
  'mock_response',
  'fallbacks',
  'num_retries',
  'timeout',
  'guardrails',
  'caching',
  'cache',
  'stream',
  'litellm_call_id',
  'proxy_server_request',
]);

/** The body sent upstream: the admitted call's fields minus the gateway's, with the (guarded) prompt. */
export function upstreamParams(admitted: JsonObject, prompt: string | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(admitted)) if (!NOT_FORWARDED.has(k) && !k.startsWith('litellm_')) out[k] = v;
  if (prompt !== undefined) out.prompt = prompt;
  return out;
}

/** The prompt after the preCall chain: guardrails read and redact it as the call's user message. */
export function guardedPrompt(admitted: JsonObject, original: string): string {
  const messages = admitted.messages;
  if (!Array.isArray(messages) || messages.length === 0) return typeof admitted.prompt === 'string' ? admitted.prompt : original;
  const parts: string[] = [];
  for (const m of messages) {
    const content = m && typeof m === 'object' && !Array.isArray(m) ? m.content : undefined;
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content)) for (const c of content) if (c && typeof c === 'object' && !Array.isArray(c) && typeof c.text === 'string') parts.push(c.text);
  }
  return parts.join(' ');
}

/** The model group: the Azure path's, else the server default, else the body's (LiteLLM's order). */
export function chooseModel(endpoint: ImageEndpoint, pathModel: string | undefined, serverDefault: string | undefined, bodyModel: JsonValue | undefined): string {
  const model = pathModel || serverDefault || (typeof bodyModel === 'string' ? bodyModel : undefined);
  if (bodyModel !== undefined && bodyModel !== null && typeof bodyModel !== 'string') {
    throw ImageErrors.INVALID_PARAMETER({ route: ROUTE_LABEL[endpoint], field: 'model', expected: 'a string' }, { param: 'model' });
  }
  if (!model) throw ImageErrors.MISSING_MODEL({ route: ROUTE_LABEL[endpoint] });
  return model;
}

/** `POST /v1/images/generations`: a JSON body with a `prompt`. */
export function generationRequest(body: unknown, pathModel: string | undefined, serverDefault: string | undefined): ImageRequest {
  const route = ROUTE_LABEL.image_generation;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ImageErrors.NOT_JSON_OBJECT({ route });
  const json = body as JsonObject;
  if (json.prompt === undefined || json.prompt === null) throw ImageErrors.MISSING_PARAMETER({ route, field: 'prompt' }, { param: 'prompt' });
  if (typeof json.prompt !== 'string') throw ImageErrors.INVALID_PARAMETER({ route, field: 'prompt', expected: 'a string' }, { param: 'prompt' });
  if (json.stream === true) throw ImageErrors.STREAM_UNSUPPORTED({ route });
  checkCount(json.n, route);
  const model = chooseModel('image_generation', pathModel, serverDefault, json.model);
  return { endpoint: 'image_generation', model, prompt: json.prompt, params: json, files: [] };
}

export function checkCount(n: JsonValue | undefined, route: string): void {
  if (n === undefined || n === null) return;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 128) {
    throw ImageErrors.INVALID_PARAMETER({ route, field: 'n', expected: 'an integer from 1 to 128' }, { param: 'n' });
  }
}
