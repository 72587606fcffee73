/**
 * From a verified assertion to the gateway's user: which attribute is the user id, the email, the
 * name, the groups; groups to a role and teams. Defaults follow LiteLLM's SAML handler (user id and
 * email from the `email` attribute, else the NameID) and read the names Entra, Okta and Shibboleth
 * send when the configured attribute is absent.
 */
import type { Role, UiIdentity } from '@sluice/plugin-sdk';
import type { AuthSsoSamlConfig } from './config.generated.js';
import type { VerifiedLogin } from './service-provider.js';

const EMAIL_FALLBACKS = [
  'email',
  'mail',
  'urn:oid:0.9.2342.19200300.100.1.3',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
];
const ENTRA_GROUPS = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups';
const ENTRA_ROLE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

/** Most privileged first: a user in several mapped groups gets the first of these it maps to. */
const ROLE_ORDER: readonly Role[] = ['proxy_admin', 'proxy_admin_viewer', 'internal_user', 'internal_user_viewer'];

export interface SamlIdentity extends UiIdentity {
  email: string | undefined;
  groups: string[];
}

function first(attributes: Record<string, string[]>, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const value = attributes[name]?.find((v) => v.trim() !== '');
  return value?.trim();
}

export function mapIdentity(login: VerifiedLogin, config: AuthSsoSamlConfig): SamlIdentity {
  const attrs = login.attributes;
  const nameId = login.nameId?.trim() || undefined;
  const email =
    first(attrs, config.user_email_attribute) ??
    EMAIL_FALLBACKS.map((n) => first(attrs, n)).find((v) => v !== undefined) ??
    (nameId?.includes('@') ? nameId : undefined);
  const userId = first(attrs, config.user_id_attribute) ?? nameId ?? email;
  if (!userId) throw new Error('the assertion names no user (no NameID and no user id attribute)');

  const firstName = first(attrs, config.user_first_name_attribute);
  const lastName = first(attrs, config.user_last_name_attribute);
  const displayName =
    first(attrs, config.user_display_name_attribute) ?? (firstName && lastName ? `${firstName} ${lastName}` : undefined) ?? email;

  const groupsAttribute = config.groups_attribute ?? 'groups';
  const groups = [...new Set((attrs[groupsAttribute] ?? (groupsAttribute === 'groups' ? attrs[ENTRA_GROUPS] : undefined) ?? []).map((g) => g.trim()).filter(Boolean))];

  return {
    userId,
    email,
    displayName,
    ssoUserId: nameId ?? userId,
    role: roleOf(attrs, groups, userId, email, config),
    teams: teamsOf(groups, config),
    groups,
  };
}

function roleOf(attrs: Record<string, string[]>, groups: string[], userId: string, email: string | undefined, config: AuthSsoSamlConfig): Role | undefined {
  // LiteLLM: PROXY_ADMIN_ID is compared with the user id; its SAML docs tell admins to set it to their email.
  if (config.proxy_admin_id !== undefined && (config.proxy_admin_id === userId || config.proxy_admin_id === email)) return 'proxy_admin';
  const stated = [...(attrs[config.role_attribute ?? ''] ?? []), ...(config.role_attribute === undefined ? (attrs[ENTRA_ROLE] ?? []) : [])];
  const mapped = groups.map((g) => config.role_mappings?.[g]).filter((r): r is NonNullable<typeof r> => r !== undefined);
  const candidates = new Set<string>([...stated.map((r) => r.trim()), ...mapped]);
  return ROLE_ORDER.find((role) => candidates.has(role));
}

function teamsOf(groups: string[], config: AuthSsoSamlConfig): string[] {
  const teams = new Set<string>();
  for (const group of groups) {
    const mapped = config.team_mappings?.[group];
    if (mapped !== undefined) teams.add(mapped);
    else if (config.groups_as_teams !== false) teams.add(group);
  }
  return [...teams];
}

/** `ALLOWED_EMAIL_DOMAINS` as a list (comma-separated string or list), lower-cased; undefined when unset. */
export function allowedDomains(setting: string | string[] | undefined): string[] | undefined {
  if (setting === undefined) return undefined;
  const list = (Array.isArray(setting) ? setting : setting.split(',')).map((d) => d.trim().toLowerCase()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}
