/** model_list entries → resolved deployments. Runs once per config load. */
import { createHash } from 'node:crypto';
import type { SluiceConfig, ModelDeployment } from '../../schemas/generated/config.js';
import { ENDPOINTS, isUpstreamError, UpstreamError, type DeploymentConfig, type Endpoint, type ProviderAdapter, type ProviderDefinition } from '@sluice/plugin-sdk';
import { ENV_REF_PREFIX, SECRET_KEY } from '../config/env-refs.js';
import { KernelErrors } from '../errors.js';
import { routableOf, type RegisteredDeployment } from './model-registry.js';
import type { ProviderInference } from './provider-inference.js';

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

/**
 * A deployment that cannot be built — its provider has no plugin, its credentials are missing, a
 * secret it references could not be read — still joins its model group, as LiteLLM starts with it
 * and fails the call: every call to it answers `failure` (an OpenAI error), and the startup
 * warnings and `sluice config check` name it. A 4xx travels as an upstream answer, so a router
 * may cool it down and try the group's other deployments; a 5xx is the gateway's own fault.
 */
export interface DeploymentFailure {
  status: number;
  type: string;
  message: string;
}

export function brokenAdapter(failure: DeploymentFailure): ProviderAdapter {
  const body = { error: { message: failure.message, type: failure.type, param: null, code: String(failure.status) } };
  return {
    call() {
      if (failure.status < 500) return Promise.reject(new UpstreamError(failure.message, { status: failure.status, body }));
      return Promise.reject(KernelErrors.DEPLOYMENT_UNAVAILABLE({ detail: failure.message }));
    },
  };
}

/** LiteLLM's words for a model string whose provider it cannot tell (get_llm_provider). */
export function providerNotProvided(model: string): DeploymentFailure {
  return {
    status: 400,
    type: 'invalid_request_error',
    message:
      `litellm.BadRequestError: LLM Provider NOT provided. Pass in the LLM provider you are trying to call. You passed model=${model}\n` +
      " Pass model as E.g. For 'Huggingface' inference endpoints pass in `completion(model='huggingface/starcoder',..)` Learn more: https://docs.litellm.ai/docs/providers",
  };
}

export type ProviderTable = ReadonlyMap<string, { pluginId: string; definition: ProviderDefinition }>;

export interface ConfigDeploymentDeps {
  defaults: DeploymentDefaults;
  inference: ProviderInference;
  providers: ProviderTable;
  /** The installed (not enabled) plugin that would serve a provider. */
  disabledPluginFor(provider: string): string | undefined;
  /** Marks a value as a secret (scrubbed from logs). */
  redact(value: string | undefined): void;
}

const ALL_ENDPOINTS: readonly Endpoint[] = ENDPOINTS;

/**
 * `model_list` → registered deployments. `raw` is the model_list before `os.environ/` references
 * were resolved: a credential whose reference is unset makes its deployment one that fails.
 */
export function buildConfigDeployments(
  resolved: SluiceConfig,
  raw: SluiceConfig['model_list'],
  deps: ConfigDeploymentDeps,
): { deployments: RegisteredDeployment[]; warnings: string[] } {
  const deployments: RegisteredDeployment[] = [];
  const warnings: string[] = [];
  (resolved.model_list ?? []).forEach((entry, i) => {
    const where = `model_list[${i}] (${entry.model_name})`;
    const target = deps.inference.split(entry.litellm_params.model, entry.litellm_params.custom_llm_provider);
    if (typeof entry.litellm_params.api_key === 'string') deps.redact(entry.litellm_params.api_key);
    const provider = target.provider === undefined ? undefined : deps.providers.get(target.provider);
    const deployment = toDeployment(entry, i, deps.defaults, { provider: target.provider ?? 'unknown', model: target.model });
    deps.redact(deployment.apiKey);
    let failure: DeploymentFailure | undefined;
    let adapter: ProviderAdapter | undefined;
    if (!provider) {
      const plugin = target.provider === undefined ? undefined : deps.disabledPluginFor(target.provider);
      failure = plugin
        ? { status: 500, type: 'internal_server_error', message: `litellm.APIConnectionError: provider "${target.provider}" is served by plugin ${plugin}, which is not enabled in this gateway` }
        : providerNotProvided(entry.litellm_params.model);
    } else {
      const unset = unsetCredentialRefs(raw?.[i]?.litellm_params, entry.litellm_params);
      if (unset.length > 0) {
        failure = {
          status: 401,
          type: 'authentication_error',
          message: `litellm.AuthenticationError: ${target.provider}Exception - ${unset.map((n) => `os.environ/${n}`).join(', ')} is not set (or its secret could not be read), so deployment ${entry.model_name} has no credential`,
        };
      } else {
        try {
          adapter = provider.definition.createAdapter(deployment);
        } catch (err) {
          failure = isUpstreamError(err)
            ? { status: err.status, type: err.status === 401 ? 'authentication_error' : 'invalid_request_error', message: `litellm.AuthenticationError: ${target.provider}Exception - ${err.message}` }
            : { status: 500, type: 'internal_server_error', message: `litellm.APIConnectionError: ${target.provider}Exception - ${(err as Error).message}` };
        }
      }
    }
    if (failure) {
      adapter = brokenAdapter(failure);
      warnings.push(`${where}: ${failure.message.split('\n')[0]}. The deployment starts; every call to it answers ${failure.status}`);
    }
    const route = routableOf(deployment);
    const endpoints = provider && !failure ? endpointsOf(provider.definition, deployment) : ALL_ENDPOINTS;
    deployments.push({
      config: deployment,
      info: Object.freeze({ id: deployment.id, modelName: deployment.modelName, provider: deployment.provider, model: deployment.model, apiBase: deployment.apiBase }),
      route,
      adapter: adapter!,
      endpoints: new Set(endpoints),
      providerPlugin: provider?.pluginId ?? '',
      owner: deps.inference.ownerOf(deployment.provider),
      priced: Object.freeze({ deployment: route, modelInfo: deployment.modelInfo, endpoints: Object.freeze([...endpoints]) }),
    });
  });
  return { deployments, warnings };
}

/** Credential params (api_key, aws_secret_access_key…) written as `os.environ/NAME` that came out unset. */
function unsetCredentialRefs(raw: Record<string, unknown> | undefined, resolved: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (typeof value !== 'string' || !value.startsWith(ENV_REF_PREFIX) || !SECRET_KEY.test(key)) continue;
    if (resolved[key] === undefined || resolved[key] === '') out.push(value.slice(ENV_REF_PREFIX.length));
  }
  return out;
}

/** What one deployment serves: its provider's per-model answer (bounded by what the provider declares), else every endpoint it declares. */
export function endpointsOf(definition: ProviderDefinition, deployment: DeploymentConfig): readonly Endpoint[] {
  const declared = definition.endpoints;
  if (!definition.endpointsFor) return declared;
  return definition.endpointsFor(deployment).filter((e) => declared.includes(e));
}
