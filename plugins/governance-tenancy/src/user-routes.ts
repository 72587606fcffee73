/**
 * LiteLLM's internal users: /user/new (which also issues the user a key unless
 * `auto_create_key` is false), /user/info, /user/update, /user/delete, /user/list. Every field
 * of LiteLLM's NewUserRequest / UpdateUserRequest is accepted (null where LiteLLM takes None):
 * those that mean something here act, the rest are stored and echoed (`litellm_fields`).
 */
import { randomUUID, randomBytes } from 'node:crypto';
import { type Principal, type RouteDefinition, type RouteRequest } from '@sluice/plugin-sdk';
import type { GovernanceTenancyConfig } from './config.generated.js';
import { entityView, newLimits, nextReset, type UserRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { KeyErrors, TenancyErrors } from './errors.js';
import {
  bool,
  budget,
  durationString,
  first,
  idList,
  invalid,
  lifetimeMs,
  lifetimeString,
  LIMIT_FIELDS,
  modelAliases,
  modelLimits,
  modelMaxBudget,
  nullableBool,
  nullableObject,
  nullableString,
  object,
  orUnset,
  parseFields,
  positiveInt,
  stringList,
  type Check,
} from './field-checks.js';
import { KEY_FIELDS, type Setters } from './field-policy.js';
import { hashKey, keyNameOf, keyView, newRecord, type KeyFields } from './key-record.js';
import { accessOf, assertManage, assertRead, forbidden, readsEverything, type Target } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';
import { membershipView } from './membership-store.js';

export const USER_ROLES = ['proxy_admin', 'proxy_admin_viewer', 'internal_user', 'internal_user_viewer', 'org_admin'] as const;
/** Roles an org admin may hand out. */
const DELEGABLE_ROLES = ['internal_user', 'internal_user_viewer'];
/** LiteLLM applies `default_internal_user_params` to users created with these roles. */
const INTERNAL_ROLES = ['internal_user', 'internal_user_viewer'];

const userRole: Check = (v, f) => {
  if (typeof v === 'string' && (USER_ROLES as readonly string[]).includes(v)) return v;
  throw invalid(f, `expected one of ${USER_ROLES.join(', ')}`);
};

/** Columns of the user record. */
const FIELDS: Record<string, Check> = {
  user_email: nullableString,
  user_alias: nullableString,
  user_role: orUnset(userRole),
  models: orUnset(stringList),
  metadata: orUnset(object),
  spend: orUnset(budget),
  team_id: nullableString,
  sso_user_id: nullableString,
  ...LIMIT_FIELDS,
};

/** LiteLLM fields kept in `litellm_fields` and shown as fields of the user. */
const STORED: Record<string, Check> = {
  aliases: orUnset(modelAliases),
  config: orUnset(object),
  allowed_cache_controls: orUnset(stringList),
  permissions: orUnset(object),
  model_max_budget: orUnset(modelMaxBudget),
  model_rpm_limit: orUnset(modelLimits),
  model_tpm_limit: orUnset(modelLimits),
  guardrails: orUnset(stringList),
  blocked: nullableBool,
  object_permission: nullableObject,
  send_invite_email: nullableBool,
};

/** GenerateKeyResponse fields /user/new answers with null under `auto_create_key: false`. */
const NO_KEY_FIELDS = ['key', 'key_name', 'key_alias', 'expires', 'token', 'token_id', 'duration', 'litellm_budget_table', 'created_by', 'updated_by', 'budget_id', 'tags', 'enforced_params', 'allowed_routes', 'aliases', 'config', 'permissions', 'allowed_cache_controls', 'model_rpm_limit', 'model_tpm_limit', 'guardrails', 'blocked', 'object_permission'];

/** Read by /user/new itself. */
const NEW_EXTRA = ['user_id', 'teams', 'organizations', 'organization_id', 'auto_create_key', 'key_alias', 'duration'];

/** `teams`: team ids, or LiteLLM's `{team_id, max_budget_in_team, user_role}` objects. */
interface TeamRequest {
  team_id: string;
  role: 'user' | 'admin';
  max_budget_in_team?: number | null;
}

function teamRequests(v: unknown): TeamRequest[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid('teams', 'expected a list of team ids or {"team_id", "max_budget_in_team", "user_role"} objects');
  return v.map((t) => {
    if (typeof t === 'string' && t.length > 0) return { team_id: t, role: 'user' };
    const o = t as Record<string, unknown> | null;
    if (o && typeof o === 'object' && typeof o.team_id === 'string' && o.team_id.length > 0) {
      const role = o.user_role ?? 'user';
      if (role !== 'user' && role !== 'admin') throw invalid('teams', 'user_role in a team is "user" or "admin"');
      return { team_id: o.team_id, role, max_budget_in_team: budget(o.max_budget_in_team ?? null, 'teams.max_budget_in_team') as number | null };
    }
    throw invalid('teams', 'expected a list of team ids or {"team_id", "max_budget_in_team", "user_role"} objects');
  });
}

/** `default_internal_user_params` + `max_internal_user_budget` + `internal_user_budget_duration`, checked at load. */
export function internalUserDefaults(config: GovernanceTenancyConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const checks: Record<string, Check> = { ...FIELDS, ...STORED };
  for (const [name, value] of Object.entries(config.default_internal_user_params ?? {})) {
    if (name === 'available_teams' || value === null || value === undefined) continue;
    const check = checks[name];
    if (!check) throw invalid(`default_internal_user_params.${name}`, 'not a field of /user/new');
    out[name] = check(value, `default_internal_user_params.${name}`);
  }
  if (config.max_internal_user_budget !== undefined && config.max_internal_user_budget !== null && out.max_budget === undefined) {
    out.max_budget = budget(config.max_internal_user_budget, 'max_internal_user_budget');
  }
  if (config.internal_user_budget_duration && out.budget_duration === undefined) {
    out.budget_duration = durationString(config.internal_user_budget_duration, 'internal_user_budget_duration');
  }
  return out;
}

/** LiteLLM_UserTable as /user/* show it. */
function userView(u: UserRecord, teams: string[], orgs: Array<{ organization_id: string; user_role: string }> = []): Record<string, unknown> {
  const { litellm_fields, ...record } = u;
  const stored = litellm_fields ?? {};
  return {
    ...entityView(record as UserRecord),
    team_id: u.team_id ?? null,
    sso_user_id: u.sso_user_id ?? null,
    model_max_budget: {},
    model_spend: {},
    object_permission: null,
    ...stored,
    organization_memberships: orgs.map((o) => ({
      user_id: u.user_id,
      organization_id: o.organization_id,
      user_role: o.user_role,
      spend: 0,
      budget_id: null,
      created_at: entityView(u).created_at,
      updated_at: entityView(u).updated_at,
    })),
    teams,
  };
}

export function userRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged, invalidateKeys, settings } = deps;

  const targetOf = async (userId: string): Promise<Target> => {
    const [teams, orgs] = await Promise.all([stores.members.teamsOf(userId), stores.members.orgsOf(userId)]);
    const teamRecords = await stores.teams.findMany(teams.map((t) => t.team_id));
    return {
      userId,
      teams: teams.map((t) => t.team_id),
      organizations: [...orgs.map((o) => o.organization_id), ...teamRecords.map((t) => t.organization_id)],
    };
  };

  const checkDelegation = (p: Principal, role: unknown, orgs: string[]) => {
    if (p.role === 'proxy_admin') return;
    if (role !== undefined && !DELEGABLE_ROLES.includes(role as string)) throw forbidden(p, `give the role ${String(role)}`);
    const mine = p.adminOf?.organizations ?? [];
    const foreign = orgs.find((o) => !mine.includes(o));
    // LiteLLM's wording and status (organization_role_based_access_check on management create routes).
    if (foreign !== undefined) throw TenancyErrors.NOT_ORG_MEMBER({ org: foreign }, { param: 'organization_id' });
    if (orgs.length === 0 || !orgs.every((o) => mine.includes(o))) throw forbidden(p, 'create users outside the organizations it administers');
  };

  const findUser = async (input: Record<string, unknown>): Promise<UserRecord | undefined> => {
    if (typeof input.user_id === 'string' && input.user_id) return stores.users.find(input.user_id);
    if (typeof input.user_email === 'string' && input.user_email) {
      const { records } = await stores.users.list({ user_email: input.user_email }, 1, 1);
      if (records[0]) return records[0];
      throw TenancyErrors.NOT_FOUND({ entity: 'User', field: 'user_email', id: input.user_email }, { param: 'user_email' });
    }
    throw invalid('user_id', 'Either user id or user email must be provided');
  };

  const viewOf = async (u: UserRecord) => {
    const [teams, orgs] = await Promise.all([stores.members.teamsOf(u.user_id), stores.members.orgsOf(u.user_id)]);
    return userView(u, teams.map((t) => t.team_id), orgs);
  };

  /** Splits checked fields into record columns and `litellm_fields`. */
  const parseUser = (body: unknown, route: string, extra: readonly string[]) => {
    const { input, fields } = parseFields(body, route, { ...FIELDS, ...STORED }, extra);
    const columns: Record<string, unknown> = {};
    const stored: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) (k in STORED ? stored : columns)[k] = v;
    return { input, columns, stored };
  };

  return [
    {
      method: 'POST',
      url: '/user/new',
      access: accessOf('/user/new'),
      summary: 'Create an internal user (and a key for it unless auto_create_key is false)',
      handler: async (req) => {
        const p = req.principal!;
        const { input, columns, stored } = parseUser(req.body, '/user/new', NEW_EXTRA);
        const userId = input.user_id === undefined ? randomUUID() : (nullableString(input.user_id, 'user_id') as string | null) ?? randomUUID();
        const teamReqs = teamRequests(input.teams);
        const teamId = columns.team_id as string | null | undefined;
        if (teamId && !teamReqs.some((t) => t.team_id === teamId)) teamReqs.push({ team_id: teamId, role: 'user' });
        const teams = teamReqs.map((t) => t.team_id);
        const orgs = input.organizations === undefined || input.organizations === null ? [] : (stringList(input.organizations, 'organizations') as string[]);
        // LiteLLM's org-admin flow names the organization as `organization_id` (the user joins it).
        const orgId = nullableString(input.organization_id ?? null, 'organization_id') as string | null;
        if (orgId && !orgs.includes(orgId)) orgs.push(orgId);
        const autoKey = input.auto_create_key === undefined || input.auto_create_key === null ? true : (bool(input.auto_create_key, 'auto_create_key') as boolean);
        const keyAlias = nullableString(input.key_alias ?? null, 'key_alias') as string | null;
        const duration = lifetimeString(input.duration ?? null, 'duration') as string | null;
        // LiteLLM: an internal user created without a value takes default_internal_user_params.
        if (settings && INTERNAL_ROLES.includes(columns.user_role as string)) {
          for (const [name, value] of Object.entries(settings.internalUserDefaults)) {
            const target = name in STORED ? stored : columns;
            const current = target[name];
            if (current === undefined || current === null || (name === 'models' && Array.isArray(current) && current.length === 0)) target[name] = structuredClone(value);
          }
        }
        checkDelegation(p, columns.user_role, orgs);
        const teamRecords = await stores.teams.findMany(teams);
        const missing = teams.find((t) => !teamRecords.some((r) => r.team_id === t));
        if (missing) throw TenancyErrors.NOT_FOUND({ entity: 'Team', field: 'team_id', id: missing }, { param: teamId === missing ? 'team_id' : 'teams' });
        for (const o of orgs) await mustFind(stores.organizations, o, 'organization_id');
        if (p.role !== 'proxy_admin' && teamRecords.some((t) => !t.organization_id || !p.adminOf?.organizations.includes(t.organization_id))) {
          throw forbidden(p, 'add users to teams outside its organizations');
        }
        if (autoKey && keyAlias && (await stores.keys.aliasTaken(keyAlias))) throw KeyErrors.ALIAS_TAKEN({ alias: keyAlias });
        const now = ctx.now();
        const user = {
          user_email: null,
          user_alias: null,
          user_role: 'internal_user',
          models: [],
          metadata: {},
          team_id: null,
          sso_user_id: null,
          ...newLimits(columns, now),
          litellm_fields: stored,
          user_id: userId,
        } as UserRecord;
        try {
          await stores.users.insert(user);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'User', id: userId, field: 'user_id' }, { param: 'user_id' });
          throw err;
        }
        for (const t of teamReqs) {
          await stores.members.upsertTeamMember(t.team_id, { user_id: userId, user_email: user.user_email, role: t.role });
          if (t.max_budget_in_team !== undefined && t.max_budget_in_team !== null) await stores.members.setMemberLimits(t.team_id, userId, { max_budget: t.max_budget_in_team });
        }
        for (const o of orgs) await stores.members.upsertOrgMember({ organization_id: o, user_id: userId, user_email: user.user_email, user_role: user.user_role });
        const shown = userView(user, teams, orgs.map((o) => ({ organization_id: o, user_role: user.user_role })));
        audit(req, 'user.new', 'user', userId, undefined, shown);
        // LiteLLM's NewUserResponse carries GenerateKeyResponse's fields: null when no key is issued.
        let key: Record<string, unknown> = Object.fromEntries(NO_KEY_FIELDS.map((f) => [f, null]));
        if (autoKey) {
          // LiteLLM's /user/new issues the user a key carrying the request's key fields (its budget stays the user's).
          const plain = `sk-${randomBytes(16).toString('base64url')}`;
          const fields: KeyFields = {
            user_id: userId,
            team_id: teamId ?? null,
            key_alias: keyAlias,
            models: user.models,
            metadata: user.metadata,
            tpm_limit: user.tpm_limit,
            rpm_limit: user.rpm_limit,
            max_parallel_requests: user.max_parallel_requests,
            ...(stored as KeyFields),
            created_by: p.userId ?? p.id,
            updated_by: p.userId ?? p.id,
          };
          delete (fields as Record<string, unknown>).send_invite_email;
          if (duration !== null) fields.expires_at = now + lifetimeMs(duration)!;
          const record = newRecord(hashKey(plain), keyNameOf(plain), fields, now);
          // What the admin set is the admin's: the user may keep or tighten it, not lift it.
          const setters: Setters = {};
          for (const [name, value] of Object.entries(fields)) if (KEY_FIELDS[name]?.looser && value !== null && value !== undefined) setters[name] = p.role;
          if (duration !== null) setters.expires_at = p.role;
          record.controls_set_by = setters;
          await stores.keys.insert(record);
          await invalidateKeys([record.token]);
          audit(req, 'key.generate', 'virtual_key', record.token, undefined, keyView(record));
          key = { ...keyView(record), duration, key: plain };
        }
        await entityChanged('user', userId);
        return { body: { ...key, ...shown, ...(autoKey ? {} : { key: null }), team_id: teamId ?? null } };
      },
    },
    {
      method: 'GET',
      url: '/user/info',
      access: accessOf('/user/info'),
      summary: "A user's record, keys and teams",
      handler: async (req) => {
        const p = req.principal!;
        const userId = first(req.query.user_id) ?? p.userId;
        if (!userId) throw invalid('user_id', 'user_id is required');
        const user = await mustFind(stores.users, userId);
        const target = await targetOf(userId);
        assertRead(p, 'user', target, 'view this user');
        const [{ records: keys }, teams, orgs] = await Promise.all([
          stores.keys.list({ user_id: userId }, 1, 1_000),
          stores.teams.findMany(target.teams as string[]),
          stores.members.orgsOf(userId),
        ]);
        return {
          body: {
            user_id: userId,
            user_info: userView(user, target.teams as string[], orgs),
            keys: keys.map(keyView),
            // Each team with the user's membership there (its budget in the team, its spend).
            teams: await Promise.all(teams.map(async (t) => ({ ...entityView(t), team_memberships: (await stores.members.memberships(userId, t.team_id)).map(membershipView) }))),
          },
        };
      },
    },
    {
      method: 'POST',
      url: '/user/update',
      access: accessOf('/user/update'),
      summary: 'Change a user (partial update; a proxy admin naming an unknown user_id creates it, as LiteLLM upserts)',
      handler: async (req) => {
        const p = req.principal!;
        const { input, columns, stored } = parseUser(req.body, '/user/update', ['user_id', 'key_alias', 'duration', 'password']);
        if (input.password !== undefined && input.password !== null) {
          throw invalid('password', 'Sluice has no password login for users (sign in with SSO or a key); the password is not stored');
        }
        const now = ctx.now();
        let before = await findUser(input);
        if (!before) {
          const userId = input.user_id as string;
          if (p.role !== 'proxy_admin') throw TenancyErrors.NOT_FOUND({ entity: 'User', field: 'user_id', id: userId }, { param: 'user_id' });
          before = { user_email: null, user_alias: null, user_role: 'internal_user', models: [], metadata: {}, team_id: null, sso_user_id: null, ...newLimits({}, now), litellm_fields: {}, user_id: userId } as UserRecord;
          await stores.users.insertIfAbsent(before);
        }
        assertManage(p, 'user', await targetOf(before.user_id), 'update this user');
        if (p.role !== 'proxy_admin' && columns.user_role !== undefined && !DELEGABLE_ROLES.includes(columns.user_role as string)) {
          throw forbidden(p, `give the role ${String(columns.user_role)}`);
        }
        if ('budget_duration' in columns) columns.budget_reset_at = nextReset(columns.budget_duration as string | null, ctx.now());
        if (Object.keys(stored).length > 0) columns.litellm_fields = { ...(before.litellm_fields ?? {}), ...stored };
        const after = (await stores.users.update(before.user_id, { ...columns, updated_at: now } as Partial<UserRecord>))!;
        await entityChanged('user', before.user_id);
        const [beforeView, afterView] = [await viewOf(before), await viewOf(after)];
        audit(req, 'user.update', 'user', before.user_id, beforeView, afterView);
        // LiteLLM answers `{"user_id", "data": <user>}`; the user's fields are also at the top, as Sluice answered before.
        return { body: { ...afterView, user_id: after.user_id, data: afterView } };
      },
    },
    {
      method: 'POST',
      url: '/user/delete',
      access: accessOf('/user/delete'),
      summary: 'Delete users (and their keys)',
      handler: async (req) => {
        const p = req.principal!;
        const input = parseFields(req.body, '/user/delete', {}, ['user_ids']).input;
        const ids = idList(input, 'user_ids');
        const users = [];
        for (const id of ids) {
          const u = await mustFind(stores.users, id);
          assertManage(p, 'user', await targetOf(id), 'delete this user');
          users.push(u);
        }
        const owned = await stores.keys.tokensWhere('user_id', ids);
        await stores.keys.delete(owned);
        await stores.members.dropUsers(ids);
        await stores.users.delete(ids);
        await invalidateKeys(owned);
        await entityChanged('user', ids.join(','));
        for (const u of users) audit(req, 'user.delete', 'user', u.user_id, entityView(u), undefined);
        return { body: { deleted_users: ids, deleted_keys: owned.length } };
      },
    },
    {
      method: 'GET',
      url: '/user/list',
      access: accessOf('/user/list'),
      summary: 'List users, paginated (LiteLLM_UserTable with key_count)',
      handler: async (req: RouteRequest) => {
        const p = req.principal!;
        const page = positiveInt(first(req.query.page), 'page', 1);
        const size = positiveInt(first(req.query.page_size), 'page_size', 25, 100);
        const filter: Record<string, string | string[] | { contains: string } | undefined> = {};
        const role = first(req.query.role);
        if (role) filter.user_role = role;
        const ids = first(req.query.user_ids);
        if (ids) filter.user_id = ids.split(',');
        // LiteLLM's `sso_user_ids` (comma-separated, exact) and `user_email` (partial, case-insensitive).
        const ssoIds = first(req.query.sso_user_ids);
        if (ssoIds) filter.sso_user_id = ssoIds.split(',');
        const email = first(req.query.user_email);
        if (email) filter.user_email = { contains: email };
        if (!readsEverything(p)) {
          // Org and team admins see the members of what they administer.
          const visible = new Set<string>();
          for (const m of (await stores.members.orgMembers(p.adminOf?.organizations ?? [])).values()) for (const x of m) visible.add(x.user_id);
          for (const m of (await stores.members.teamMembers(p.adminOf?.teams ?? [])).values()) for (const x of m) visible.add(x.user_id);
          const wanted = filter.user_id as string[] | undefined;
          filter.user_id = [...visible].filter((u) => !wanted || wanted.includes(u));
        }
        const { records, total } = await stores.users.list(filter, page, size);
        const users = [];
        for (const u of records) users.push({ ...(await viewOf(u)), key_count: await stores.keys.countBy('user_id', [u.user_id]) });
        return { body: { users, total, page, page_size: size, total_pages: Math.ceil(total / size) } };
      },
    },
  ];
}
