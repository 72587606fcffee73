/**
 * A key made for a user SCIM deactivated (an admin's /key/generate, /user/new, an SSO login's
 * session key, a regeneration, a key moved to that user) is blocked as soon as its audit event
 * arrives, and recorded with the keys reactivation unblocks. Observed off the request path: only
 * key events that name a user cost a lookup.
 */
import type { AuditEvent } from '@sluice/plugin-sdk';
import type { Management } from './management.js';
import { isActive, META, metadataOf } from './scim-resources.js';

const KEY_EVENTS = new Set(['key.generate', 'key.regenerate', 'key.update']);

export async function blockKeyOfInactiveUser(management: Management, event: AuditEvent): Promise<void> {
  if (!KEY_EVENTS.has(event.action) || event.objectType !== 'virtual_key') return;
  const after = event.after as { user_id?: unknown; blocked?: unknown } | undefined;
  if (typeof after?.user_id !== 'string' || after.blocked === true) return;
  const user = await management.user(after.user_id);
  if (!user || isActive(user)) return;
  await management.setKeyBlocked(event.objectId, true);
  const metadata = metadataOf(user);
  const recorded = Array.isArray(metadata[META.blockedKeys]) ? (metadata[META.blockedKeys] as unknown[]) : [];
  if (!recorded.includes(event.objectId)) await management.updateUser(user.user_id, { metadata: { ...metadata, [META.blockedKeys]: [...recorded, event.objectId] } });
}
