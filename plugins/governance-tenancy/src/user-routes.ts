/**
 * LiteLLM's internal users: /user/new (which also issues the user a key unless
 * `auto_create_key` is false), /user/info, /user/update, /user/delete, /user/list.
 */
import { randomUUID, randomBytes } from 'node:crypto';
import type { Principal, RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { entityView, newLimits, type UserRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { bool, first, idList, invalid, LIMIT_FIELDS, nullableString, object, parseFields, positiveInt, stringList, type Check } from './field-checks.js';
import { hashKey, keyNameOf, keyView, newRecord } from './key-record.js';
import { accessOf, assertManage, assertRead, forbidden, readsEverything, type Target } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

export const USER_ROLES = ['proxy_admin', 'proxy_admin_viewer', 'internal_user', 'internal_user_viewer', 'org_admin'] as const;
/** Roles an org admin may hand out. */
const DELEGABLE_ROLES = ['internal_user', 'internal_user_viewer'];

const userRole: Check = (v, f) => {
  if (typeof v === 'string' && (USER_ROLES as readonly string[]).includes(v)) return v;
  throw invalid(f, `expected one of ${USER_ROLES.join(', ')}`);
};

const FIELDS: Record<string, Check> = {
  user_email: nullableString,
  user_alias: nullableString,
  user_role: userRole,
  models: stringList,
  metadata: object,
  ...LIMIT_FIELDS,
};

export function userRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged, invalidateKeys } = deps;

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
    if (orgs.length === 0 || !orgs.every((o) => mine.includes(o))) throw forbidden(p, 'create users outside the organizations it administers');
  };

  const findUser = async (input: Record<string, unknown>): Promise<UserRecord> => {
    if (typeof input.user_id === 'string' && input.user_id) return mustFind(stores.users, input.user_id);
    if (typeof input.user_email === 'string' && input.user_email) {
      const { records } = await stores.users.list({ user_email: input.user_email }, 1, 1);
      if (records[0]) return records[0];
      throw TenancyErrors.NOT_FOUND({ entity: 'User', field: 'user_email', id: input.user_email }, { param: 'user_email' });
    }
    throw invalid('user_id', 'user_id or user_email is required');
  };

  const view = (u: UserRecord, teams: string[]) => ({ ...entityView(u), teams });

  return [
    {
      method: 'POST',
      url: '/user/new',
      access: accessOf('/user/new'),
      summary: 'Create an internal user (and a key for it unless auto_create_key is false)',
      handler: async (req) => {
        const p = req.principal!;
        const { input, fields } = parseFields(req.body, '/user/new', FIELDS, ['user_id', 'teams', 'organizations', 'auto_create_key', 'key_alias', 'duration']);
        const userId = input.user_id === undefined ? randomUUID() : (nullableString(input.user_id, 'user_id') as string | null) ?? randomUUID();
        const teams = input.teams === undefined ? [] : (stringList(input.teams, 'teams') as string[]);
        const orgs = input.organizations === undefined ? [] : (stringList(input.organizations, 'organizations') as string[]);
        const autoKey = input.auto_create_key === undefined ? true : (bool(input.auto_create_key, 'auto_create_key') as boolean);
        checkDelegation(p, fields.user_role, orgs);
        const teamRecords = await stores.teams.findMany(teams);
        const missing = teams.find((t) => !teamRecords.some((r) => r.team_id === t));
        if (missing) throw TenancyErrors.NOT_FOUND({ entity: 'Team', field: 'team_id', id: missing }, { param: 'teams' });
        for (const o of orgs) await mustFind(stores.organizations, o, 'organization_id');
        if (p.role !== 'proxy_admin' && teamRecords.some((t) => !t.organization_id || !p.adminOf?.organizations.includes(t.organization_id))) {
          throw forbidden(p, 'add users to teams outside its organizations');
        }
        const now = ctx.now();
        const user = { user_email: null, user_alias: null, user_role: 'internal_user', models: [], metadata: {}, ...newLimits(fields, now), user_id: userId } as UserRecord;
        try {
          await stores.users.insert(user);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'User', id: userId, field: 'user_id' }, { param: 'user_id' });
          throw err;
        }
        for (const t of teams) await stores.members.upsertTeamMember(t, { user_id: userId, user_email: user.user_email, role: 'user' });
        for (const o of orgs) await stores.members.upsertOrgMember({ organization_id: o, user_id: userId, user_email: user.user_email, user_role: user.user_role });
        audit(req, 'user.new', 'user', userId, undefined, view(user, teams));
        let key: Record<string, unknown> = { key: null };
        if (autoKey) {
          // LiteLLM's /user/new answers with a key for the user, like /key/generate.
          const plain = `sk-${randomBytes(16).toString('base64url')}`;
          const record = newRecord(hashKey(plain), keyNameOf(plain), { user_id: userId, models: user.models, key_alias: (input.key_alias as string | undefined) ?? null }, now);
          // The user's models are its key's only narrowing: set by the admin, so the user may not widen them.
          record.controls_set_by = { user_id: p.role, models: p.role };
          await stores.keys.insert(record);
          await invalidateKeys([record.token]);
          audit(req, 'key.generate', 'virtual_key', record.token, undefined, keyView(record));
          key = { key: plain, token: record.token, key_name: record.key_name, expires: null };
        }
        await entityChanged('user', userId);
        return { body: { ...view(user, teams), ...key } };
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
        const [{ records: keys }, teams] = await Promise.all([stores.keys.list({ user_id: userId }, 1, 1_000), stores.teams.findMany(target.teams as string[])]);
        return {
          body: {
            user_id: userId,
            user_info: view(user, target.teams as string[]),
            keys: keys.map(keyView),
            teams: teams.map((t) => entityView(t)),
          },
        };
      },
    },
    {
      method: 'POST',
      url: '/user/update',
      access: accessOf('/user/update'),
      summary: 'Change a user (partial update)',
      handler: async (req) => {
        const p = req.principal!;
        const { input, fields } = parseFields(req.body, '/user/update', FIELDS, ['user_id']);
        const before = await findUser(input);
        assertManage(p, 'user', await targetOf(before.user_id), 'update this user');
        if (p.role !== 'proxy_admin' && fields.user_role !== undefined && !DELEGABLE_ROLES.includes(fields.user_role as string)) {
          throw forbidden(p, `give the role ${String(fields.user_role)}`);
        }
        const now = ctx.now();
        if ('budget_duration' in fields) fields.budget_reset_at = newLimits({ budget_duration: fields.budget_duration }, before.created_at).budget_reset_at;
        const after = (await stores.users.update(before.user_id, { ...fields, updated_at: now } as Partial<UserRecord>))!;
        const teams = (await stores.members.teamsOf(before.user_id)).map((t) => t.team_id);
        await entityChanged('user', before.user_id);
        audit(req, 'user.update', 'user', before.user_id, view(before, teams), view(after, teams));
        return { body: view(after, teams) };
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
      summary: 'List users, paginated',
      handler: async (req: RouteRequest) => {
        const p = req.principal!;
        const page = positiveInt(first(req.query.page), 'page', 1);
        const size = positiveInt(first(req.query.page_size), 'page_size', 25, 100);
        const filter: Record<string, string | string[] | undefined> = {};
        const role = first(req.query.role);
        if (role) filter.user_role = role;
        const ids = first(req.query.user_ids);
        if (ids) filter.user_id = ids.split(',');
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
        for (const u of records) users.push(view(u, (await stores.members.teamsOf(u.user_id)).map((t) => t.team_id)));
        return { body: { users, total, page, page_size: size, total_pages: Math.ceil(total / size) } };
      },
    },
  ];
}
