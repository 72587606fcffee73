/**
 * The roles SCIM gives. New users get LiteLLM's default SCIM role. With LiteLLM's
 * `scim_admin_group` (`_resolve_scim_user_role`, `_recompute_scim_member_roles`):
 * when set, a user SCIM writes is `proxy_admin` while one of its teams has that id or alias, and
 * the default SCIM role otherwise, so leaving the group demotes. Unset, roles are left alone.
 */
import type { Management } from './management.js';
import type { ScimDeps } from './scim-route.js';

/** LiteLLM `_default_scim_user_role`: default_internal_user_params.user_role, else internal_user_viewer. */
export function defaultUserRole(deps: ScimDeps): string {
  const params = deps.ctx.settings.litellm_settings.default_internal_user_params as { user_role?: unknown } | undefined;
  return typeof params?.user_role === 'string' ? params.user_role : 'internal_user_viewer';
}

/** Sets the role of each user from its teams now; no-op without `scim_admin_group`. */
export async function recomputeRoles(deps: ScimDeps, userIds: Iterable<string>): Promise<void> {
  const group = deps.config.scim_admin_group;
  if (!group) return;
  const m: Management = deps.management;
  const aliases = new Map<string, string | null>();
  for (const userId of new Set(userIds)) {
    const user = await m.user(userId);
    if (!user) continue;
    let admin = false;
    for (const teamId of user.teams ?? []) {
      if (!aliases.has(teamId)) aliases.set(teamId, (await m.team(teamId))?.team_alias ?? null);
      if (teamId === group || aliases.get(teamId) === group) admin = true;
    }
    const role = admin ? 'proxy_admin' : defaultUserRole(deps);
    if (user.user_role !== role) await m.updateUser(userId, { user_role: role });
  }
}
