/** Team and organization memberships: who belongs where, and who administers what. */
import type { Knex } from 'knex';
import { ORG_MEMBERS_TABLE, TEAM_MEMBERS_TABLE } from './entity-tables.js';

export type TeamRole = 'admin' | 'user';

/** LiteLLM's `members_with_roles` entry. */
export interface TeamMember {
  user_id: string;
  user_email: string | null;
  role: TeamRole;
}

/** A member's budget and limits inside its team, and its spend there (LiteLLM's `LiteLLM_TeamMembership`). */
export interface TeamMembership {
  team_id: string;
  user_id: string;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
}

export type MemberLimits = Partial<Pick<TeamMembership, 'max_budget' | 'budget_duration' | 'rpm_limit' | 'tpm_limit'>>;

/** LiteLLM's organization membership (`LiteLLM_OrganizationMembershipTable`). */
export interface OrgMember {
  organization_id: string;
  user_id: string;
  user_email: string | null;
  user_role: string;
}

export class MembershipStore {
  constructor(private readonly knex: Knex) {}

  async teamMembers(teamIds: readonly string[]): Promise<Map<string, TeamMember[]>> {
    const out = new Map<string, TeamMember[]>(teamIds.map((t) => [t, []]));
    if (teamIds.length === 0) return out;
    const rows = await this.knex(TEAM_MEMBERS_TABLE).whereIn('team_id', teamIds as string[]).orderBy(['team_id', 'user_id']);
    for (const r of rows) out.get(String(r.team_id))?.push({ user_id: String(r.user_id), user_email: r.user_email ?? null, role: r.role as TeamRole });
    return out;
  }

  async teamsOf(userId: string): Promise<Array<{ team_id: string; role: TeamRole }>> {
    const rows = await this.knex(TEAM_MEMBERS_TABLE).where('user_id', userId).orderBy('team_id');
    return rows.map((r: Record<string, unknown>) => ({ team_id: String(r.team_id), role: r.role as TeamRole }));
  }

  async upsertTeamMember(teamId: string, m: TeamMember): Promise<void> {
    await this.knex(TEAM_MEMBERS_TABLE)
      .insert({ team_id: teamId, user_id: m.user_id, user_email: m.user_email, role: m.role })
      .onConflict(['team_id', 'user_id'])
      .merge(['user_email', 'role']);
  }

  /** The memberships of `userId` (all its teams), or of one team when `teamId` is given. */
  async memberships(userId: string, teamId?: string): Promise<TeamMembership[]> {
    const q = this.knex(TEAM_MEMBERS_TABLE).where('user_id', userId);
    if (teamId !== undefined) q.where('team_id', teamId);
    const rows = await q.orderBy('team_id');
    return rows.map(membershipOf);
  }

  /** Every membership of a team (LiteLLM's `team_memberships` of /team/info). */
  async teamMemberships(teamId: string): Promise<TeamMembership[]> {
    const rows = await this.knex(TEAM_MEMBERS_TABLE).where('team_id', teamId).orderBy('user_id');
    return rows.map(membershipOf);
  }

  /** Sets a member's budget and limits in its team (undefined fields are left as they are). */
  async setMemberLimits(teamId: string, userId: string, limits: MemberLimits): Promise<void> {
    const patch = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
    if (Object.keys(patch).length > 0) await this.knex(TEAM_MEMBERS_TABLE).where({ team_id: teamId, user_id: userId }).update(patch);
  }

  /** Adds to a member's spend in its team without reading it (instances flush into the same rows). */
  async addMemberSpend(teamId: string, userId: string, amount: number, trx: Knex = this.knex): Promise<void> {
    await trx(TEAM_MEMBERS_TABLE).where({ team_id: teamId, user_id: userId }).increment('spend', amount);
  }

  async removeTeamMembers(teamId: string, userIds: readonly string[]): Promise<number> {
    return Number(await this.knex(TEAM_MEMBERS_TABLE).where('team_id', teamId).whereIn('user_id', userIds as string[]).delete());
  }

  async dropTeams(teamIds: readonly string[]): Promise<void> {
    await this.knex(TEAM_MEMBERS_TABLE).whereIn('team_id', teamIds as string[]).delete();
  }

  async orgMembers(orgIds: readonly string[]): Promise<Map<string, OrgMember[]>> {
    const out = new Map<string, OrgMember[]>(orgIds.map((o) => [o, []]));
    if (orgIds.length === 0) return out;
    const rows = await this.knex(ORG_MEMBERS_TABLE).whereIn('organization_id', orgIds as string[]).orderBy(['organization_id', 'user_id']);
    for (const r of rows) out.get(String(r.organization_id))?.push(orgMemberOf(r));
    return out;
  }

  async orgsOf(userId: string): Promise<OrgMember[]> {
    const rows = await this.knex(ORG_MEMBERS_TABLE).where('user_id', userId).orderBy('organization_id');
    return rows.map(orgMemberOf);
  }

  async upsertOrgMember(m: OrgMember): Promise<void> {
    await this.knex(ORG_MEMBERS_TABLE).insert(m).onConflict(['organization_id', 'user_id']).merge(['user_email', 'user_role']);
  }

  async dropOrgs(orgIds: readonly string[]): Promise<void> {
    await this.knex(ORG_MEMBERS_TABLE).whereIn('organization_id', orgIds as string[]).delete();
  }

  async dropUsers(userIds: readonly string[]): Promise<void> {
    await this.knex(TEAM_MEMBERS_TABLE).whereIn('user_id', userIds as string[]).delete();
    await this.knex(ORG_MEMBERS_TABLE).whereIn('user_id', userIds as string[]).delete();
  }
}

function membershipOf(r: Record<string, unknown>): TeamMembership {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    team_id: String(r.team_id),
    user_id: String(r.user_id),
    spend: Number(r.spend ?? 0),
    max_budget: n(r.max_budget),
    budget_duration: (r.budget_duration as string | null) ?? null,
    rpm_limit: n(r.rpm_limit),
    tpm_limit: n(r.tpm_limit),
  };
}

/** LiteLLM's membership shape: limits under `litellm_budget_table` (null when the member has none). */
export function membershipView(m: TeamMembership): Record<string, unknown> {
  const limited = m.max_budget !== null || m.rpm_limit !== null || m.tpm_limit !== null;
  return {
    team_id: m.team_id,
    user_id: m.user_id,
    budget_id: null,
    spend: m.spend,
    litellm_budget_table: limited ? { max_budget: m.max_budget, budget_duration: m.budget_duration, rpm_limit: m.rpm_limit, tpm_limit: m.tpm_limit, soft_budget: null, max_parallel_requests: null, model_max_budget: null } : null,
  };
}

function orgMemberOf(r: Record<string, unknown>): OrgMember {
  return { organization_id: String(r.organization_id), user_id: String(r.user_id), user_email: (r.user_email as string | null) ?? null, user_role: String(r.user_role) };
}
