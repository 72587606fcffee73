/**
 * Who may set each key and team field, and who may lift a control once set — as data, in one
 * place. The model is LiteLLM's `upperbound_key_generate_params`: a caller may always make a record
 * stricter, but may make it looser than a control only when it ranks at least as high as whoever
 * set that control. Each record keeps, per control field, the role that last set it
 * (`controls_set_by`, a column no client can write); a field it does not name is anyone's.
 *
 * "Looser" is defined per field: a higher or removed ceiling, a shorter model list made longer, a
 * guardrail dropped, a key unblocked, spend lowered, a binding (user, team, organization,
 * project, budget) changed. Switching a guardrail off (`permissions: {name: false}` or
 * `allow_request_<name>_off: true`) is a proxy admin's call whoever set the record. Bindings are
 * checked again by what they point at (key-bindings.ts).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Principal, Role } from '@sluice/plugin-sdk';
import { TenancyErrors } from './errors.js';

/** The record field that says who set each control: `{ "max_budget": "proxy_admin" }`. */
export const SETTERS_FIELD = 'controls_set_by';
export type Setters = Record<string, Role>;

/** Higher lifts what lower set; viewers and customers write nothing. */
const RANK: Record<Role, number> = {
  proxy_admin: 4,
  org_admin: 3,
  team_admin: 2,
  internal_user: 1,
  internal_user_viewer: 0,
  proxy_admin_viewer: 0,
  customer: 0,
};
export const rankOf = (role: Role | undefined): number => (role ? RANK[role] ?? 0 : 0);

/** Whether `after` is looser than `before` (both already type-checked by the field checks). */
type Looser = (before: unknown, after: unknown) => boolean;

interface FieldPolicy {
  /** Roles that may set the field at all; omitted = every role that may write the record. */
  setBy?: readonly Role[];
  /** The field is a control: a caller ranked below its setter may not make it looser. */
  looser?: Looser;
  /** Controls this field also loosens (spend lifts the budget): their setters count too. */
  lifts?: readonly string[];
  /** Loosening needs at least this role, whoever set the field (guardrail switch-offs). */
  loosenedOnlyBy?: Role;
  /**
   * Entries of an object field only a proxy admin may set or change, whoever set the record
   * (`metadata.secret_manager_settings`: where the gateway writes a team's keys, with which
   * cloud role; anyone lower could make the gateway act as a role of their choosing).
   */
  proxyAdminOnly?: readonly string[];
  /**
   * Entries of an object field only these roles (acting on the record) may set or change: a key's
   * `metadata.logging` sends its calls, with credentials, to a destination of the writer's choosing.
   */
  partsSetBy?: Readonly<Record<string, readonly Role[]>>;
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A limit: null = none. Raising or removing it is looser. */
const ceiling: Looser = (b, a) => num(b) !== null && (num(a) === null || num(a)! > num(b)!);
/** A list of permissions (allowed cache controls): allowing one the old list did not is looser. */
const widens: Looser = (b, a) => list(a).some((x) => !list(b).includes(x));
/** Any change is looser (what it points at decides the limits). */
const locked: Looser = (b, a) => !isDeepStrictEqual(b ?? null, a ?? null);
/** Guardrails, enforced params, tags: dropping one is looser, adding one is not. */
const keepsAll: Looser = (b, a) => list(b).some((x) => !list(a).includes(x));
/** Models: empty = every model. Allowing a model the old list did not is looser. */
const modelList: Looser = (b, a) => list(b).length > 0 && (list(a).length === 0 || list(a).some((m) => !list(b).includes(m)));
/** Per-model limits `{model: n}` or `{model: {budget_limit, time_period}}`: each must stay, no higher. */
const perModel: Looser = (b, a) =>
  Object.entries(obj(b)).some(([model, limit]) => {
    const next = obj(a)[model];
    if (typeof limit === 'number') return ceiling(limit, next ?? null);
    const { budget_limit, time_period } = obj(limit);
    return next === undefined || ceiling(budget_limit, obj(next).budget_limit ?? null) || obj(next).time_period !== time_period;
  });
const unblocks: Looser = (b, a) => b === true && a !== true;
/** Spend: lowering it gives a budget back. */
const lowered: Looser = (b, a) => (num(a) ?? 0) < (num(b) ?? 0);
/** A temporary increase: granting or raising one is looser. */
const raised: Looser = (b, a) => (num(a) ?? 0) > (num(b) ?? 0);

/** A `permissions` entry that switches a guardrail off for the key (or lets a request do it). */
const switchesOff = (name: string, value: unknown) => value === false || (name.startsWith('allow_') && value === true);
/** Dropping a guardrail switched on, or switching one off, is looser. */
const permissionsLooser: Looser = (b, a) => {
  const before = obj(b);
  const after = obj(a);
  const dropsOn = Object.entries(before).some(([k, v]) => !switchesOff(k, v) && v === true && after[k] !== true);
  const addsOff = Object.entries(after).some(([k, v]) => switchesOff(k, v) && before[k] !== v);
  return dropsOn || addsOff;
};
/** Only the switch-offs: those need a proxy admin whoever set the record. */
const addsSwitchOff: Looser = (b, a) => Object.entries(obj(a)).some(([k, v]) => switchesOff(k, v) && obj(b)[k] !== v);
/** An IP allow-list (`metadata.allowed_ips`): removing it, or allowing an address it did not, is looser. */
const ipsWidened: Looser = (b, a) => list(b).length > 0 && (list(a).length === 0 || widens(b, a));
/** Team metadata carries the team's `permissions`, `guardrails` and `allowed_ips` (read at auth). */
const teamMetadataLooser: Looser = (b, a) =>
  permissionsLooser(obj(b).permissions, obj(a).permissions) || keepsAll(obj(b).guardrails, obj(a).guardrails) || ipsWidened(obj(b).allowed_ips, obj(a).allowed_ips);
/** Key metadata carries the key's `allowed_ips` (read at auth). */
const keyMetadataLooser: Looser = (b, a) => ipsWidened(obj(b).allowed_ips, obj(a).allowed_ips);
const teamMetadataSwitchOff: Looser = (b, a) => addsSwitchOff(obj(b).permissions, obj(a).permissions);

const BUDGET_CONTROLS = ['max_budget', 'budget_id', 'model_max_budget', 'budget_duration'];

/** Key fields (/key/generate, /key/update, /key/regenerate, /key/block, /key/unblock). */
export const KEY_FIELDS: Record<string, FieldPolicy> = {
  key_alias: {},
  // LiteLLM's key-based logging: the proxy admin, or an admin of the key's organization or team.
  metadata: { looser: keyMetadataLooser, partsSetBy: { logging: ['proxy_admin', 'org_admin', 'team_admin'] } },
  soft_budget: {},
  models: { looser: modelList },
  max_budget: { looser: ceiling },
  rpm_limit: { looser: ceiling },
  tpm_limit: { looser: ceiling },
  max_parallel_requests: { looser: ceiling },
  model_max_budget: { looser: perModel },
  model_rpm_limit: { looser: perModel },
  model_tpm_limit: { looser: perModel },
  budget_duration: { looser: locked, lifts: ['max_budget'] },
  budget_id: { looser: locked },
  spend: { looser: lowered, lifts: BUDGET_CONTROLS },
  temp_budget_increase: { looser: raised, lifts: BUDGET_CONTROLS },
  temp_budget_expiry: { looser: locked, lifts: ['temp_budget_increase'] },
  expires_at: { looser: ceiling },
  blocked: { looser: unblocks },
  guardrails: { looser: keepsAll },
  enforced_params: { looser: keepsAll },
  tags: { looser: keepsAll },
  permissions: { looser: permissionsLooser, loosenedOnlyBy: 'proxy_admin' },
  user_id: { looser: locked },
  team_id: { looser: locked },
  organization_id: { looser: locked },
  project_id: { looser: locked },
  // LiteLLM fields (migration 0007). Aliases rename models: the model allow-list still judges the target.
  aliases: {},
  allowed_cache_controls: { looser: widens },
  config: {},
  allowed_routes: {},
  key_type: {},
  object_permission: {},
  send_invite_email: {},
  auto_rotate: {},
  rotation_interval: {},
};

const TEAM_ADMINS: Role[] = ['proxy_admin', 'org_admin', 'team_admin'];
const ORG_ADMINS: Role[] = ['proxy_admin', 'org_admin'];

/** Team fields (/team/new, /team/update). A team admin manages members, keys and projects: only the alias is its. */
export const TEAM_FIELDS: Record<string, FieldPolicy> = {
  team_alias: { setBy: TEAM_ADMINS },
  organization_id: { setBy: ORG_ADMINS, looser: locked },
  models: { setBy: ORG_ADMINS, looser: modelList },
  max_budget: { setBy: ORG_ADMINS, looser: ceiling },
  soft_budget: { setBy: ORG_ADMINS },
  budget_duration: { setBy: ORG_ADMINS, looser: locked, lifts: ['max_budget'] },
  rpm_limit: { setBy: ORG_ADMINS, looser: ceiling },
  tpm_limit: { setBy: ORG_ADMINS, looser: ceiling },
  max_parallel_requests: { setBy: ORG_ADMINS, looser: ceiling },
  model_rpm_limit: { setBy: ORG_ADMINS, looser: perModel },
  model_tpm_limit: { setBy: ORG_ADMINS, looser: perModel },
  guardrails: { setBy: ORG_ADMINS, looser: keepsAll },
  tags: { setBy: ORG_ADMINS, looser: keepsAll },
  metadata: { setBy: ORG_ADMINS, looser: teamMetadataLooser, loosenedOnlyBy: 'proxy_admin', proxyAdminOnly: ['secret_manager_settings'] },
  blocked: { setBy: ORG_ADMINS, looser: unblocks },
};

/** Fields whose `loosenedOnlyBy` judges a narrower change than `looser` (only the switch-offs). */
const SWITCH_OFF: Record<string, Looser> = { permissions: addsSwitchOff, metadata: teamMetadataSwitchOff };

function refuse(p: Principal, field: string, reason: string) {
  return TenancyErrors.FORBIDDEN({ reason: `${reason} Your role is ${p.role}` }, { param: field });
}

const shown = (v: unknown) => JSON.stringify(v ?? null);

/**
 * Throws 403 when `p`, acting on this record as `role` (rbac.ts `actingRole`), may not change it
 * from `before` to `after` for the fields in `changed`. `before` is the stored record (on create:
 * the record's defaults), `setters` its `controls_set_by`.
 */
export function assertFieldChanges(
  p: Principal,
  role: Role,
  policy: Record<string, FieldPolicy>,
  changed: readonly string[],
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  setters: Setters,
): void {
  const rank = rankOf(role);
  for (const field of changed) {
    const rule = policy[field];
    if (!rule) continue;
    if (rule.setBy && !rule.setBy.includes(role)) {
      throw refuse(p, field, `Only ${rule.setBy.join(', ')} can set ${field}.`);
    }
    for (const part of rule.proxyAdminOnly ?? []) {
      if (rank < RANK.proxy_admin && !isDeepStrictEqual(obj(before[field])[part] ?? null, obj(after[field])[part] ?? null)) {
        throw refuse(p, `${field}.${part}`, `Only a proxy_admin can set ${part}.`);
      }
    }
    for (const [part, roles] of Object.entries(rule.partsSetBy ?? {})) {
      if (!roles.includes(role) && !isDeepStrictEqual(obj(before[field])[part] ?? null, obj(after[field])[part] ?? null)) {
        throw refuse(p, `${field}.${part}`, `Only ${roles.join(', ')} can set ${field}.${part}.`);
      }
    }
    if (!rule.looser?.(before[field], after[field])) continue;
    const onlyBy = rule.loosenedOnlyBy;
    if (onlyBy && rank < rankOf(onlyBy) && (SWITCH_OFF[field] ?? rule.looser)(before[field], after[field])) {
      throw refuse(p, field, `Only a ${onlyBy} can switch a guardrail off (${field}=${shown(after[field])}).`);
    }
    const setBy = [field, ...(rule.lifts ?? [])].map((f) => setters[f]).filter((r): r is Role => !!r);
    const highest = setBy.sort((x, y) => rankOf(y) - rankOf(x))[0];
    if (highest && rankOf(highest) > rank) {
      throw refuse(p, field, `${field} is limited by a ${highest} on this record: it can only be made stricter - user_value=${shown(after[field])}; max_value=${shown(before[field])}.`);
    }
  }
}

/**
 * The setters after a caller acting as `role` changed `changed`: a control it set is now its own,
 * unless it only tightened one a higher role set (that role still decides who may lift it).
 */
export function settersAfter(role: Role, policy: Record<string, FieldPolicy>, changed: readonly string[], setters: Setters): Setters {
  const next: Setters = { ...setters };
  for (const field of changed) {
    if (policy[field]?.looser && rankOf(role) >= rankOf(next[field])) next[field] = role;
  }
  return next;
}

/** The fields of `patch` that `policy` governs and whose value differs from `before`. */
export function changedFields(policy: Record<string, FieldPolicy>, patch: Record<string, unknown>, before: Record<string, unknown>): string[] {
  return Object.keys(patch).filter((f) => f in policy && !isDeepStrictEqual(patch[f] ?? null, before[f] ?? null));
}
