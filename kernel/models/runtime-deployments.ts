/**
 * Deployments a plugin supplies while the gateway runs (plugin-sdk/deployment-source.ts): each
 * entry is checked, its `os.environ/` references resolved when the plugin says an administrator
 * wrote it, and built into a provider adapter exactly as a `model_list` entry is; then the
 * registry swaps the touched groups in. A plugin only changes its own deployments.
 */
import type { DeploymentEntry, DeploymentRejection, RuntimeDeployments, UpsertOptions, ProviderDefinition } from '@sluice/plugin-sdk';
import type { ModelDeployment } from '../../schemas/generated/config.js';
import { ENV_REF_PREFIX, resolveEnvRefs, type RefLookup } from '../config/env-refs.js';
import type { SecretValues } from '../logging/create-logger.js';
import { endpointsOf, toDeployment, type DeploymentDefaults } from './deployments.js';
import type { ProviderInference } from './provider-inference.js';
import { routableOf, type ModelRegistry, type RegisteredDeployment } from './model-registry.js';

export interface RuntimeDeploymentDeps {
  registry: ModelRegistry;
  defaults: DeploymentDefaults;
  inference: ProviderInference;
  providers: ReadonlyMap<string, { pluginId: string; definition: ProviderDefinition }>;
  secrets: SecretValues;
  lookup: RefLookup;
}

function shapeProblem(entry: DeploymentEntry): string | undefined {
  if (!entry || typeof entry !== 'object') return 'a deployment must be an object';
  if (typeof entry.model_name !== 'string' || entry.model_name === '') return 'model_name must be a non-empty string';
  const params = entry.litellm_params as unknown;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return 'litellm_params must be an object';
  if (typeof entry.litellm_params.model !== 'string' || entry.litellm_params.model === '') return 'litellm_params.model must be a non-empty string';
  const info = entry.model_info as unknown;
  if (!info || typeof info !== 'object' || Array.isArray(info)) return 'model_info must be an object';
  if (typeof entry.model_info.id !== 'string' || entry.model_info.id === '') return 'model_info.id must be a non-empty string';
  return undefined;
}

const REFS_REFUSED = `${ENV_REF_PREFIX} references are resolved only in deployments an administrator adds`;

function hasRefs(node: unknown): boolean {
  if (typeof node === 'string') return node.startsWith(ENV_REF_PREFIX);
  if (Array.isArray(node)) return node.some(hasRefs);
  if (node && typeof node === 'object') return Object.values(node).some(hasRefs);
  return false;
}

export function runtimeDeployments(source: string, deps: RuntimeDeploymentDeps): RuntimeDeployments {
  const { registry } = deps;

  const check = (entry: DeploymentEntry, opts?: UpsertOptions): string | undefined => {
    const problem = shapeProblem(entry);
    if (problem) return problem;
    if (hasRefs(entry.litellm_params) && !opts?.resolveSecretRefs?.(entry)) return REFS_REFUSED;
    const target = deps.inference.split(entry.litellm_params.model, entry.litellm_params.custom_llm_provider);
    if (target.provider === undefined) return `no installed provider plugin recognises the model name "${target.model}"; write it as <provider>/<model>`;
    if (!deps.providers.has(target.provider)) return `provider "${target.provider}" is not served by any enabled plugin`;
    const existing = registry.byId(entry.model_info.id);
    if (existing && (existing.source ?? 'config') !== source && registry.all().includes(existing)) return `model_info.id ${entry.model_info.id} is already used by a deployment of ${existing.source ?? 'the config'}`;
    return undefined;
  };

  const build = async (entry: DeploymentEntry, opts: UpsertOptions | undefined): Promise<RegisteredDeployment | string> => {
    const problem = check(entry, opts);
    if (problem) return problem;
    let resolved = entry;
    if (hasRefs(entry.litellm_params)) {
      const { value, missing, secrets } = await resolveEnvRefs(entry.litellm_params, deps.lookup);
      for (const s of secrets) deps.secrets.add(s);
      if (missing.length > 0) return `${missing.map((m) => ENV_REF_PREFIX + m).join(', ')} is not set`;
      resolved = { ...entry, litellm_params: value };
    }
    const target = deps.inference.split(resolved.litellm_params.model, resolved.litellm_params.custom_llm_provider);
    const provider = deps.providers.get(target.provider!)!;
    const config = toDeployment(resolved as unknown as ModelDeployment, 0, deps.defaults, { provider: target.provider!, model: target.model });
    deps.secrets.add(config.apiKey);
    let adapter;
    try {
      adapter = provider.definition.createAdapter(config);
    } catch (err) {
      return (err as Error).message;
    }
    const route = routableOf(config);
    const endpoints = endpointsOf(provider.definition, config);
    return {
      config,
      info: Object.freeze({ id: config.id, modelName: config.modelName, provider: config.provider, model: config.model, apiBase: config.apiBase }),
      route,
      adapter,
      endpoints: new Set(endpoints),
      providerPlugin: provider.pluginId,
      owner: deps.inference.ownerOf(config.provider),
      priced: Object.freeze({ deployment: route, modelInfo: config.modelInfo, endpoints: Object.freeze([...endpoints]) }),
      source,
    };
  };

  const buildAll = async (entries: readonly DeploymentEntry[], opts: UpsertOptions | undefined) => {
    const built: RegisteredDeployment[] = [];
    const rejected: DeploymentRejection[] = [];
    for (const entry of entries) {
      const result = await build(entry, opts);
      if (typeof result === 'string') rejected.push({ id: typeof entry?.model_info?.id === 'string' ? entry.model_info.id : '', reason: result });
      else built.push(result);
    }
    return { built, rejected };
  };

  const own = () => registry.all().filter((d) => d.source === source);

  return {
    check,
    async upsert(entries, opts) {
      const { built, rejected } = await buildAll(entries, opts);
      registry.apply(built, []);
      return rejected;
    },
    remove(ids) {
      const mine = new Set(own().map((d) => d.config.id));
      registry.apply([], ids.filter((id) => mine.has(id)));
    },
    async replaceAll(entries, opts) {
      const { built, rejected } = await buildAll(entries, opts);
      const keep = new Set(built.map((d) => d.config.id));
      registry.apply(
        built,
        own()
          .map((d) => d.config.id)
          .filter((id) => !keep.has(id)),
      );
      return rejected;
    },
  };
}
