/**
 * LiteLLM's teams: /team/new, /team/update, /team/info, /team/delete, /team/list,
 * /team/member_add, /team/member_update, /team/member_delete, /team/model/add,
 * /team/model/delete, /team/block, /team/unblock. Members live in their own table (who
 * administers which team is looked up at auth), with their budget and limits inside the team
 * (`max_budget_in_team`, enforced as a `team_member` scope); `members_with_roles` shows them.
 */
import { randomUUID } from 'node:crypto';
import type { Principal, RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { entityView, newLimits, nextReset, type TeamRecord, type UserRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { bool, budget, first, idList, invalid, limit, LIMIT_FIELDS, modelLimits, nullableString, object, orUnset, parseFields, positiveInt, requiredId, stringList, type Check } from './field-checks.js';
import { keyView } from './key-record.js';
import { membershipView, type MemberLimits, type TeamMember } from './membership-store.js';
import { moveExtras, storedOnly, TEAM_DEFAULTS, TEAM_STORED } from './litellm-extras.js';
import { placeSecretManagerSettings, secretManagerSettings } from './team-secret-settings.js';
import { assertFieldChanges, changedFields, settersAfter, TEAM_FIELDS, type Setters } from './field-policy.js';
import { accessOf, actingRole, assertManage, assertRead, canRead, forbidden, type Target } from './rbac.js';
import { mustFind, type Stores, type TenancyDeps } from './tenancy-deps.js';
import { checkLoggingMetadata, maskLoggingSecrets } from './logging-callbacks.js';

/** LiteLLM's NewTeamRequest / UpdateTeamRequest: null leaves a list or object as it is. */
const FIELDS: Record<string, Check> = {
  team_alias: nullableString,
  organization_id: nullableString,
  models: orUnset(stringList),
  metadata: orUnset(object),
  guardrails: orUnset(stringList),
  tags: orUnset(stringList),
  model_rpm_limit: orUnset(modelLimits),
  model_tpm_limit: orUnset(modelLimits),
  blocked: orUnset(bool),
  ...LIMIT_FIELDS,
  ...storedOnly(TEAM_STORED),
  // Kept with the stored fields but acted on (each member's default budget and limits): typed.
  team_member_budget: budget,
  team_member_rpm_limit: limit,
  team_member_tpm_limit: limit,
  team_member_budget_duration: LIMIT_FIELDS.budget_duration!,
  // Kept in the team's metadata, where keys' secret-manager writes read it (team-secret-settings.ts).
  secret_manager_settings: secretManagerSettings,
};

/** A member's budget and limits in the team (TeamMemberAddRequest / TeamMemberUpdateRequest). */
const MEMBER_LIMIT_FIELDS: Record<string, Check> = { max_budget_in_team: budget, tpm_limit: limit, rpm_limit: limit, budget_duration: LIMIT_FIELDS.budget_duration! };

/** LiteLLM's per-member `allowed_models`: not enforced here, so only "none" (null or []) is accepted. */
const noMemberModels: Check = (v, f) => {
  if (v === null || (Array.isArray(v) && v.length === 0)) return undefined;
  throw invalid(f, "per-member model lists are not supported; use the team's or the key's `models`");
};

function memberLimitsOf(fields: Record<string, unknown>): MemberLimits {
  return {
    ...('max_budget_in_team' in fields && { max_budget: fields.max_budget_in_team as number | null }),
    ...('tpm_limit' in fields && { tpm_limit: fields.tpm_limit as number | null }),
    ...('rpm_limit' in fields && { rpm_limit: fields.rpm_limit as number | null }),
    ...('budget_duration' in fields && { budget_duration: fields.budget_duration as string | null }),
  };
}

interface MemberInput {
  user_id?: string;
  user_email?: string;
  role: 'admin' | 'user';
}

function memberOf(v: unknown, field: string): MemberInput {
  const m = object(v, field) as Record<string, unknown>;
  const role = m.role ?? 'user';
  if (role !== 'admin' && role !== 'user') throw invalid(field, 'role must be "admin" or "user"');
  const user_id = m.user_id === undefined || m.user_id === null ? undefined : (nullableString(m.user_id, `${field}.user_id`) as string);
  const user_email = m.user_email === undefined || m.user_email === null ? undefined : (nullableString(m.user_email, `${field}.user_email`) as string);
  if (!user_id && !user_email) throw invalid(field, 'each member needs user_id or user_email');
  return { role, ...(user_id && { user_id }), ...(user_email && { user_email }) };
}

function membersOf(v: unknown, field: string): MemberInput[] {
  return (Array.isArray(v) ? v : [v]).map((m, i) => memberOf(m, Array.isArray(v) ? `${field}[${i}]` : field));
}

export const teamTarget = (t: Pick<TeamRecord, 'team_id' | 'organization_id'>): Target => ({ teams: [t.team_id], organizations: [t.organization_id] });

/** A new team's values before any field is set: what /team/new's fields are judged against. */
type TeamFields = Pick<TeamRecord, 'team_alias' | 'organization_id' | 'models' | 'metadata' | 'guardrails' | 'tags' | 'model_rpm_limit' | 'model_tpm_limit' | 'blocked' | 'max_budget' | 'soft_budget' | 'budget_duration' | 'rpm_limit' | 'tpm_limit' | 'max_parallel_requests'>;
const blankTeam = (): TeamFields => ({
  team_alias: null, organization_id: null, models: [], metadata: {}, guardrails: [], tags: [], model_rpm_limit: {}, model_tpm_limit: {}, blocked: false,
  max_budget: null, soft_budget: null, budget_duration: null, rpm_limit: null, tpm_limit: null, max_parallel_requests: null,
});

/**
 * Checks `fields` against the team field policy (a team admin sets only the alias; a control a
 * higher role set is only tightened) and returns who set each control afterwards.
 */
function authorizeTeamChange(p: Principal, before: Record<string, unknown>, fields: Record<string, unknown>, target: Target): Setters {
  const role = actingRole(p, target);
  const setters = (before.controls_set_by as Setters | undefined) ?? {};
  const changed = changedFields(TEAM_FIELDS, fields, before);
  assertFieldChanges(p, role, TEAM_FIELDS, changed, before, { ...before, ...fields }, setters);
  return settersAfter(role, TEAM_FIELDS, changed, setters);
}

/**
 * Every field of LiteLLM_TeamTable: LiteLLM's defaults, then the stored extras, then the record.
 * LiteLLM keeps a team's `guardrails` and `tags` in its metadata (new_team / update_team), so they
 * show there. Logging credentials (`metadata.logging`, `callback_settings`) are shown masked.
 */
export const teamView = (stores: Stores) => async (t: TeamRecord) => ({
  ...TEAM_DEFAULTS,
  ...entityView(t),
  metadata: maskLoggingSecrets({ ...t.metadata, ...(t.guardrails.length > 0 && { guardrails: t.guardrails }), ...(t.tags.length > 0 && { tags: t.tags }) }, 'secrets'),
  members_with_roles: (await stores.members.teamMembers([t.team_id])).get(t.team_id) ?? [],
});

export function teamRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged, invalidateKeys } = deps;

  const view = teamView(stores);

  const checkOrg = async (p: Principal, orgId: string | null | undefined) => {
    if (orgId) await mustFind(stores.organizations, orgId, 'organization_id');
    if (p.role !== 'proxy_admin' && (!orgId || !p.adminOf?.organizations.includes(orgId))) {
      // LiteLLM's wording when an organization is named that the caller does not administer.
      if (orgId) throw TenancyErrors.FORBIDDEN({ reason: `You are not a member of the organization specified in the request body. Passed organization_id=${orgId}` }, { param: 'organization_id' });
      throw forbidden(p, 'create or move teams outside the organizations it administers');
    }
  };

  /** A member named by email only becomes a user (LiteLLM creates the user on member_add). */
  const resolveMember = async (m: MemberInput): Promise<TeamMember> => {
    let user: UserRecord | undefined = m.user_id ? await stores.users.find(m.user_id) : undefined;
    if (!user && !m.user_id && m.user_email) user = (await stores.users.list({ user_email: m.user_email }, 1, 1)).records[0];
    if (!user) {
      user = { user_email: m.user_email ?? null, user_alias: null, user_role: 'internal_user', models: [], metadata: {}, ...newLimits({}, ctx.now()), user_id: m.user_id ?? randomUUID() } as UserRecord;
      await stores.users.insertIfAbsent(user);
    }
    return { user_id: user.user_id, user_email: m.user_email ?? user.user_email, role: m.role };
  };

  const managedTeam = async (req: RouteRequest, teamId: string, what: string) => {
    const team = await mustFind(stores.teams, teamId);
    assertManage(req.principal!, 'team', teamTarget(team), what);
    return team;
  };

  const setBlocked = (blocked: boolean, route: '/team/block' | '/team/unblock'): RouteDefinition => ({
    method: 'POST',
    url: route,
    access: accessOf(route),
    summary: blocked ? "Block a team: its keys are refused" : 'Unblock a team',
    handler: async (req) => {
      const input = parseFields(req.body, route, {}, ['team_id']).input;
      const before = await managedTeam(req, requiredId(input, 'team_id'), `${blocked ? 'block' : 'unblock'} this team`);
      const controls_set_by = authorizeTeamChange(req.principal!, before, { blocked }, teamTarget(before));
      const after = (await stores.teams.update(before.team_id, { blocked, controls_set_by, updated_at: ctx.now() }))!;
      await entityChanged('team', before.team_id);
      audit(req, blocked ? 'team.block' : 'team.unblock', 'team', before.team_id, entityView(before), entityView(after));
      return { body: await view(after) };
    },
  });

  /** /team/model/add and /team/model/delete: LiteLLM's way to grow or shrink a team's model list. */
  const modelChange = (op: 'add' | 'delete'): RouteDefinition => {
    const route = op === 'add' ? '/team/model/add' : '/team/model/delete';
    return {
      method: 'POST',
      url: route,
      access: accessOf(route),
      summary: op === 'add' ? "Add models to a team's model list" : "Remove models from a team's model list",
      handler: async (req) => {
        const input = parseFields(req.body, route, {}, ['team_id', 'models']).input;
        const models = stringList(input.models, 'models') as string[];
        const before = await managedTeam(req, requiredId(input, 'team_id'), `change the models of this team`);
        const next = op === 'add' ? [...new Set([...before.models, ...models])] : before.models.filter((m) => !models.includes(m));
        const controls_set_by = authorizeTeamChange(req.principal!, before, { models: next }, teamTarget(before));
        const after = (await stores.teams.update(before.team_id, { models: next, controls_set_by, updated_at: ctx.now() }))!;
        await entityChanged('team', before.team_id);
        audit(req, `team.model_${op}`, 'team', before.team_id, entityView(before), entityView(after));
        return { body: await view(after) };
      },
    };
  };

  return [
    {
      method: 'POST',
      url: '/team/new',
      access: accessOf('/team/new'),
      summary: 'Create a team',
      handler: async (req) => {
        const p = req.principal!;
        const { input, fields } = parseFields(req.body, '/team/new', FIELDS, ['team_id', 'members_with_roles']);
        const teamId = input.team_id === undefined || input.team_id === null ? randomUUID() : requiredId(input, 'team_id');
        const members = input.members_with_roles === undefined || input.members_with_roles === null ? [] : membersOf(input.members_with_roles, 'members_with_roles');
        // LiteLLM makes the creator (the master key's user: default_user_id) an admin of the team.
        if (p.userId && !members.some((m) => m.user_id === p.userId)) members.push({ user_id: p.userId, role: 'admin' });
        placeSecretManagerSettings(fields, undefined);
        if (fields.metadata !== undefined) fields.metadata = checkLoggingMetadata(fields.metadata, { allowEnvReferences: p.role === 'proxy_admin' });
        moveExtras(fields, TEAM_STORED, undefined);
        await checkOrg(p, fields.organization_id as string | null | undefined);
        const controls_set_by = authorizeTeamChange(p, blankTeam(), fields, { organizations: [fields.organization_id as string | null | undefined] });
        const now = ctx.now();
        const team = {
          ...blankTeam(),
          ...newLimits(fields, now),
          team_id: teamId,
          controls_set_by,
        } as TeamRecord;
        try {
          await stores.teams.insert(team);
        } catch (err) {
          if (isUniqueViolation(err)) throw TenancyErrors.EXISTS({ entity: 'Team', id: teamId, field: 'team_id' }, { param: 'team_id' });
          throw err;
        }
        for (const m of members) await stores.members.upsertTeamMember(teamId, await resolveMember(m));
        const shown = await view(team);
        await entityChanged('team', teamId);
        audit(req, 'team.new', 'team', teamId, undefined, shown);
        return { body: shown };
      },
    },
    {
      method: 'POST',
      url: '/team/update',
      access: accessOf('/team/update'),
      summary: 'Change a team (partial update)',
      handler: async (req) => {
        const p = req.principal!;
        const { input, fields } = parseFields(req.body, '/team/update', FIELDS, ['team_id']);
        const before = await managedTeam(req, requiredId(input, 'team_id'), 'update this team');
        placeSecretManagerSettings(fields, before.metadata);
        // Logging settings checked as /team/{team_id}/callback checks them; masked values sent back keep the stored ones.
        if (fields.metadata !== undefined) fields.metadata = checkLoggingMetadata(fields.metadata, { allowEnvReferences: p.role === 'proxy_admin' }, before.metadata);
        moveExtras(fields, TEAM_STORED, before);
        // Budgets, models, guardrails, blocking are the org's (or proxy admin's) call; a team admin renames.
        fields.controls_set_by = authorizeTeamChange(p, before, fields, teamTarget(before));
        if (fields.organization_id !== undefined && fields.organization_id !== before.organization_id) await checkOrg(p, fields.organization_id as string | null);
        if ('budget_duration' in fields) fields.budget_reset_at = nextReset(fields.budget_duration as string | null, ctx.now());
        const after = (await stores.teams.update(before.team_id, { ...fields, updated_at: ctx.now() } as Partial<TeamRecord>))!;
        await entityChanged('team', before.team_id);
        audit(req, 'team.update', 'team', before.team_id, entityView(before), entityView(after));
        return { body: { team_id: after.team_id, data: await view(after) } };
      },
    },
    {
      method: 'POST',
      url: '/team/delete',
      access: accessOf('/team/delete'),
      summary: 'Delete teams (and their keys)',
      handler: async (req) => {
        const input = parseFields(req.body, '/team/delete', {}, ['team_ids']).input;
        const ids = idList(input, 'team_ids');
        const teams = [];
        for (const id of ids) teams.push(await managedTeam(req, id, 'delete this team'));
        const keys = await stores.keys.tokensWhere('team_id', ids);
        await stores.keys.delete(keys);
        await stores.members.dropTeams(ids);
        await stores.teams.delete(ids);
        await invalidateKeys(keys);
        await entityChanged('team', ids.join(','));
        for (const t of teams) audit(req, 'team.delete', 'team', t.team_id, entityView(t), undefined);
        return { body: { deleted_teams: ids, deleted_keys: keys.length } };
      },
    },
    {
      method: 'GET',
      url: '/team/info',
      access: accessOf('/team/info'),
      summary: "A team's record, members and keys",
      handler: async (req) => {
        const teamId = first(req.query.team_id);
        if (!teamId) throw invalid('team_id', 'team_id is required');
        const team = await mustFind(stores.teams, teamId);
        // A key of the team reads its team, as in LiteLLM.
        if (req.principal!.teamId !== teamId) assertRead(req.principal!, 'team', teamTarget(team), 'view this team');
        const [{ records: keys }, memberships] = await Promise.all([stores.keys.list({ team_id: teamId }, 1, 1_000), stores.members.teamMemberships(teamId)]);
        const shown = await view(team);
        return { body: { team_id: teamId, team_info: shown, keys: keys.map(keyView), team_memberships: memberships.map(membershipView) } };
      },
    },
    {
      method: 'GET',
      url: '/team/list',
      access: accessOf('/team/list'),
      summary: 'Teams the caller may see',
      handler: async (req) => {
        const p = req.principal!;
        const filter: Record<string, string | undefined> = { organization_id: first(req.query.organization_id) };
        const userId = first(req.query.user_id);
        const { records } = await stores.teams.list(filter, 1, 10_000);
        const ofUser = userId ? new Set((await stores.members.teamsOf(userId)).map((t) => t.team_id)) : undefined;
        const visible = records.filter((t) => canRead(p, 'team', teamTarget(t)) && (!ofUser || ofUser.has(t.team_id)));
        const out = [];
        for (const t of visible) out.push(await view(t));
        return { body: out };
      },
    },
    {
      method: 'GET',
      url: '/v2/team/list',
      access: accessOf('/v2/team/list'),
      summary: 'Teams, paginated (LiteLLM list_team_v2: page, page_size, sort_by, sort_order, team_id, team_alias, organization_id, user_id)',
      handler: async (req) => {
        const p = req.principal!;
        const q = req.query;
        const page = positiveInt(first(q.page), 'page', 1);
        const pageSize = positiveInt(first(q.page_size), 'page_size', 10, 100);
        const admin = p.role === 'proxy_admin' || p.role === 'proxy_admin_viewer';
        // LiteLLM: a caller that is not a proxy admin lists the teams of its own user.
        let userId = first(q.user_id);
        if (!admin) {
          if (userId !== undefined && userId !== p.userId) throw forbidden(p, 'list the teams of another user');
          userId = p.userId;
        }
        let userTeams: string[] | undefined = admin ? undefined : [];
        if (userId !== undefined) {
          if (!(await stores.users.find(userId))) throw TenancyErrors.NOT_FOUND({ entity: 'User', field: 'passed user_id', id: userId });
          userTeams = (await stores.members.teamsOf(userId)).map((t) => t.team_id);
        }
        const teamId = first(q.team_id);
        const alias = first(q.team_alias);
        const orgId = first(q.organization_id);
        const sortBy = first(q.sort_by);
        const order = first(q.sort_order)?.toLowerCase() === 'desc' ? 'desc' : 'asc';
        const { knex, def } = stores.teams;
        const where = () => {
          let b = knex(def.table);
          if (teamId) b = b.where('team_id', teamId);
          if (orgId) b = b.where('organization_id', orgId);
          // Partial, case-insensitive (LiteLLM: contains, mode insensitive).
          if (alias) b = b.whereRaw("lower(team_alias) like ? escape '\\'", [`%${alias.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
          if (userTeams) b = b.whereIn('team_id', userTeams);
          return b;
        };
        const [{ n }] = (await where().count({ n: '*' })) as Array<{ n: number | string }>;
        const column = sortBy && ['team_id', 'team_alias', 'created_at'].includes(sortBy) ? sortBy : undefined;
        const rows = await where()
          .orderBy(column ? [{ column, order }, { column: 'team_id' }] : [{ column: 'created_at', order: 'desc' }, { column: 'team_id' }])
          .limit(pageSize)
          .offset((page - 1) * pageSize);
        const teams = [];
        for (const row of rows) teams.push(await view(stores.teams.fromRow(row)));
        const total = Number(n);
        return { body: { teams, total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) } };
      },
    },
    {
      method: 'POST',
      url: '/team/member_add',
      access: accessOf('/team/member_add'),
      summary: 'Add members (user_id or user_email, role admin|user)',
      handler: async (req) => {
        const p = req.principal!;
        const { input, fields } = parseFields(req.body, '/team/member_add', { max_budget_in_team: budget, allowed_models: noMemberModels }, ['team_id', 'member']);
        const team = await managedTeam(req, requiredId(input, 'team_id'), 'add members to this team');
        if (input.member === undefined) throw invalid('member', 'expected {"role": "user", "user_id": "..."} or a list of them');
        const members = membersOf(input.member, 'member');
        // Only org admins and proxy admins make team admins.
        if (members.some((m) => m.role === 'admin') && p.role !== 'proxy_admin' && !(team.organization_id && p.adminOf?.organizations.includes(team.organization_id))) {
          if (!p.adminOf?.teams.includes(team.team_id)) throw forbidden(p, 'add team admins');
        }
        const before = await view(team);
        const updated_users: TeamMember[] = [];
        for (const m of members) {
          const member = await resolveMember(m);
          await stores.members.upsertTeamMember(team.team_id, member);
          await stores.members.setMemberLimits(team.team_id, member.user_id, memberLimitsOf(fields));
          updated_users.push(member);
        }
        const after = await view(team);
        await entityChanged('team', team.team_id);
        audit(req, 'team.member_add', 'team', team.team_id, before, after);
        const memberships = (await stores.members.teamMemberships(team.team_id)).filter((m) => updated_users.some((u) => u.user_id === m.user_id));
        return { body: { ...after, updated_users, updated_team_memberships: memberships.map(membershipView) } };
      },
    },
    {
      method: 'POST',
      url: '/team/member_delete',
      access: accessOf('/team/member_delete'),
      summary: 'Remove a member (user_id or user_email)',
      handler: async (req) => {
        const input = parseFields(req.body, '/team/member_delete', {}, ['team_id', 'user_id', 'user_email']).input;
        const team = await managedTeam(req, requiredId(input, 'team_id'), 'remove members from this team');
        const before = await view(team);
        const match = before.members_with_roles.filter((m) => (input.user_id && m.user_id === input.user_id) || (input.user_email && m.user_email === input.user_email));
        if (!input.user_id && !input.user_email) throw invalid('user_id', 'user_id or user_email is required');
        if (match.length === 0) throw TenancyErrors.NOT_FOUND({ entity: 'Team member', field: input.user_id ? 'user_id' : 'user_email', id: String(input.user_id ?? input.user_email) });
        await stores.members.removeTeamMembers(team.team_id, match.map((m) => m.user_id));
        const after = await view(team);
        await entityChanged('team', team.team_id);
        audit(req, 'team.member_delete', 'team', team.team_id, before, after);
        return { body: after };
      },
    },
    {
      method: 'POST',
      url: '/team/member_update',
      access: accessOf('/team/member_update'),
      summary: "Change a member's role, budget (max_budget_in_team) or limits in the team",
      handler: async (req) => {
        const p = req.principal!;
        const { input, fields } = parseFields(req.body, '/team/member_update', { ...MEMBER_LIMIT_FIELDS, allowed_models: noMemberModels }, ['team_id', 'user_id', 'user_email', 'role']);
        const team = await managedTeam(req, requiredId(input, 'team_id'), 'update members of this team');
        if (!input.user_id && !input.user_email) throw invalid('user_id', 'user_id or user_email is required');
        const members = (await stores.members.teamMembers([team.team_id])).get(team.team_id) ?? [];
        const member = members.find((m) => (input.user_id && m.user_id === input.user_id) || (!input.user_id && input.user_email && m.user_email === input.user_email));
        if (!member) throw TenancyErrors.NOT_FOUND({ entity: 'Team member', field: input.user_id ? 'user_id' : 'user_email', id: String(input.user_id ?? input.user_email) });
        // Budgets inside the team are the team's controls: its admins set them; roles as member_add.
        if (input.role !== undefined && input.role !== null) {
          const role = memberOf({ user_id: member.user_id, role: input.role }, 'role').role;
          if (role === 'admin' && p.role !== 'proxy_admin' && !(team.organization_id && p.adminOf?.organizations.includes(team.organization_id)) && !p.adminOf?.teams.includes(team.team_id)) {
            throw forbidden(p, 'make team admins');
          }
          await stores.members.upsertTeamMember(team.team_id, { ...member, role });
        }
        await stores.members.setMemberLimits(team.team_id, member.user_id, memberLimitsOf(fields));
        const [m] = await stores.members.memberships(member.user_id, team.team_id);
        await entityChanged('team', team.team_id);
        audit(req, 'team.member_update', 'team', team.team_id, member, m);
        // LiteLLM's TeamMemberUpdateResponse.
        return { body: { team_id: team.team_id, user_id: member.user_id, user_email: member.user_email, max_budget_in_team: m?.max_budget ?? null, tpm_limit: m?.tpm_limit ?? null, rpm_limit: m?.rpm_limit ?? null } };
      },
    },
    modelChange('add'),
    modelChange('delete'),
    setBlocked(true, '/team/block'),
    setBlocked(false, '/team/unblock'),
  ];
}
