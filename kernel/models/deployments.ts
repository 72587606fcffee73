/** model_list entries → resolved deployments. Runs once per config load. */
import { createHash } from 'node:crypto';
import type { SluiceConfig, ModelDeployment } from '../../schemas/generated/config.js';
import type { DeploymentConfig } from '@sluice/plugin-sdk';

function seconds(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

export interface DeploymentDefaults {
  timeoutS: number;
  streamTimeoutS: number | undefined;
}

/** From the native `server:` (a LiteLLM config's timeouts are translated into it: config/litellm/). */
export function deploymentDefaults(config: SluiceConfig): DeploymentDefaults {
  return { timeoutS: config.server?.default_timeout_s ?? 600, streamTimeoutS: config.server?.default_stream_timeout_s };
}

/** `target`: the provider and upstream model `entry.litellm_params.model` names (provider-inference.ts). */
export function toDeployment(entry: ModelDeployment, index: number, defaults: DeploymentDefaults, target: { provider: string; model: string }): DeploymentConfig {
  const { api_key, ...params } = entry.litellm_params;
  const { provider, model } = target;
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
