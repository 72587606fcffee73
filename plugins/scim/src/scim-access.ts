/**
 * Who may provision. LiteLLM's SCIM token is a virtual key a proxy admin generates from the UI
 * with `allowed_routes: ["/scim/*"]` (governance-tenancy confines such a key to those routes).
 * Admitted here:
 *  - a `proxy_admin` principal (the master key, an admin's key, an admin's SSO session or JWT);
 *  - a key whose `allowed_routes` cover `/scim/v2/…` and that a proxy admin created (the
 *    master key's `default_user_id`, or a user whose role is `proxy_admin`): the SCIM token
 *    generated with the master key and no `user_id`, whose own role is `internal_user`.
 * Refused with 403: every other role, including a key an internal user gave itself
 * `allowed_routes: ["/scim/*"]` (it may not provision users by naming a route), and
 * `proxy_admin_viewer` (SCIM reads are the prelude to writes; a viewer needs neither).
 */
import type { Principal } from '@sluice/plugin-sdk';
import type { Management } from './management.js';
import { ScimErrors } from './scim-errors.js';

/** The LiteLLM user id of the master key (auth-master-key's principal). */
const MASTER_KEY_USER = 'default_user_id';
const PROBE = '/scim/v2/Users';

/** An `allowed_routes` entry that admits the SCIM routes (`/scim/*`, `/scim/v2/*`, `/*`). */
export function coversScim(entry: string): boolean {
  if (entry.endsWith('*')) return PROBE.startsWith(entry.slice(0, -1));
  return false;
}

interface KeyInfo {
  info?: { allowed_routes?: unknown; created_by?: unknown };
}

export async function authorize(p: Principal | undefined, management: Management): Promise<void> {
  if (p?.role === 'proxy_admin') return;
  if (p?.keyHash && p.authenticatedBy === 'governance-tenancy') {
    const key = await management.maybe<KeyInfo>('GET', `/key/info?key=${encodeURIComponent(p.keyHash)}`);
    const routes = Array.isArray(key?.info?.allowed_routes) ? (key.info.allowed_routes as unknown[]) : [];
    const creator = typeof key?.info?.created_by === 'string' ? key.info.created_by : undefined;
    if (routes.some((r) => typeof r === 'string' && coversScim(r)) && creator !== undefined) {
      const user = await management.user(creator);
      if (user ? user.user_role === 'proxy_admin' : creator === MASTER_KEY_USER) return;
    }
  }
  throw ScimErrors.FORBIDDEN({ role: p?.role ?? 'none' });
}
