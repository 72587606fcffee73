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

function orgMemberOf(r: Record<string, unknown>): OrgMember {
  return { organization_id: String(r.organization_id), user_id: String(r.user_id), user_email: (r.user_email as string | null) ?? null, user_role: String(r.user_role) };
}
