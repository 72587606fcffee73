/**
 * Which users a Group's `members` name (LiteLLM `_classify_group_member`): a member's `value`
 * is a user id, else an SSO id (`sso_user_id`, exact) or an email (case-insensitive). A member
 * typed `Group` (Entra's nested groups), or an untyped one naming a SCIM-managed team (Okta's),
 * is skipped: teams hold users only. A value naming two accounts is refused; one naming none is
 * created as a user (`scim_upsert_user`, default) or refused (strict SCIM 2.0).
 */
import type { Json, Management, TeamMember } from './management.js';
import { ScimErrors } from './scim-errors.js';
import { META, metadataOf, TEAM_META } from './scim-resources.js';
import type { ScimDeps } from './scim-route.js';
import { defaultUserRole } from './scim-roles.js';
import { usersByEmail, usersBySsoId } from './scim-users.js';

export interface MemberRef {
  value: string;
  type?: string;
}

/** Members from a value (`[{"value", "type"}]`, one object, or ids) or a `members[value eq "id"]` path. */
export function memberRefs(value: unknown, path?: string): MemberRef[] {
  const out: MemberRef[] = [];
  for (const v of Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]) {
    if (typeof v === 'string') out.push({ value: v });
    else if (v && typeof v === 'object' && (v as Json).value !== undefined && (v as Json).value !== null) {
      const type = (v as Json).type;
      out.push({ value: String((v as Json).value), ...(typeof type === 'string' && { type }) });
    }
  }
  const m = path ? /^members\s*\[\s*value\s+eq\s+"((?:\\.|[^"\\])*)"\s*\]$/i.exec(path.trim()) : null;
  if (out.length === 0 && m) out.push({ value: JSON.parse(`"${m[1]}"`) as string });
  for (const r of out) if (r.value.trim() === '') throw ScimErrors.INVALID_VALUE({ reason: 'Invalid member: user ID cannot be empty.' });
  return out;
}

/** The user ids a value names by user id, SSO id or email. */
async function accountsNamedBy(m: Management, value: string): Promise<string[]> {
  const ids = new Set<string>();
  if (await m.user(value)) ids.add(value);
  for (const u of await usersBySsoId(m, value.trim())) ids.add(u.user_id);
  if (value.includes('@')) for (const u of await usersByEmail(m, value.trim())) ids.add(u.user_id);
  return [...ids];
}

/** The user ids members to add resolve to, creating the unknown ones when allowed. */
export async function resolveMembers(deps: ScimDeps, refs: readonly MemberRef[], createdVia: string): Promise<string[]> {
  const m = deps.management;
  const out: string[] = [];
  for (const ref of refs) {
    const type = ref.type?.trim().toLowerCase();
    if (type === 'group') continue;
    const named = await accountsNamedBy(m, ref.value);
    if (named.includes(ref.value) && named.length === 1) {
      out.push(ref.value);
      continue;
    }
    if (named.length > 1) {
      throw ScimErrors.INVALID_VALUE({
        reason: `Member ID '${ref.value}' names more than one LiteLLM user, so the group membership cannot be attributed. Resolve the duplicate.`,
      });
    }
    if (named.length === 1) {
      out.push(named[0]!);
      continue;
    }
    if (type !== undefined && type !== 'user') continue;
    if (type === undefined) {
      const team = await m.team(ref.value);
      if (team && metadataOf(team)[TEAM_META.managed] === true) continue; // Okta's untyped nested group
    }
    if (deps.config.scim_upsert_user === false) {
      // LiteLLM's wording (scim_upsert_user: false).
      throw ScimErrors.INVALID_VALUE({ reason: `User with ID '${ref.value}' does not exist. Please create the user first via POST /Users before adding to group.` });
    }
    await m.ok('POST', '/user/new', {
      user_id: ref.value,
      user_email: ref.value.includes('@') ? ref.value : null,
      user_role: defaultUserRole(deps),
      metadata: { created_via: createdVia, [META.active]: true },
      auto_create_key: false,
    });
    out.push(ref.value);
  }
  return [...new Set(out)];
}

/** The roster entries a removal names: by user id as written, or the accounts its SSO id or email name. */
export async function membersToDrop(m: Management, refs: readonly MemberRef[], roster: readonly TeamMember[]): Promise<string[]> {
  const onRoster = new Set(roster.map((r) => r.user_id));
  const out = new Set<string>();
  for (const ref of refs) {
    const hits = new Set<string>();
    if (onRoster.has(ref.value)) hits.add(ref.value);
    for (const id of await accountsNamedBy(m, ref.value)) if (onRoster.has(id)) hits.add(id);
    if (hits.size > 1) {
      throw ScimErrors.INVALID_VALUE({
        reason: `Member ID '${ref.value}' names more than one member of this group, so the removal cannot be attributed. Send the LiteLLM user ID as the member value, or resolve the duplicate.`,
      });
    }
    for (const id of hits) out.add(id);
  }
  return [...out];
}
