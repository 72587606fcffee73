/**
 * LiteLLM's model cost map and the price of one call. Lookups are cached per deployment, so the
 * request path does a Map lookup and a few multiplications.
 */
import type { PricedDeployment, PricingInput, RoutableDeployment, Usage } from '@sluice/plugin-sdk';
import { speechCost, transcriptionCost, type PriceOf } from './audio-cost.js';
import { imageCost } from './image-cost.js';
import { batchCost, isBatchUsage } from './batch-cost.js';

export interface ModelPrice {
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  cache_read_input_token_cost?: number;
  cache_creation_input_token_cost?: number;
  output_cost_per_image?: number;
  max_input_tokens?: number;
  max_output_tokens?: number;
  litellm_provider?: string;
  mode?: string;
  [key: string]: unknown;
}

export type CostMapData = Record<string, ModelPrice>;

/** Checks a fetched or read map before it replaces the one in use. */
export function validateCostMap(data: unknown): CostMapData {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new Error('the map must be a JSON object of model → prices');
  const entries = Object.entries(data as Record<string, unknown>);
  const priced = entries.filter(([, v]) => v && typeof v === 'object' && (typeof (v as ModelPrice).input_cost_per_token === 'number' || typeof (v as ModelPrice).output_cost_per_token === 'number'));
  if (priced.length === 0) throw new Error('the map has no entry with input_cost_per_token or output_cost_per_token');
  return data as CostMapData;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class CostMap {
  private readonly byDeployment = new Map<string, ModelPrice | null>();
  /** Per deployment object, the last model priced for it: the request path's lookup, no key string built. */
  private readonly lastFor = new WeakMap<RoutableDeployment, { model: string; entry: ModelPrice | undefined }>();

  constructor(readonly data: CostMapData) {}

  get size(): number {
    return Object.keys(this.data).length - (this.data.sample_spec ? 1 : 0);
  }

  /** The map entry for a deployment: base_model, then `<provider>/<model>`, then `<model>`. */
  entryFor(d: RoutableDeployment, modelInfo: Readonly<Record<string, unknown>>): ModelPrice | undefined {
    // Wildcard deployments share an id across upstream models: key by both.
    const last = this.lastFor.get(d);
    if (last !== undefined && last.model === d.model) return last.entry;
    const entry = this.lookup(d, modelInfo);
    this.lastFor.set(d, { model: d.model, entry });
    return entry;
  }

  private lookup(d: RoutableDeployment, modelInfo: Readonly<Record<string, unknown>>): ModelPrice | undefined {
    const key = `${d.id}\0${d.model}`;
    const cached = this.byDeployment.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const base = d.params.base_model ?? modelInfo.base_model;
    const candidates = [typeof base === 'string' ? base : undefined, `${d.provider}/${d.model}`, d.model].filter((k): k is string => !!k);
    const entry = candidates.map((k) => this.data[k]).find((e) => e && typeof e === 'object');
    this.byDeployment.set(key, entry ?? null);
    return entry;
  }

  /** The dearest deployment's price for a call of this size: budget reservations err on the high side. */
  estimateCost(group: readonly PricedDeployment[], promptTokens: number, completionTokens: number): number {
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    let max = 0;
    for (const { deployment, modelInfo, endpoints } of group) {
      const endpoint = endpoints.includes('chat') ? 'chat' : endpoints.includes('completions') ? 'completions' : endpoints.includes('embeddings') ? 'embeddings' : 'rerank';
      max = Math.max(max, this.costOf({ endpoint, usage, deployment, modelInfo }));
    }
    return max;
  }

  costOf({ endpoint, usage, deployment, modelInfo }: PricingInput): number {
    const entry = this.entryFor(deployment, modelInfo);
    const p = deployment.params;
    const input = num(p.input_cost_per_token) ?? num(modelInfo.input_cost_per_token) ?? num(entry?.input_cost_per_token) ?? 0;
    const output = num(p.output_cost_per_token) ?? num(modelInfo.output_cost_per_token) ?? num(entry?.output_cost_per_token) ?? 0;
    if (isBatchUsage(usage)) return batchCost(usage, (k) => num(p[k]) ?? num(modelInfo[k]) ?? num(entry?.[k]));
    if (endpoint === 'embeddings') return usage.prompt_tokens * input;
    if (endpoint === 'audio_transcription' || endpoint === 'audio_translation' || endpoint === 'audio_speech') {
      const priceOf: PriceOf = (k) => num(p[k]) ?? num(modelInfo[k]) ?? num(entry?.[k]);
      return endpoint === 'audio_speech' ? speechCost(usage, priceOf) : transcriptionCost(usage, priceOf);
    }
    if (endpoint === 'image_generation' || endpoint === 'image_edit' || endpoint === 'image_variation') {
      const priceOf: PriceOf = (k) => num(p[k]) ?? num(modelInfo[k]) ?? num(entry?.[k]);
      return imageCost(usage, priceOf, (k) => this.data[k], { model: deployment.model, provider: deployment.provider });
    }
    if (endpoint === 'rerank') {
      // LiteLLM's rerank price: per search unit (one query when the provider reports none), else per token.
      const perQuery = num(p.input_cost_per_query) ?? num(modelInfo.input_cost_per_query) ?? num(entry?.input_cost_per_query);
      return perQuery !== undefined ? perQuery * (num(usage.search_units) ?? 1) : usage.total_tokens * input;
    }
    const cacheRead = cachedTokens(usage);
    const cacheWrite = num(usage.cache_creation_input_tokens) ?? 0;
    const uncached = Math.max(0, usage.prompt_tokens - cacheRead - cacheWrite);
    const readPrice = num(p.cache_read_input_token_cost) ?? num(entry?.cache_read_input_token_cost) ?? input;
    const writePrice = num(p.cache_creation_input_token_cost) ?? num(entry?.cache_creation_input_token_cost) ?? input;
    return uncached * input + cacheRead * readPrice + cacheWrite * writePrice + usage.completion_tokens * output;
  }
}

function cachedTokens(usage: Usage): number {
  const details = usage.prompt_tokens_details as { cached_tokens?: unknown } | undefined;
  return num(details?.cached_tokens) ?? num(usage.cache_read_input_tokens) ?? 0;
}
