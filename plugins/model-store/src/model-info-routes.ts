/**
 * LiteLLM's read side of the model API: `/model/info` (= `/v1/model/info`) lists deployments,
 * config and stored ones (`model_info.db_model`), and `/model_group/info` lists model groups; each
 * shows only what the caller may call (`ctx.models.mayCall`: the gateway's model access), team
 * models under their public name, never a credential.
 */
import type { DeploymentView, PluginContext, Principal, RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { ModelErrors } from './errors.js';

type Obj = Record<string, unknown>;

const PLUGIN_ID = 'model-store';

function publicName(d: DeploymentView): string {
  const name = d.modelInfo.team_public_model_name;
  return typeof name === 'string' && name !== '' ? name : d.modelName;
}

/** One `/model/info` entry: `{model_name, litellm_params, model_info: {id, db_model, …}}`. */
export function modelInfoEntry(d: DeploymentView): Obj {
  return {
    model_name: publicName(d),
    litellm_params: { ...d.params },
    model_info: { ...d.modelInfo, id: d.id, db_model: d.source === PLUGIN_ID },
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const flag = (v: unknown): boolean => v === true;

/** LiteLLM's ModelGroupInfo for the deployments of one group (what the config and model_info say). */
function groupInfo(name: string, members: readonly DeploymentView[]): Obj {
  const info = (k: string) => members.map((d) => d.modelInfo[k] ?? d.params[k]).find((v) => v !== undefined && v !== null);
  const sum = (k: string) => {
    const values = members.map((d) => num(d.params[k] ?? d.modelInfo[k])).filter((v): v is number => v !== null);
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) : null;
  };
  return {
    model_group: name,
    providers: [...new Set(members.map((d) => d.provider))],
    max_input_tokens: num(info('max_input_tokens')),
    max_output_tokens: num(info('max_output_tokens')),
    input_cost_per_token: num(info('input_cost_per_token')),
    output_cost_per_token: num(info('output_cost_per_token')),
    input_cost_per_pixel: num(info('input_cost_per_pixel')),
    mode: typeof info('mode') === 'string' ? info('mode') : 'chat',
    tpm: sum('tpm'),
    rpm: sum('rpm'),
    itpm: null,
    otpm: null,
    supports_parallel_function_calling: flag(info('supports_parallel_function_calling')),
    supports_vision: flag(info('supports_vision')),
    supports_web_search: flag(info('supports_web_search')),
    supports_url_context: flag(info('supports_url_context')),
    supports_reasoning: flag(info('supports_reasoning')),
    supports_function_calling: flag(info('supports_function_calling')),
    supported_reasoning_efforts: null,
    supported_openai_params: [],
    configurable_clientside_auth_params: null,
  };
}

function queryString(req: RouteRequest, name: string): string | undefined {
  const v = req.query[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s !== '' ? s : undefined;
}

export function modelInfoRoutes(ctx: PluginContext): RouteDefinition[] {
  const visible = (principal: Principal | undefined): DeploymentView[] =>
    ctx.models.deployments().filter((d) => !principal || ctx.models.mayCall(principal, d.modelName));

  const modelInfo = async (req: RouteRequest) => {
    const id = queryString(req, 'litellm_model_id');
    const shown = visible(req.principal);
    if (id !== undefined) {
      const found = shown.find((d) => d.id === id);
      if (!found) throw ModelErrors.ID_NOT_FOUND({ id });
      return { body: { data: [modelInfoEntry(found)] } };
    }
    const model = queryString(req, 'model');
    const data = shown.map(modelInfoEntry).filter((e) => model === undefined || e.model_name === model);
    return { body: { data } };
  };

  const modelGroupInfo = async (req: RouteRequest) => {
    const only = queryString(req, 'model_group');
    const groups = new Map<string, DeploymentView[]>();
    for (const d of visible(req.principal)) {
      const name = publicName(d);
      // A wildcard group names no model a client can list; LiteLLM expands it from its cost map.
      if (name.includes('*') || (only !== undefined && name !== only)) continue;
      let list = groups.get(name);
      if (!list) groups.set(name, (list = []));
      list.push(d);
    }
    return { body: { data: [...groups].map(([name, members]) => groupInfo(name, members)) } };
  };

  const tags = ['model management'];
  return [
    { method: 'GET', url: '/model/info', access: 'authenticated', tags, summary: 'Deployments the caller may call (no credentials)', handler: modelInfo },
    { method: 'GET', url: '/v1/model/info', access: 'authenticated', tags, summary: 'Deployments the caller may call (no credentials)', handler: modelInfo },
    { method: 'GET', url: '/model_group/info', access: 'authenticated', tags, summary: 'Model groups the caller may call', handler: modelGroupInfo },
  ];
}
