/**
 * LiteLLM's mapping between SCIM resources and Sluice's records (scim_transformations.py):
 * a User is an internal user (`userName` → `user_id`, `emails[0]` → `user_email`, `externalId`
 * → `sso_user_id`, `displayName` → `user_alias`, name parts and `active` in
 * `metadata.scim_metadata` / `metadata.scim_active`); a Group is a team (`displayName` →
 * `team_alias`, members = team members, `externalId` in `metadata.externalId`).
 */
import type { Json, TeamView, UserView } from './management.js';
import { ScimErrors } from './scim-errors.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** User metadata keys, LiteLLM's names. */
export const META = {
  name: 'scim_metadata',
  active: 'scim_active',
  enterprise: 'scim_enterprise',
  roles: 'scim_roles',
  entitlements: 'scim_entitlements',
  /** Other attributes an IdP sets (LiteLLM writes them at the top of metadata; kept apart here). */
  attributes: 'scim_attributes',
  /** Keys this plugin blocked when the user was deactivated: only these are unblocked on reactivation. */
  blockedKeys: 'scim_blocked_keys',
} as const;

/** Team metadata: LiteLLM marks teams a SCIM client writes. */
export const TEAM_META = { managed: 'scim_managed', externalId: 'externalId' } as const;

export function metadataOf(u: { metadata: Json | null }): Json {
  return u.metadata && typeof u.metadata === 'object' ? { ...u.metadata } : {};
}

/** `active` as stored: absent means active (LiteLLM). */
export function isActive(u: UserView): boolean {
  const v = metadataOf(u)[META.active];
  return v === undefined || v === null ? true : v === true;
}

/** SCIM booleans, and the strings Entra sends for them ("True", "False"). */
export function parseBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw ScimErrors.INVALID_VALUE({ reason: `${field} must be true or false, not ${JSON.stringify(value)}` });
}

export interface Location {
  /** `https://host/scim/v2` */
  base: string;
}

export function toScimUser(u: UserView, teamAlias: (id: string) => string | null, at: Location): Json {
  const meta = metadataOf(u);
  const name = (meta[META.name] ?? {}) as { givenName?: string | null; familyName?: string | null; formatted?: string | null };
  const enterprise = meta[META.enterprise];
  return {
    schemas: enterprise ? [USER_SCHEMA, ENTERPRISE_SCHEMA] : [USER_SCHEMA],
    id: u.user_id,
    ...(u.sso_user_id && { externalId: u.sso_user_id }),
    userName: u.user_id,
    displayName: u.user_alias ?? u.user_email ?? u.user_id,
    name: {
      ...(name.givenName && { givenName: name.givenName }),
      ...(name.familyName && { familyName: name.familyName }),
      ...(name.formatted && { formatted: name.formatted }),
    },
    emails: u.user_email ? [{ value: u.user_email, primary: true }] : [],
    groups: (u.teams ?? []).map((id) => ({ value: id, display: teamAlias(id) ?? id, $ref: `${at.base}/Groups/${encodeURIComponent(id)}`, type: 'direct' })),
    active: isActive(u),
    ...(Array.isArray(meta[META.roles]) && { roles: meta[META.roles] }),
    ...(Array.isArray(meta[META.entitlements]) && { entitlements: meta[META.entitlements] }),
    ...(enterprise ? { [ENTERPRISE_SCHEMA]: enterprise } : {}),
    meta: {
      resourceType: 'User',
      created: u.created_at,
      lastModified: u.updated_at,
      location: `${at.base}/Users/${encodeURIComponent(u.user_id)}`,
    },
  };
}

export function toScimGroup(t: TeamView, at: Location, withMembers = true): Json {
  const meta = metadataOf(t);
  const externalId = meta[TEAM_META.externalId];
  return {
    schemas: [GROUP_SCHEMA],
    id: t.team_id,
    ...(typeof externalId === 'string' && { externalId }),
    displayName: t.team_alias ?? t.team_id,
    ...(withMembers && {
      members: (t.members_with_roles ?? []).map((m) => ({
        value: m.user_id,
        display: m.user_email ?? m.user_id,
        type: 'User',
        $ref: `${at.base}/Users/${encodeURIComponent(m.user_id)}`,
      })),
    }),
    meta: {
      resourceType: 'Group',
      created: t.created_at,
      lastModified: t.updated_at,
      location: `${at.base}/Groups/${encodeURIComponent(t.team_id)}`,
    },
  };
}

export function listResponse(resources: Json[], total: number, startIndex: number): Json {
  return { schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** A SCIM request body: a JSON object. */
export function objectBody(body: unknown): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw ScimErrors.INVALID_SYNTAX({ reason: 'The request body must be a JSON object.' });
  return body as Json;
}

export function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw ScimErrors.INVALID_VALUE({ reason: `${field} must be a string` });
  return v;
}

/** The user's email: the primary one, else the first (LiteLLM: `emails[0]`). */
export function emailOf(emails: unknown): string | null {
  if (emails === undefined || emails === null) return null;
  if (!Array.isArray(emails)) throw ScimErrors.INVALID_VALUE({ reason: 'emails must be a list of {"value", "type", "primary"}' });
  const list = emails.map((e) => {
    if (typeof e === 'string') return { value: e, primary: false };
    if (!e || typeof e !== 'object' || typeof (e as Json).value !== 'string') throw ScimErrors.INVALID_VALUE({ reason: 'emails must be a list of {"value", "type", "primary"}' });
    return e as { value: string; primary?: unknown };
  });
  return (list.find((e) => e.primary === true) ?? list[0])?.value ?? null;
}
