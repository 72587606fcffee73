/**
 * Model allow-lists, as LiteLLM judges them (auth_checks: can_key_call_model, then
 * can_team_access_model): a virtual key's own list, its team's and its project's are each checked
 * (principal.ts hands them over with `rememberModelLists`); an empty list allows every model. A
 * list entry is a model group name, an access group (`model_info.access_groups` of deployments,
 * config or stored), `all-proxy-models` (everything) or, on a key, `all-team-models` (whatever its
 * team may call). A team model (`model_info.team_id`) is callable only by keys of its team, and a
 * team's own models pass its team list (LiteLLM adds them to it). Principals of other plugins are
 * judged on `principal.models` alone.
 *
 * Fast: the deployment index is rebuilt when deployments change, and each principal's answers are
 * remembered per model until then, so a warm call is two map lookups.
 */
import type { ModelAccess, ModelCatalog, ModelListing, Principal } from '@sluice/plugin-sdk';
import { KeyErrors } from './errors.js';

export const ALL_PROXY_MODELS = 'all-proxy-models';
export const ALL_TEAM_MODELS = 'all-team-models';

/** The lists a virtual key is judged by. */
export interface ModelLists {
  key: readonly string[];
  team?: readonly string[];
  project?: readonly string[];
  /** The key's user's models, for a key without a team (LiteLLM's can_user_call_model). */
  user?: readonly string[];
}

const LISTS = new WeakMap<Principal, ModelLists>();

/** Called by principal.ts for each principal it builds. */
export function rememberModelLists(principal: Principal, lists: ModelLists): void {
  // Nothing to remember when no list restricts: such a principal takes the unrestricted path.
  if (lists.key.length > 0 || (lists.team?.length ?? 0) > 0 || (lists.project?.length ?? 0) > 0 || (lists.user?.length ?? 0) > 0) LISTS.set(principal, lists);
}

interface Owner {
  team: string;
  publicName: string;
}

interface DeploymentIndex {
  /** access group → model group names whose deployments carry it */
  accessGroups: Map<string, Set<string>>;
  /** internal model group name of a team model → its team and public name */
  owners: Map<string, Owner>;
}

function indexOf(models: ModelCatalog | undefined): DeploymentIndex {
  const index: DeploymentIndex = { accessGroups: new Map(), owners: new Map() };
  for (const d of models?.deployments() ?? []) {
    const groups = d.modelInfo.access_groups;
    if (Array.isArray(groups)) {
      for (const g of groups) {
        if (typeof g !== 'string') continue;
        let names = index.accessGroups.get(g);
        if (!names) index.accessGroups.set(g, (names = new Set()));
        names.add(d.modelName);
      }
    }
    const team = d.modelInfo.team_id;
    if (typeof team === 'string' && team !== '') {
      const name = d.modelInfo.team_public_model_name;
      index.owners.set(d.modelName, { team, publicName: typeof name === 'string' && name !== '' ? name : d.modelName });
    }
  }
  return index;
}

const MAX_REMEMBERED = 1_000;

const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|1)$/i.test(v));

export function principalModelAccess(models: ModelCatalog | undefined): ModelAccess {
  let index = indexOf(models);
  let version = 0;
  models?.onChange(() => {
    index = indexOf(models);
    version++;
  });
  const remembered = new WeakMap<Principal, { version: number; answers: Map<string, boolean> }>();

  const listAllows = (list: readonly string[], model: string, owner: Owner | undefined, level: 'key' | 'team' | 'project' | 'user', principal: Principal): boolean => {
    if (list.length === 0 || list.includes(ALL_PROXY_MODELS)) return true;
    if (list.includes(model) || (owner !== undefined && list.includes(owner.publicName))) return true;
    // LiteLLM's wildcard entries: `anthropic/*` allows every model named `anthropic/…`.
    if (list.some((entry) => entry.endsWith('*') && model.startsWith(entry.slice(0, -1)))) return true;
    if (level === 'key' && list.includes(ALL_TEAM_MODELS)) return true; // the team's list decides
    if (level === 'team' && owner !== undefined && owner.team === principal.teamId) return true;
    for (const entry of list) if (index.accessGroups.get(entry)?.has(model)) return true;
    return false;
  };

  /** 'key' / 'team' / 'project' / 'user': the list that refuses; undefined: allowed. */
  const refusal = (principal: Principal, model: string): 'key' | 'team' | 'project' | 'user' | undefined => {
    const owner = index.owners.get(model);
    if (owner !== undefined && owner.team !== principal.teamId && principal.role !== 'proxy_admin') return 'key';
    const lists = LISTS.get(principal);
    if (!lists) return principal.models && !listAllows(principal.models, model, owner, 'key', principal) ? 'key' : undefined;
    if (!listAllows(lists.key, model, owner, 'key', principal)) return 'key';
    if (lists.team && !listAllows(lists.team, model, owner, 'team', principal)) return 'team';
    if (lists.project && !listAllows(lists.project, model, owner, 'project', principal)) return 'project';
    if (lists.user && !listAllows(lists.user, model, owner, 'user', principal)) return 'user';
    return undefined;
  };

  const unrestricted = (principal: Principal) =>
    index.owners.size === 0 && !LISTS.has(principal) && (!principal.models || principal.models.length === 0);

  const allowed = (principal: Principal, model: string): boolean => {
    let memo = remembered.get(principal);
    if (!memo || memo.version !== version) remembered.set(principal, (memo = { version, answers: new Map() }));
    let ok = memo.answers.get(model);
    if (ok === undefined) {
      ok = refusal(principal, model) === undefined;
      if (memo.answers.size < MAX_REMEMBERED) memo.answers.set(model, ok);
    }
    return ok;
  };

  /** `/v1/models?only_model_access_groups=True`: the access groups the principal may use, as listings. */
  const accessGroupListings = (principal: Principal, listed: readonly ModelListing[]): ModelListing[] => {
    const lists = LISTS.get(principal);
    const named = lists ? [lists.key, lists.team ?? [], lists.project ?? []].flat() : (principal.models ?? []);
    const all = named.length === 0 || named.includes(ALL_PROXY_MODELS);
    const template = listed[0] ?? { object: 'model' as const, created: 1_677_610_602, owned_by: 'openai' };
    return [...index.accessGroups.keys()].filter((g) => all || named.includes(g)).map((id) => ({ ...template, id }));
  };

  return {
    checkCall(principal, model) {
      if (unrestricted(principal) || allowed(principal, model)) return;
      const lists = LISTS.get(principal);
      const refused = refusal(principal, model);
      if (refused === 'team' && lists?.team) {
        throw KeyErrors.TEAM_MODEL_NOT_ALLOWED({ model, team: principal.teamId ?? 'None', allowed: JSON.stringify(lists.team) });
      }
      if (refused === 'user' && lists?.user) throw KeyErrors.USER_MODEL_NOT_ALLOWED({ model, allowed: JSON.stringify(lists.user) });
      throw KeyErrors.MODEL_NOT_ALLOWED({ model, allowed: JSON.stringify(lists?.key ?? principal.models ?? []) });
    },
    visibleModels(principal, listed, query) {
      if (query !== undefined && truthy(query.only_model_access_groups)) return accessGroupListings(principal, listed);
      if (unrestricted(principal)) return listed;
      const out: ModelListing[] = [];
      const shown = new Set<string>();
      for (const m of listed) {
        if (!allowed(principal, m.id)) continue;
        const owner = index.owners.get(m.id);
        const id = owner !== undefined && owner.team === principal.teamId ? owner.publicName : m.id;
        if (shown.has(id)) continue;
        shown.add(id);
        out.push(id === m.id ? m : { ...m, id });
      }
      return out;
    },
  };
}
