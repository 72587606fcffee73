/**
 * The management routes SCIM acts through (`ctx.management`), as the plugin's own proxy_admin
 * principal (`plugin:scim` in the audit trail): users, teams and keys change exactly as an admin
 * would change them, with governance-tenancy's validation, cache invalidation across instances
 * and audit. A refusal keeps its status (400/403/404/409) and message; any other failure is a 502.
 */
import type { HttpMethod, ManagementAnswer, ManagementClient, PluginContext } from '@sluice/plugin-sdk';
import { ScimErrors } from './scim-errors.js';

export type Json = Record<string, unknown>;

/** LiteLLM_UserTable as /user/info and /user/list show it (the fields SCIM reads). */
export interface UserView {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  user_role: string;
  sso_user_id: string | null;
  metadata: Json | null;
  teams: string[];
  created_at: string | null;
  updated_at: string | null;
}

export interface TeamMember {
  user_id: string;
  user_email: string | null;
  role: string;
}

/** LiteLLM_TeamTable as /team/info and /v2/team/list show it. */
export interface TeamView {
  team_id: string;
  team_alias: string | null;
  metadata: Json | null;
  members_with_roles: TeamMember[];
  created_at: string | null;
  updated_at: string | null;
}

export interface KeyView {
  token: string;
  blocked: boolean | null;
  user_id: string | null;
}

function messageOf(body: unknown): string {
  const e = (body as { error?: { message?: unknown } } | undefined)?.error;
  if (e && typeof e.message === 'string') return e.message;
  return typeof body === 'string' ? body : JSON.stringify(body ?? null);
}

/** A management refusal as a SCIM verdict with the same status and message. */
function refused(answer: ManagementAnswer, path: string): never {
  const detail = messageOf(answer.body);
  switch (answer.status) {
    case 400:
    case 422:
      throw ScimErrors.REFUSED_400({ detail });
    case 401:
    case 403:
      throw ScimErrors.REFUSED_403({ detail });
    case 404:
      throw ScimErrors.REFUSED_404({ detail });
    case 409:
      throw ScimErrors.REFUSED_409({ detail });
    default:
      throw ScimErrors.UPSTREAM({ route: path.split('?')[0], status: answer.status, detail });
  }
}

export class Management {
  constructor(private readonly ctx: PluginContext) {}

  private get client(): ManagementClient {
    const client = this.ctx.management;
    // A fault, not a verdict: the gateway reports it with the plugin id.
    if (!client) throw new Error('ctx.management is not available: SCIM needs the gateway management API (governance-tenancy)');
    return client;
  }

  async call(method: HttpMethod, path: string, body?: unknown): Promise<ManagementAnswer> {
    return this.client.request({ method, path, ...(body !== undefined && { body }) });
  }

  /** The answer's body when it is a 2xx; otherwise the refusal as a verdict. */
  async ok<T = Json>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
    const answer = await this.call(method, path, body);
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    return refused(answer, path);
  }

  /** The body on a 2xx, `undefined` on a 404, the refusal otherwise. */
  async maybe<T = Json>(method: HttpMethod, path: string, body?: unknown): Promise<T | undefined> {
    const answer = await this.call(method, path, body);
    if (answer.status === 404) return undefined;
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    return refused(answer, path);
  }

  // Users ------------------------------------------------------------------------------------

  async user(userId: string): Promise<UserView | undefined> {
    const info = await this.maybe<{ user_info: UserView }>('GET', `/user/info?user_id=${encodeURIComponent(userId)}`);
    return info?.user_info;
  }

  /** One page of /user/list (page_size ≤ 100) with its total. */
  async users(query: Record<string, string>, page: number, size: number): Promise<{ users: UserView[]; total: number }> {
    const q = new URLSearchParams({ ...query, page: String(page), page_size: String(size) });
    const r = await this.ok<{ users: UserView[]; total: number }>('GET', `/user/list?${q}`);
    return { users: r.users, total: r.total };
  }

  async updateUser(userId: string, fields: Json): Promise<UserView> {
    const r = await this.ok<{ data: UserView }>('POST', '/user/update', { user_id: userId, ...fields });
    return r.data;
  }

  // Teams ------------------------------------------------------------------------------------

  async team(teamId: string): Promise<TeamView | undefined> {
    const info = await this.maybe<{ team_info: TeamView }>('GET', `/team/info?team_id=${encodeURIComponent(teamId)}`);
    return info?.team_info;
  }

  async teams(query: Record<string, string>, page: number, size: number): Promise<{ teams: TeamView[]; total: number }> {
    const q = new URLSearchParams({ ...query, page: String(page), page_size: String(size) });
    const r = await this.ok<{ teams: TeamView[]; total: number }>('GET', `/v2/team/list?${q}`);
    return { teams: r.teams, total: r.total };
  }

  async addMember(teamId: string, userId: string): Promise<void> {
    await this.ok('POST', '/team/member_add', { team_id: teamId, member: { user_id: userId, role: 'user' } });
  }

  /** Removes a member; one that is not there is already removed (idempotent, as LiteLLM). */
  async removeMember(teamId: string, userId: string): Promise<void> {
    await this.maybe('POST', '/team/member_delete', { team_id: teamId, user_id: userId });
  }

  // Keys -------------------------------------------------------------------------------------

  /** Every key of a user (hashes, blocked state), page by page. */
  async keysOf(userId: string): Promise<KeyView[]> {
    const out: KeyView[] = [];
    for (let page = 1; ; page++) {
      const q = new URLSearchParams({ user_id: userId, return_full_object: 'true', page: String(page), size: '100' });
      const r = await this.ok<{ keys: KeyView[]; total_pages: number }>('GET', `/key/list?${q}`);
      out.push(...r.keys);
      if (page >= r.total_pages || r.keys.length === 0) return out;
    }
  }

  async setKeyBlocked(token: string, blocked: boolean): Promise<void> {
    // A key deleted meanwhile needs nothing.
    await this.maybe('POST', blocked ? '/key/block' : '/key/unblock', { key: token });
  }
}
