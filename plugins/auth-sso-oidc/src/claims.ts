/**
 * What an IdP says about a user → a Sluice user: LiteLLM's attribute names per provider (Google and
 * Microsoft fixed, generic through GENERIC_USER_*_ATTRIBUTE), its role mappings and team ids.
 */
import type { Role } from '@sluice/plugin-sdk';

export type Claims = Readonly<Record<string, unknown>>;

/** LiteLLM's CustomOpenID: what every provider's answer is turned into. */
export interface SsoUser {
  id: string | undefined;
  email: string | undefined;
  displayName: string | undefined;
  firstName: string | undefined;
  lastName: string | undefined;
  provider: string | undefined;
  /** The IdP's subject (`sub`), stored as sso_user_id. */
  subject: string | undefined;
  role: Role | undefined;
  teamIds: string[];
}

export const ROLES: readonly Role[] = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer'];
/** Most privileged first: when several mapped groups match, the first role here wins. */
const PRIVILEGE: readonly Role[] = ROLES;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** A claim by name or dot path (`realm_access.roles`); a literal key containing dots wins. */
export function claim(claims: Claims, path: string | undefined): unknown {
  if (!path) return undefined;
  if (path in claims) return claims[path];
  let node: unknown = claims;
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A claim as a list of strings: an array, a single string, or a comma/space separated string. */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
  if (typeof value === 'string') return value.split(/[,\s]+/).filter(Boolean);
  return [];
}

/** LiteLLM's GENERIC_ROLE_MAPPINGS_ROLES is a Python dict string; JSON and objects are accepted too. */
export function parseRoleMappings(value: unknown): Map<Role, string[]> {
  const out = new Map<Role, string[]>();
  if (value === undefined || value === null || value === '') return out;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      // A Python literal: single quotes, True/False/None.
      parsed = JSON.parse(value.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null'));
    }
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('role mappings must be an object of role → list of group names');
  for (const [role, groups] of Object.entries(parsed as Record<string, unknown>)) {
    if (!isRole(role)) throw new Error(`role mappings: "${role}" is not a role (${ROLES.join(', ')})`);
    out.set(role, stringList(groups));
  }
  return out;
}

export interface RoleRules {
  roleAttribute?: string | undefined;
  groupClaim?: string | undefined;
  mappings: Map<Role, string[]>;
  defaultRole?: Role | undefined;
}

/**
 * Role mappings (the user's groups) first, then a role-named claim, then the mapping's default
 * role; undefined leaves the stored role (or the new-user default) alone.
 */
export function roleOf(claims: Claims, rules: RoleRules): Role | undefined {
  if (rules.mappings.size > 0 && rules.groupClaim) {
    const groups = new Set(stringList(claim(claims, rules.groupClaim)));
    for (const role of PRIVILEGE) if (rules.mappings.get(role)?.some((g) => groups.has(g))) return role;
  }
  const named = claim(claims, rules.roleAttribute);
  if (isRole(named)) return named;
  if (Array.isArray(named)) {
    for (const role of PRIVILEGE) if (named.includes(role)) return role;
  }
  return rules.defaultRole;
}

export interface GenericAttributes {
  id: string;
  email: string;
  displayName: string;
  firstName: string;
  lastName: string;
  provider: string;
}

/** LiteLLM's generic_response_convertor. */
export function genericUser(claims: Claims, names: GenericAttributes): Omit<SsoUser, 'role' | 'teamIds'> {
  return {
    id: text(claim(claims, names.id)),
    email: text(claim(claims, names.email)),
    displayName: text(claim(claims, names.displayName)),
    firstName: text(claim(claims, names.firstName)),
    lastName: text(claim(claims, names.lastName)),
    provider: text(claim(claims, names.provider)),
    subject: text(claims.sub),
  };
}

/** fastapi_sso's GoogleSSO.openid_from_response. */
export function googleUser(claims: Claims): Omit<SsoUser, 'role' | 'teamIds'> {
  return {
    id: text(claims.sub),
    email: text(claims.email),
    displayName: text(claims.name),
    firstName: text(claims.given_name),
    lastName: text(claims.family_name),
    provider: 'google',
    subject: text(claims.sub),
  };
}

/** LiteLLM's MicrosoftSSOHandler.openid_from_response, from the ID token's claims (oid = Graph's id). */
export function microsoftUser(claims: Claims): Omit<SsoUser, 'role' | 'teamIds'> {
  return {
    id: text(claims.oid) ?? text(claims.sub),
    email: text(claims.preferred_username) ?? text(claims.upn) ?? text(claims.email),
    displayName: text(claims.name),
    firstName: text(claims.given_name),
    lastName: text(claims.family_name),
    provider: 'microsoft',
    subject: text(claims.sub),
  };
}

/** LiteLLM's user id fallback: the id claim, else first+last name, else the email. */
export function userIdOf(user: Pick<SsoUser, 'id' | 'email' | 'firstName' | 'lastName'>): string | undefined {
  if (user.id) return user.id;
  const name = `${user.firstName ?? ''}${user.lastName ?? ''}`;
  if (name) return name;
  return user.email;
}

/** Python's repr of a list of strings, as LiteLLM's email-domain message prints it. */
export function pythonList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at === -1 ? '' : email.slice(at + 1);
}
