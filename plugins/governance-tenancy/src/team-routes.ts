/**
 * LiteLLM's teams: /team/new, /team/update, /team/info, /team/delete, /team/list,
 * /team/member_add, /team/member_delete, /team/block, /team/unblock. Members live in their own
 * table (who administers which team is looked up at auth); `members_with_roles` shows them.
 */
import { randomUUID } from 'node:crypto';
import type { Principal, RouteDefinition, RouteRequest } from '@sluice/plugin-sdk';
import { entityView, newLimits, type TeamRecord, type UserRecord } from './entity-records.js';
import { isUniqueViolation } from './entity-store.js';
import { TenancyErrors } from './errors.js';
import { bool, first, idList, invalid, LIMIT_FIELDS, modelLimits, nullableString, object, parseFields, requiredId, stringList, type Check } from './field-checks.js';
import { keyView } from './key-record.js';
import type { TeamMember } from './membership-store.js';
import { assertFieldChanges, changedFields, settersAfter, TEAM_FIELDS, type Setters } from './field-policy.js';
import { accessOf, actingRole, assertManage, assertRead, canRead, forbidden, type Target } from './rbac.js';
import { mustFind, type TenancyDeps } from './tenancy-deps.js';

const FIELDS: Record<string, Check> = {
  team_alias: nullableString,
  organization_id: nullableString,
  models: stringList,
  metadata: object,
  guardrails: stringList,
  tags: stringList,
  model_rpm_limit: modelLimits,
  model_tpm_limit: modelLimits,
  blocked: bool,
  ...LIMIT_FIELDS,
};

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

export function teamRoutes(deps: TenancyDeps): RouteDefinition[] {
  const { ctx, stores, audit, entityChanged, invalidateKeys } = deps;

  const view = async (t: TeamRecord) => ({ ...entityView(t), members_with_roles: (await stores.members.teamMembers([t.team_id])).get(t.team_id) ?? [] });

  const checkOrg = async (p: Principal, orgId: string | null | undefined) => {
    if (orgId) await mustFind(stores.organizations, orgId, 'organization_id');
    if (p.role !== 'proxy_admin' && (!orgId || !p.adminOf?.organizations.includes(orgId))) {
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
        const members = input.members_with_roles === undefined ? [] : membersOf(input.members_with_roles, 'members_with_roles');
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
        // Budgets, models, guardrails, blocking are the org's (or proxy admin's) call; a team admin renames.
        fields.controls_set_by = authorizeTeamChange(p, before, fields, teamTarget(before));
        if (fields.organization_id !== undefined && fields.organization_id !== before.organization_id) await checkOrg(p, fields.organization_id as string | null);
        if ('budget_duration' in fields) fields.budget_reset_at = newLimits({ budget_duration: fields.budget_duration }, before.created_at).budget_reset_at;
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
        assertRead(req.principal!, 'team', teamTarget(team), 'view this team');
        const { records: keys } = await stores.keys.list({ team_id: teamId }, 1, 1_000);
        const shown = await view(team);
        return {
          body: {
            team_id: teamId,
            team_info: shown,
            keys: keys.map(keyView),
            team_memberships: shown.members_with_roles.map((m) => ({ team_id: teamId, user_id: m.user_id, spend: 0, litellm_budget_table: null })),
          },
        };
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
      method: 'POST',
      url: '/team/member_add',
      access: accessOf('/team/member_add'),
      summary: 'Add members (user_id or user_email, role admin|user)',
      handler: async (req) => {
        const p = req.principal!;
        const input = parseFields(req.body, '/team/member_add', {}, ['team_id', 'member', 'max_budget_in_team']).input;
        const team = await managedTeam(req, requiredId(input, 'team_id'), 'add members to this team');
        if (input.member === undefined) throw invalid('member', 'expected {"role": "user", "user_id": "..."} or a list of them');
        const members = membersOf(input.member, 'member');
        // Only org admins and proxy admins make team admins.
        if (members.some((m) => m.role === 'admin') && p.role !== 'proxy_admin' && !(team.organization_id && p.adminOf?.organizations.includes(team.organization_id))) {
          if (!p.adminOf?.teams.includes(team.team_id)) throw forbidden(p, 'add team admins');
        }
        const before = await view(team);
        const updated_users = [];
        for (const m of members) {
          const member = await resolveMember(m);
          await stores.members.upsertTeamMember(team.team_id, member);
          updated_users.push(member);
        }
        const after = await view(team);
        await entityChanged('team', team.team_id);
        audit(req, 'team.member_add', 'team', team.team_id, before, after);
        return { body: { ...after, updated_users, updated_team_memberships: updated_users.map((u) => ({ team_id: team.team_id, user_id: u.user_id })) } };
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
    setBlocked(true, '/team/block'),
    setBlocked(false, '/team/unblock'),
  ];
}
