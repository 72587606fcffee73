/**
 * The IdentityDirectory (plugin-sdk/identity.ts): an identity proven without a virtual key (a JWT,
 * an SSO session) becomes the Principal a virtual key of that user and team would have: the same
 * records (principal.ts `loadKeyContext`'s stores, `buildPrincipal`), the user's, team's,
 * team member's, organization's and end user's scopes, the team's (or user's) models.
 *
 * Users and teams are created on first sight when the identity asks (LiteLLM's `user_id_upsert`,
 * `team_id_upsert`); a user seen with a team joins it (LiteLLM's map_user_to_teams). A blocked
 * team or end user, or a user, team or organization that does not exist, is refused with
 * LiteLLM's words. Answers (refusals too) are cached per identity and dropped together with the
 * key cache on every entity change here or on any instance (`governance-tenancy:entities`), so a
 * blocked team is refused everywhere as soon as the message arrives.
 */
import { definePluginErrors, type ExternalIdentity, type IdentityDirectory, type LimitScope, type PluginContext, type Principal } from '@sluice/plugin-sdk';
import type { CustomerRecord, OrgRecord, TeamRecord, UserRecord } from './entity-records.js';
import { newLimits } from './entity-records.js';
import { KeyErrors, TenancyErrors } from './errors.js';
import { newRecord, type KeyRecord } from './key-record.js';
import { buildPrincipal, type KeyContext } from './principal.js';
import { limitScope } from './scopes.js';
import type { Stores } from './tenancy-deps.js';
import { TtlCache } from './ttl-cache.js';

/** LiteLLM's wording for records an identity names that are not in the database (auth_checks get_*_object). */
export const IdentityErrors = definePluginErrors('IDENTITY', {
  USER_NOT_FOUND: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: "Authentication Error, User doesn't exist in db. 'user_id'={user}. Create user via `/user/new` call.",
  },
  TEAM_NOT_FOUND: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: "Authentication Error, Team doesn't exist in db. Team={team}. Create team via `/team/new` call.",
  },
  ORG_NOT_FOUND: {
    status: 401,
    type: 'auth_error',
    param: 'None',
    message: "Authentication Error, Organization doesn't exist in db. Organization={org}. Create organization via `/organization/new` call.",
  },
});

/** The user table's own columns: any other `newUser` / default_internal_user_params field is a stored LiteLLM field. */
const USER_COLUMNS = new Set(['user_email', 'user_alias', 'user_role', 'models', 'metadata', 'team_id', 'sso_user_id', 'max_budget', 'soft_budget', 'budget_duration', 'rpm_limit', 'tpm_limit', 'max_parallel_requests']);

interface Answer {
  principal?: Principal;
  refusal?: () => Error;
}

export interface IdentityDirectoryDeps {
  ctx: PluginContext;
  stores: Stores;
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
  /** `default_internal_user_params` (and the user budget defaults): what a created user gets. */
  internalUserDefaults: Record<string, unknown>;
  /** Publishes a change so every instance drops what it cached (tenancy's entityChanged). */
  entityChanged(kind: string, id: string): Promise<void>;
}

export interface TenancyIdentityDirectory extends IdentityDirectory {
  /** Drops every cached answer (an entity changed). */
  clear(): void;
}

const SEP = '\u0000';

/** Callers that ask with the same (frozen) identity object again get its key without rebuilding it. */
const KEYS = new WeakMap<ExternalIdentity, string>();

function cacheKey(i: ExternalIdentity): string {
  const known = KEYS.get(i);
  if (known !== undefined) return known;
  const key = keyOf(i);
  if (Object.isFrozen(i)) KEYS.set(i, key);
  return key;
}

function keyOf(i: ExternalIdentity): string {
  return [
    i.id,
    i.authenticatedBy,
    i.role ?? '',
    i.userId ?? '',
    i.userEmail ?? '',
    i.teamId ?? '',
    i.organizationId ?? '',
    i.endUserId ?? '',
    i.upsertUser ? 1 : 0,
    i.upsertTeam ? 1 : 0,
    i.models ? i.models.join(',') : SEP,
  ].join(SEP);
}

/** A virtual key that is not there: the ids and models of the identity, nothing of its own. */
function standInKey(i: ExternalIdentity, orgId: string | null, now: number): KeyRecord {
  return newRecord(i.id, i.id, {
    models: [...(i.models ?? [])],
    metadata: { ...(i.metadata ?? {}) },
    user_id: i.userId ?? null,
    team_id: i.teamId ?? null,
    organization_id: i.organizationId ?? orgId,
    key_type: null,
  }, now);
}

export function identityDirectory(deps: IdentityDirectoryDeps): TenancyIdentityDirectory {
  const { ctx, stores } = deps;
  const answers = new TtlCache<Answer>(deps.ttlMs, deps.maxEntries);
  const refusals = new TtlCache<Answer>(Math.min(deps.negativeTtlMs, deps.ttlMs), deps.maxEntries);
  const loading = new Map<string, Promise<Answer>>();

  const createUser = async (i: ExternalIdentity, userId: string): Promise<UserRecord | undefined> => {
    const now = ctx.now();
    const columns: Record<string, unknown> = {};
    const stored: Record<string, unknown> = {};
    for (const [name, value] of Object.entries({ ...deps.internalUserDefaults, ...(i.newUser ?? {}) })) {
      if (value === undefined || value === null) continue;
      (USER_COLUMNS.has(name) ? columns : stored)[name] = structuredClone(value);
    }
    const user = {
      user_alias: null,
      user_role: 'internal_user',
      models: [],
      metadata: {},
      team_id: null,
      sso_user_id: null,
      ...newLimits(columns, now),
      user_email: i.userEmail ?? (columns.user_email as string | undefined) ?? null,
      litellm_fields: stored,
      user_id: userId,
    } as UserRecord;
    // Two instances seeing the first call at once both insert; the second insert does nothing.
    await stores.users.insertIfAbsent(user);
    audit(i, 'user.new', 'user', userId, user);
    await deps.entityChanged('user', userId);
    return stores.users.find(userId);
  };

  const createTeam = async (i: ExternalIdentity, teamId: string): Promise<TeamRecord | undefined> => {
    const now = ctx.now();
    const team = {
      team_alias: null,
      organization_id: i.organizationId ?? null,
      models: [],
      metadata: {},
      guardrails: [],
      tags: [],
      model_rpm_limit: {},
      model_tpm_limit: {},
      blocked: false,
      ...newLimits({}, now),
      controls_set_by: {},
      team_id: teamId,
    } as unknown as TeamRecord;
    await stores.teams.insertIfAbsent(team);
    audit(i, 'team.new', 'team', teamId, team);
    await deps.entityChanged('team', teamId);
    return stores.teams.find(teamId);
  };

  const audit = (i: ExternalIdentity, action: string, objectType: string, objectId: string, after: unknown) => {
    ctx.audit({ actor: { id: `plugin:${i.authenticatedBy}`, role: 'system' }, action, objectType, objectId, after });
  };

  const endUserScope = async (endUserId: string): Promise<{ blocked: boolean; scope: LimitScope }> => {
    const now = ctx.now();
    let record = await stores.customers.find(endUserId);
    if (!record) {
      // As for a request's `user`: an end user is recorded on first use, off the request path.
      record = { user_id: endUserId, alias: null, blocked: false, budget_id: null, allowed_model_region: null, default_model: null, metadata: {}, ...newLimits({}, now) } as CustomerRecord;
      stores.customers.insertIfAbsent(record).catch((err: Error) => ctx.log.warn({ err: err.message, user: endUserId }, 'could not record a new end user'));
    }
    const budget = record.budget_id ? await stores.budgets.find(record.budget_id) : undefined;
    return { blocked: record.blocked, scope: limitScope('customer', endUserId, record, budget, record.alias) };
  };

  const load = async (i: ExternalIdentity): Promise<Answer> => {
    const userId = i.userId;
    const teamId = i.teamId;
    let [user, team] = await Promise.all([userId ? stores.users.find(userId) : undefined, teamId ? stores.teams.find(teamId) : undefined]);
    if (userId && !user) {
      if (!i.upsertUser) return { refusal: () => IdentityErrors.USER_NOT_FOUND({ user: userId }) };
      user = await createUser(i, userId);
    }
    if (teamId && !team) {
      if (!i.upsertTeam) return { refusal: () => IdentityErrors.TEAM_NOT_FOUND({ team: teamId }) };
      team = await createTeam(i, teamId);
    }
    if (team?.blocked) return { refusal: () => KeyErrors.TEAM_BLOCKED({ team: team!.team_id }) };
    const orgId = i.organizationId ?? team?.organization_id ?? null;
    let organization: OrgRecord | undefined;
    if (orgId) {
      organization = await stores.organizations.find(orgId);
      if (!organization) return { refusal: () => IdentityErrors.ORG_NOT_FOUND({ org: orgId }) };
    }
    let endUser: { blocked: boolean; scope: LimitScope } | undefined;
    if (i.endUserId) {
      endUser = await endUserScope(i.endUserId);
      if (endUser.blocked) return { refusal: () => TenancyErrors.CUSTOMER_BLOCKED({ user: i.endUserId! }) };
    }
    if (user && team) {
      const member = await stores.members.memberships(user.user_id, team.team_id);
      if (member.length === 0) {
        // LiteLLM's map_user_to_teams: the user of a token naming a team is a member of it.
        await stores.members.upsertTeamMember(team.team_id, { user_id: user.user_id, user_email: user.user_email, role: 'user' });
        audit(i, 'team.member_add', 'team', team.team_id, { user_id: user.user_id });
      }
    }
    const [teamRoles, orgRoles, memberships, budgets] = await Promise.all([
      user ? stores.members.teamsOf(user.user_id) : [],
      user ? stores.members.orgsOf(user.user_id) : [],
      user && team ? stores.members.memberships(user.user_id, team.team_id) : [],
      organization?.budget_id ? stores.budgets.findMany([organization.budget_id]) : [],
    ]);
    const context: KeyContext = {
      key: standInKey(i, organization?.organization_id ?? null, ctx.now()),
      user,
      team,
      organization,
      budgets: new Map(budgets.map((b) => [b.budget_id, b])),
      adminTeams: teamRoles.filter((t) => t.role === 'admin').map((t) => t.team_id),
      memberTeams: teamRoles.map((t) => t.team_id),
      adminOrgs: orgRoles.filter((o) => o.user_role === 'org_admin').map((o) => o.organization_id),
      ...(memberships[0] && { membership: memberships[0] }),
      external: { id: i.id, authenticatedBy: i.authenticatedBy, ...(i.role && { role: i.role }), ...(endUser && { endUserScope: endUser.scope }) },
    };
    return { principal: buildPrincipal(context) };
  };

  return {
    clear() {
      answers.clear();
      refusals.clear();
    },
    async principalFor(identity) {
      const key = cacheKey(identity);
      const now = ctx.now();
      let answer = answers.get(key, now) ?? refusals.get(key, now);
      if (!answer) {
        let pending = loading.get(key);
        if (!pending) {
          const epoch = answers.currentEpoch;
          const refusalEpoch = refusals.currentEpoch;
          pending = load(identity)
            .then((a) => {
              if (a.principal) answers.set(key, a, now, epoch);
              else refusals.set(key, a, now, refusalEpoch);
              return a;
            })
            .finally(() => loading.delete(key));
          loading.set(key, pending);
        }
        answer = await pending;
      }
      if (answer.refusal) throw answer.refusal();
      return answer.principal!;
    },
  };
}
