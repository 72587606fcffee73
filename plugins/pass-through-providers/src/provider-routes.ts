/**
 * LiteLLM's provider pass-through routes: which prefix goes to which provider, how the model a
 * call is for is read (for limits, access and the price), and which usage fields its answers carry.
 */
import type { Endpoint, JsonObject } from '@sluice/plugin-sdk';
import type { UsageFamily } from './usage/native-usage.js';

export interface ProviderRoute {
  /** The route's name in config (`disabled_providers`). */
  name: string;
  /** Gateway path prefixes (`/vertex_ai`, and LiteLLM's alias `/vertex-ai`). */
  prefixes: readonly string[];
  /** Provider whose deployment (`use_in_pass_through`, else its first, else its env credentials) serves it. */
  provider: string;
  family: UsageFamily;
  /** The model the call is for: from the path (without prefix and query) or the JSON body. */
  modelOf(path: string, body: JsonObject | undefined): string | undefined;
  /**
   * The name that, when it is a model group, routes the call to that group's deployments
   * (LiteLLM's router pass-through for Bedrock, Azure and vLLM); other routes use the provider's
   * credentials.
   */
  groupOf?(path: string, body: JsonObject | undefined): string | undefined;
  /** Query parameters that carry the caller's gateway key: removed before forwarding. */
  credentialQuery?: readonly string[];
}

const bodyModel = (_path: string, body: JsonObject | undefined): string | undefined =>
  typeof body?.model === 'string' && body.model !== '' ? body.model : undefined;

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Google's `…/models/{model}:{method}` (AI Studio `models/`, Vertex `publishers/google/models/`). */
function googleModel(path: string): string | undefined {
  const m = /\/(?:models|tunedModels)\/([^/:]+)(?::|$)/.exec(path);
  return m ? decoded(m[1]!) : undefined;
}

/** Bedrock actions after `/model/{modelId}/` (LiteLLM's BEDROCK_ENDPOINT_ACTIONS). */
const BEDROCK_ACTIONS = new Set(['invoke', 'invoke-with-response-stream', 'converse', 'converse-stream', 'count_tokens', 'count-tokens']);

/**
 * `/model/{modelId}/{action}` → the model id (which may hold slashes, as LiteLLM reads it);
 * `/model/application-inference-profile/{id}/{action}` → `application-inference-profile/{id}`.
 */
export function bedrockModel(path: string): string | undefined {
  const parts = path.split('/').slice(1).map(decoded);
  if (parts[0] !== 'model' || parts.length < 2) return undefined;
  if (parts[1] === 'application-inference-profile') return parts.slice(1, 3).join('/');
  const action = parts.findIndex((p, i) => i > 1 && BEDROCK_ACTIONS.has(p));
  return (action === -1 ? parts.slice(1) : parts.slice(1, action)).join('/') || undefined;
}

/** Azure's `/openai/deployments/{name}/…` (LiteLLM routes on path parts only). */
function azureDeployment(path: string): string | undefined {
  const m = /^\/openai\/deployments\/([^/]+)/.exec(path);
  return m ? decoded(m[1]!) : undefined;
}

/** The deployment in the path, else the body's model (the v1 API). */
const azureModel = (path: string, body: JsonObject | undefined): string | undefined => azureDeployment(path) ?? bodyModel(path, body);

export const PROVIDER_ROUTES: readonly ProviderRoute[] = [
  { name: 'openai', prefixes: ['/openai'], provider: 'openai', family: 'openai', modelOf: bodyModel },
  { name: 'anthropic', prefixes: ['/anthropic'], provider: 'anthropic', family: 'anthropic', modelOf: bodyModel },
  { name: 'bedrock', prefixes: ['/bedrock'], provider: 'bedrock', family: 'bedrock', modelOf: bedrockModel, groupOf: bedrockModel },
  { name: 'vertex_ai', prefixes: ['/vertex_ai', '/vertex-ai'], provider: 'vertex_ai', family: 'gemini', modelOf: googleModel },
  { name: 'gemini', prefixes: ['/gemini'], provider: 'gemini', family: 'gemini', modelOf: googleModel, credentialQuery: ['key'] },
  { name: 'azure', prefixes: ['/azure'], provider: 'azure', family: 'openai', modelOf: azureModel, groupOf: azureDeployment },
  { name: 'cohere', prefixes: ['/cohere'], provider: 'cohere', family: 'cohere', modelOf: bodyModel },
  { name: 'mistral', prefixes: ['/mistral'], provider: 'mistral', family: 'openai', modelOf: bodyModel },
  { name: 'vllm', prefixes: ['/vllm'], provider: 'hosted_vllm', family: 'openai', modelOf: bodyModel, groupOf: bodyModel },
];

export const PROVIDER_ROUTE_NAMES = PROVIDER_ROUTES.map((r) => r.name);

/** What the call is priced as, from the path: tokens of a generation unless the path says otherwise. */
export function pricedEndpoint(path: string): Endpoint {
  if (/embed|:predict\b/i.test(path)) return 'embeddings';
  if (/rerank/i.test(path)) return 'rerank';
  if (/\/responses(\/|$)/.test(path)) return 'responses';
  if (/(^|\/)completions$/.test(path) && !/chat\/completions$/.test(path)) return 'completions';
  return 'chat';
}
