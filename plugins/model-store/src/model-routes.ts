/**
 * LiteLLM's model management API: `/model/new`, `/model/update`, `PATCH /model/{id}/update`,
 * `/model/delete`. Who may write what, as LiteLLM decides it (ModelManagementAuthChecks):
 * view-only roles nothing; a proxy admin anything; a team admin only models of its team
 * (`model_info.team_id`). A team model is stored under an internal name and keeps its public name
 * in `model_info.team_public_model_name`.
 */
import { randomUUID } from 'node:crypto';
import type { DeploymentEntry, PluginContext, Principal, RouteDefinition, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { ModelErrors } from './errors.js';
import type { ModelRow, ModelRows } from './model-rows.js';
import { adminWritten, entryOf, type ModelSync } from './model-sync.js';

/** LiteLLM's `LITELLM_PROXY_ADMIN_NAME`: `created_by` of rows the master key writes. */
export const PROXY_ADMIN_NAME = 'default_user_id';
/** `litellm_params` never echoed. */
export const CREDENTIAL_PARAM = /(^|_)(api_key|key|secret|password|token|credentials?)(_|$)|^aws_access_key_id$/i;

export interface ModelRouteDeps {
  ctx: PluginContext;
  rows: ModelRows;
  sync: ModelSync;
  enabled: boolean;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export function withoutCredentials(params: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(params)) if (!CREDENTIAL_PARAM.test(k)) out[k] = v;
  return out;
}

/** A row as LiteLLM's `LiteLLM_ProxyModelTable` answers it, credentials left out. */
export function rowBody(row: Omit<ModelRow, 'fingerprint'>): Obj {
  return {
    model_id: row.model_id,
    model_name: row.model_name,
    litellm_params: withoutCredentials(row.litellm_params),
    model_info: row.model_info,
    created_at: new Date(row.created_at).toISOString(),
    created_by: row.created_by,
    updated_at: new Date(row.updated_at).toISOString(),
    updated_by: row.updated_by,
  };
}

function teamOf(info: Obj | undefined): string | undefined {
  const t = info?.team_id;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

/** ModelManagementAuthChecks.can_user_make_model_call, on the model's team. */
function authorize(principal: Principal, team: string | undefined): void {
  if (principal.role === 'proxy_admin_viewer' || principal.role === 'internal_user_viewer') throw ModelErrors.VIEW_ONLY();
  if (principal.role === 'proxy_admin') return;
  if (team === undefined) throw ModelErrors.NOT_ADMIN({ role: principal.role });
  if (!principal.adminOf?.teams.includes(team)) throw ModelErrors.NOT_TEAM_ADMIN({ team, own: principal.teamId ?? 'None' });
}

const actor = (p: Principal) => ({ id: p.id, role: p.role });
const writer = (p: Principal) => p.userId ?? PROXY_ADMIN_NAME;

function body(req: RouteRequest, route: string): Obj {
  if (!isObj(req.body)) throw ModelErrors.BODY_NOT_OBJECT({ route });
  return req.body;
}

function params(value: unknown, required: boolean): Obj | undefined {
  if (value === undefined || value === null) {
    if (required) throw ModelErrors.INVALID({ reason: 'litellm_params not provided' });
    return undefined;
  }
  if (!isObj(value)) throw ModelErrors.INVALID({ reason: 'litellm_params must be an object' });
  return value;
}

/** Values set in `patch` replace, `null` clears, absent keep. */
function merge(base: Obj, patch: Obj | undefined): Obj {
  if (!patch) return { ...base };
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

export function modelRoutes(deps: ModelRouteDeps): RouteDefinition[] {
  const { ctx, rows, sync } = deps;
  const now = () => ctx.now();

  const checkEntry = (entry: DeploymentEntry): void => {
    const problem = sync.deployments?.check(entry, { resolveSecretRefs: adminWritten });
    if (problem) throw ModelErrors.INVALID({ reason: problem });
  };

  const isConfigModel = (id: string) => ctx.models.deployments().some((d) => d.id === id && d.source === 'config');

  const audit = (req: RouteRequest, action: string, id: string, before?: Obj, after?: Obj) =>
    ctx.audit({ actor: actor(req.principal!), action, objectType: 'model', objectId: id, before, after, ip: req.ip, requestId: req.requestId });

  const saved = async (req: RouteRequest, action: string, row: Omit<ModelRow, 'fingerprint'>, before?: ModelRow): Promise<RouteResult> => {
    await sync.changed();
    const answer = rowBody(row);
    audit(req, action, row.model_id, before && rowBody(before), answer);
    return { body: answer };
  };

  const newModel = async (req: RouteRequest): Promise<RouteResult> => {
    const b = body(req, '/model/new');
    const principal = req.principal!;
    if (typeof b.model_name !== 'string' || b.model_name === '') throw ModelErrors.INVALID({ reason: 'model_name must be a non-empty string' });
    const litellmParams = params(b.litellm_params, true)!;
    if (b.model_info !== undefined && b.model_info !== null && !isObj(b.model_info)) throw ModelErrors.INVALID({ reason: 'model_info must be an object' });
    const info: Obj = {};
    for (const [k, v] of Object.entries((b.model_info as Obj | undefined) ?? {})) if (v !== null) info[k] = v;
    const team = teamOf(info);
    authorize(principal, team);
    if (!deps.enabled) throw ModelErrors.NOT_STORED();
    const id = typeof info.id === 'string' && info.id !== '' ? info.id : randomUUID();
    let modelName = b.model_name;
    if (team !== undefined) {
      // _add_team_model_to_db: the public name goes to model_info, the row gets a unique internal one.
      info.team_public_model_name = modelName;
      modelName = `model_name_${team}_${randomUUID()}`;
    }
    const modelInfo = { ...info, id };
    checkEntry({ model_name: modelName, litellm_params: litellmParams as DeploymentEntry['litellm_params'], model_info: modelInfo });
    const at = now();
    const row = { model_id: id, model_name: modelName, litellm_params: litellmParams, model_info: modelInfo, created_at: at, created_by: writer(principal), updated_at: at, updated_by: writer(principal) };
    if (!(await rows.insert(row))) throw ModelErrors.INVALID({ reason: 'Unique constraint failed on the fields: (`model_id`)' });
    return saved(req, 'created', row);
  };

  const write = async (req: RouteRequest, existing: ModelRow, next: { model_name: string; litellm_params: Obj; model_info: Obj }): Promise<RouteResult> => {
    checkEntry(entryOf({ ...existing, ...next }));
    const fields = { ...next, updated_at: now(), updated_by: writer(req.principal!) };
    if (!(await rows.update(existing.model_id, fields))) throw ModelErrors.NOT_FOUND_ON_PROXY({ id: existing.model_id });
    return saved(req, 'updated', { ...existing, ...fields }, existing);
  };

  /** Legacy `/model/update`: merges `litellm_params`, renames non-team models; `model_info` is kept as stored. */
  const updateModel = async (req: RouteRequest): Promise<RouteResult> => {
    const b = body(req, '/model/update');
    if (!isObj(b.model_info)) throw ModelErrors.INVALID({ reason: 'model_info not provided' });
    const id = b.model_info.id;
    if (typeof id !== 'string' || id === '') throw ModelErrors.INVALID({ reason: 'model_info.id not provided' });
    const existing = await rows.find(id);
    if (!existing) {
      if (isConfigModel(id)) throw ModelErrors.CONFIG_MODEL_UPDATE();
      throw ModelErrors.INVALID({ reason: 'model not found' });
    }
    authorize(req.principal!, teamOf(existing.model_info));
    if (!deps.enabled) throw ModelErrors.NOT_STORED();
    const patch = params(b.litellm_params, true)!;
    const rename = typeof b.model_name === 'string' && b.model_name !== '' && teamOf(existing.model_info) === undefined ? b.model_name : existing.model_name;
    const litellmParams: Obj = { ...existing.litellm_params };
    for (const [k, v] of Object.entries(patch)) if (v !== null && v !== undefined) litellmParams[k] = v;
    return write(req, existing, { model_name: rename, litellm_params: litellmParams, model_info: existing.model_info });
  };

  /** `PATCH /model/{model_id}/update`: only the fields sent change. */
  const patchModel = async (req: RouteRequest): Promise<RouteResult> => {
    const b = body(req, '/model/{model_id}/update');
    const id = req.params.model_id!;
    if (!deps.enabled) throw ModelErrors.PATCH_NOT_STORED();
    const existing = await rows.find(id);
    if (!existing) {
      if (isConfigModel(id)) throw ModelErrors.CONFIG_MODEL_PATCH();
      throw ModelErrors.NOT_FOUND_ON_PROXY({ id });
    }
    const principal = req.principal!;
    const oldTeam = teamOf(existing.model_info);
    authorize(principal, oldTeam);
    if (b.model_info !== undefined && b.model_info !== null && !isObj(b.model_info)) throw ModelErrors.INVALID({ reason: 'model_info must be an object' });
    const infoPatch = (b.model_info as Obj | null | undefined) ?? undefined;
    const newTeam = infoPatch && 'team_id' in infoPatch ? teamOf(infoPatch) : oldTeam;
    if (newTeam !== oldTeam && principal.role !== 'proxy_admin') throw ModelErrors.TEAM_CHANGE({ role: principal.role });
    const modelInfo = merge(existing.model_info, infoPatch);
    modelInfo.id = id;
    if (newTeam === undefined) delete modelInfo.team_id;
    let modelName = typeof b.model_name === 'string' && b.model_name !== '' ? b.model_name : existing.model_name;
    if (newTeam !== undefined) {
      // _get_public_model_name: a sent name that is not the internal one renames the public name.
      const internal = (n: string) => n.startsWith(`model_name_${newTeam}_`);
      const sent = typeof b.model_name === 'string' && b.model_name !== '' && !internal(b.model_name) && b.model_name !== existing.model_name ? b.model_name : undefined;
      modelInfo.team_public_model_name = sent ?? (existing.model_info.team_public_model_name as string | undefined) ?? existing.model_name;
      modelName = newTeam !== oldTeam ? `model_name_${newTeam}_${randomUUID()}` : existing.model_name;
    } else if (oldTeam !== undefined) {
      modelName = typeof b.model_name === 'string' && b.model_name !== '' ? b.model_name : ((existing.model_info.team_public_model_name as string | undefined) ?? existing.model_name);
      delete modelInfo.team_public_model_name;
    }
    return write(req, existing, { model_name: modelName, litellm_params: merge(existing.litellm_params, params(b.litellm_params, false)), model_info: modelInfo });
  };

  const deleteModel = async (req: RouteRequest): Promise<RouteResult> => {
    const b = body(req, '/model/delete');
    const id = b.id;
    if (typeof id !== 'string' || id === '') throw ModelErrors.INVALID({ reason: 'id must be a non-empty string' });
    const existing = await rows.find(id);
    if (!existing) throw ModelErrors.NOT_IN_DB({ id });
    authorize(req.principal!, teamOf(existing.model_info));
    if (!deps.enabled) throw ModelErrors.NOT_STORED();
    if (!(await rows.delete(id))) throw ModelErrors.NOT_IN_DB({ id });
    await sync.changed();
    audit(req, 'deleted', id, rowBody(existing));
    return { body: { message: `Model: ${id} deleted successfully` } };
  };

  const tags = ['model management'];
  return [
    { method: 'POST', url: '/model/new', access: 'authenticated', tags, summary: 'Add a deployment (stored in the database)', handler: newModel },
    { method: 'POST', url: '/model/update', access: 'authenticated', tags, summary: 'Edit a stored deployment (legacy)', handler: updateModel },
    { method: 'PATCH', url: '/model/:model_id/update', access: 'authenticated', tags, summary: 'Partially update a stored deployment', handler: patchModel },
    { method: 'POST', url: '/model/delete', access: 'authenticated', tags, summary: 'Delete a stored deployment', handler: deleteModel },
  ];
}
