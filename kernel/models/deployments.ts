/** model_list entries → resolved deployments. Runs once per config load. */
import { createHash } from 'node:crypto';
import type { SluiceConfig, ModelDeployment } from '../../schemas/generated/config.js';
import type { DeploymentConfig } from '../../plugin-sdk/provider.js';

/** LiteLLM infers the provider of an unprefixed model from its name. */
const INFERRED_PROVIDER: [RegExp, string][] = [
  [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|davinci|babbage|dall-e|whisper|tts-|omni-moderation|text-moderation)/, 'openai'],
  [/^claude/, 'anthropic'],
  [/^gemini/, 'gemini'],
  [/^(command|embed-)/, 'cohere'],
  [/^(mistral|codestral|open-mistral|pixtral)/, 'mistral'],
];

export function splitProviderModel(model: string, explicitProvider?: unknown): { provider: string; model: string } {
  if (typeof explicitProvider === 'string' && explicitProvider) return { provider: explicitProvider, model };
  const slash = model.indexOf('/');
  if (slash > 0) return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
  for (const [pattern, provider] of INFERRED_PROVIDER) if (pattern.test(model)) return { provider, model };
  return { provider: 'openai', model };
}

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

export interface DeploymentDefaults {
  timeoutS: number;
  streamTimeoutS: number | undefined;
}

export function deploymentDefaults(config: SluiceConfig): DeploymentDefaults {
  const router = config.router_settings ?? {};
  const litellm = config.litellm_settings ?? {};
  const timeoutS = seconds(router.timeout) ?? seconds(litellm.request_timeout) ?? config.server?.default_timeout_s ?? 600;
  return { timeoutS, streamTimeoutS: seconds(router.stream_timeout) };
}

export function toDeployment(entry: ModelDeployment, index: number, defaults: DeploymentDefaults): DeploymentConfig {
  const { api_key, ...params } = entry.litellm_params;
  const { provider, model } = splitProviderModel(entry.litellm_params.model, params.custom_llm_provider);
  const modelInfo = (entry.model_info ?? {}) as Record<string, unknown>;
  const id =
    typeof modelInfo.id === 'string' && modelInfo.id
      ? modelInfo.id
      : createHash('sha256').update(`${index}\0${entry.model_name}\0${JSON.stringify(params)}`).digest('hex').slice(0, 16);
  const timeoutS = seconds(params.timeout) ?? defaults.timeoutS;
  return Object.freeze({
    id,
    modelName: entry.model_name,
    provider,
    model,
    apiBase: typeof params.api_base === 'string' ? params.api_base : undefined,
    apiKey: typeof api_key === 'string' && api_key ? api_key : undefined,
    apiVersion: typeof params.api_version === 'string' ? params.api_version : undefined,
    timeoutMs: Math.round(timeoutS * 1000),
    streamTimeoutMs: Math.round((seconds(params.stream_timeout) ?? defaults.streamTimeoutS ?? timeoutS) * 1000),
    rpm: typeof params.rpm === 'number' ? params.rpm : undefined,
    tpm: typeof params.tpm === 'number' ? params.tpm : undefined,
    params: Object.freeze({ ...params }),
    modelInfo: Object.freeze({ ...modelInfo }),
  });
}
