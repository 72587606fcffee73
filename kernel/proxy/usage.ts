/** Token usage and its price, read from responses and streams. */
import type { Usage } from '../../plugin-sdk/hook-contexts.js';
import type { JsonObject } from '../../plugin-sdk/json.js';
import type { Pricing } from '../../plugin-sdk/pricing.js';
import type { DeploymentConfig } from '../../plugin-sdk/provider.js';
import type { Endpoint } from '../../plugin-sdk/hook-contexts.js';
import type { RegisteredDeployment } from '../models/model-registry.js';

export const NO_USAGE: Usage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

export function readUsage(value: unknown): Usage {
  if (!value || typeof value !== 'object') return NO_USAGE;
  const u = value as JsonObject;
  const prompt = typeof u.prompt_tokens === 'number' ? u.prompt_tokens : 0;
  const completion = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  const total = typeof u.total_tokens === 'number' ? u.total_tokens : prompt + completion;
  return { ...u, prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
}

/** Cost from the deployment's configured per-token prices (0 when none are set). */
export function costOf(usage: Usage, d: DeploymentConfig): number {
  const input = numberParam(d.params.input_cost_per_token) ?? numberParam(d.modelInfo.input_cost_per_token) ?? 0;
  const output = numberParam(d.params.output_cost_per_token) ?? numberParam(d.modelInfo.output_cost_per_token) ?? 0;
  return usage.prompt_tokens * input + usage.completion_tokens * output;
}

/** The call's price: from the pricing plugin when there is one, else the deployment's own prices. */
export function priceOf(pricing: Pricing | undefined, endpoint: Endpoint, usage: Usage, d: RegisteredDeployment): number {
  return pricing ? pricing.costOf({ endpoint, usage, deployment: d.route, modelInfo: d.config.modelInfo }) : costOf(usage, d.config);
}

function numberParam(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Finds usage in a stream chunk's raw JSON without parsing every chunk: only chunks that carry a
 * `"usage": {…}` object are parsed.
 */
export function chunkHasUsage(data: string): boolean {
  const i = data.lastIndexOf('"usage"');
  if (i === -1) return false;
  let j = i + 7;
  while (j < data.length && (data.charCodeAt(j) === 32 || data.charCodeAt(j) === 58)) j++; // spaces and ':'
  return data.charCodeAt(j) === 123; // '{'
}
