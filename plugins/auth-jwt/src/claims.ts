/**
 * What a verified token says, read as LiteLLM's JWTHandler reads it (handle_jwt.py): scopes,
 * the admin scope, user / email / team / team list / organization / end user claims at dot
 * paths, user roles and role mappings, and the RBAC role (`get_rbac_role`) the route and model
 * rules are judged by. Computed once per token (the result is cached with it).
 */
import type { JWTPayload } from 'jose';
import type { AuthJwtConfig } from './config.generated.js';

export type RbacRole = 'proxy_admin' | 'team' | 'internal_user';

export interface TokenClaims {
  scopes: string[];
  admin: boolean;
  rbacRole: RbacRole | undefined;
  userId: string | undefined;
  userEmail: string | undefined;
  /** The team named by team_id_jwt_field (a list: its first entry), else team_id_default. */
  teamId: string | undefined;
  /** team_ids_jwt_field's teams, then teamId: the teams the token may act for. */
  allTeamIds: string[];
  organizationId: string | undefined;
  endUserId: string | undefined;
  /** Stable id of the caller for the principal: `jwt:<iss>#<sub>`. */
  principalId: string;
}

/** LiteLLM's get_nested_value: `a.b.c`, with `\.` for a dot inside a claim name. */
export function nestedValue(data: unknown, path: string): unknown {
  let node = data;
  for (const raw of path.split(/(?<!\\)\./)) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    const key = raw.replace(/\\\./g, '.');
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const asString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const asList = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map(asString).filter((s): s is string => s !== undefined) : typeof v === 'string' ? [v] : undefined;

export function claimReader(config: AuthJwtConfig): (payload: JWTPayload) => TokenClaims {
  const at = (payload: JWTPayload, path: string | undefined) => (path === undefined ? undefined : nestedValue(payload, path));
  const adminScope = config.admin_jwt_scope ?? 'litellm_proxy_admin';
  const allowedUserRoles = new Set(config.user_allowed_roles ?? []);

  return (payload) => {
    const rawScope = payload.scope;
    const scopes = typeof rawScope === 'string' ? rawScope.split(/\s+/).filter(Boolean) : (asList(rawScope) ?? []);
    const admin = scopes.includes(adminScope);
    const userEmail = asString(at(payload, config.user_email_jwt_field));
    const claimedUser = asString(at(payload, config.user_id_jwt_field));
    // get_team_id: the claim (its first entry when a list), else team_id_default.
    const teamClaim = at(payload, config.team_id_jwt_field);
    let teamId = Array.isArray(teamClaim) ? asString(teamClaim[0]) : asString(teamClaim);
    if (teamId === undefined) teamId = config.team_id_default;
    const roles = asList(at(payload, config.roles_jwt_field)) ?? [];
    const userRoles = asList(at(payload, config.user_roles_jwt_field));

    let rbacRole: RbacRole | undefined;
    if (admin) rbacRole = 'proxy_admin';
    else if (teamId !== undefined) rbacRole = 'team';
    else if (claimedUser !== undefined || (userRoles !== undefined && userRoles.some((r) => allowedUserRoles.has(r)))) rbacRole = 'internal_user';
    else rbacRole = config.role_mappings?.find((m) => roles.includes(m.role))?.internal_role;

    // object_id_jwt_field: the team or user id, by the role the mappings gave.
    let userId = claimedUser ?? userEmail;
    const objectId = asString(at(payload, config.object_id_jwt_field));
    if (objectId !== undefined && rbacRole === 'team') teamId = objectId;
    else if (objectId !== undefined && rbacRole === 'internal_user') userId = objectId;

    const groupTeams = asList(at(payload, config.team_ids_jwt_field)) ?? [];
    const allTeamIds = teamId !== undefined && !groupTeams.includes(teamId) ? [...groupTeams, teamId] : groupTeams;
    const subject = asString(payload.sub) ?? userId ?? teamId ?? '';
    return {
      scopes,
      admin,
      rbacRole,
      userId,
      userEmail,
      teamId,
      allTeamIds,
      organizationId: asString(at(payload, config.org_id_jwt_field)),
      endUserId: asString(at(payload, config.end_user_id_jwt_field)),
      principalId: `jwt:${asString(payload.iss) ?? ''}#${subject}`,
    };
  };
}
