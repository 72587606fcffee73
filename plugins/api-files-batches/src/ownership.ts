/**
 * Who may see a file or a batch, as LiteLLM isolates managed resources
 * (`litellm/llms/base_llm/managed_resources/isolation.py`): proxy admins (and admin viewers, for
 * reading) see everything; a caller with a user id owns what it created under that id (so the
 * user's other keys see it too); the caller's team sees what its members created; a key with
 * neither user nor team owns its resources under its own key id. A resource a caller may not see
 * is answered as an unknown id (404), so ids of other tenants cannot be probed.
 */
import type { Principal } from '@sluice/plugin-sdk';

export interface Owner {
  /** LiteLLM's `created_by`. */
  createdBy: string | null;
  teamId: string | null;
  /** The creating key (the principal's id). */
  keyId: string;
}

export interface OwnedRow {
  created_by: string | null;
  team_id: string | null;
}

/** What a new file or batch is stamped with. */
export function ownerOf(p: Principal): Owner {
  return { createdBy: ownerId(p), teamId: p.teamId ?? null, keyId: p.id };
}

/** LiteLLM's `resolve_resource_owner_id`: the user, else nothing when a team owns it, else the key. */
function ownerId(p: Principal): string | null {
  if (p.userId) return p.userId;
  if (p.teamId) return null;
  return `key:${p.id}`;
}

/** Sees every tenant's resources: LiteLLM's `user_api_key_has_admin_view`. */
export function hasAdminView(p: Principal): boolean {
  return p.role === 'proxy_admin' || p.role === 'proxy_admin_viewer';
}

/** May read the resource (retrieve, download, list, batch from it). */
export function mayRead(p: Principal, row: OwnedRow): boolean {
  if (hasAdminView(p)) return true;
  return isOwnersOrTeams(p, row);
}

/** May change the resource (delete, cancel): a view-only admin reads every tenant's but changes none. */
export function mayWrite(p: Principal, row: OwnedRow): boolean {
  if (p.role === 'proxy_admin') return true;
  return isOwnersOrTeams(p, row);
}

function isOwnersOrTeams(p: Principal, row: OwnedRow): boolean {
  const owner = ownerId(p);
  if (owner !== null && row.created_by !== null && row.created_by === owner) return true;
  return !!p.teamId && row.team_id !== null && row.team_id === p.teamId;
}

/**
 * The listing's owner filter (LiteLLM's `build_owner_filter`): `undefined` lists everything
 * (admins); otherwise rows created by the caller's owner id or shared with its team.
 */
export function listFilter(p: Principal): { createdBy: string | null; teamId: string | null } | undefined {
  if (hasAdminView(p)) return undefined;
  return { createdBy: ownerId(p), teamId: p.teamId ?? null };
}
