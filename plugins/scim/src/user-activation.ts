/**
 * `active: false` blocks every key of the user at once, `active: true` unblocks the keys SCIM
 * blocked (LiteLLM `_set_user_keys_blocked`). Each key goes through `/key/block`, which drops it
 * from every instance's key cache (Redis pub/sub), so a deactivated user's key is refused
 * everywhere within the propagation delay. The keys SCIM blocked are remembered in the user's
 * metadata (`scim_blocked_keys`; LiteLLM tags each key's metadata instead): a key an admin had
 * blocked for its own reasons stays blocked on reactivation, and only keys the user still owns
 * are ever unblocked.
 */
import type { Json, Management, UserView } from './management.js';
import { META, metadataOf } from './scim-resources.js';

/** The user's keys not yet blocked: what deactivation blocks (and records). */
export async function keysToBlock(management: Management, userId: string): Promise<string[]> {
  return (await management.keysOf(userId)).filter((k) => k.blocked !== true).map((k) => k.token);
}

/**
 * Applies an `active` change after the user's record was written with `metadata`:
 * deactivation blocks `toBlock`; reactivation unblocks what was recorded.
 */
export async function applyActivation(management: Management, user: UserView, from: boolean, to: boolean, recorded: readonly string[], toBlock: readonly string[]): Promise<void> {
  if (from === to) return;
  if (!to) {
    for (const token of toBlock) await management.setKeyBlocked(token, true);
    return;
  }
  const owned = new Set((await management.keysOf(user.user_id)).map((k) => k.token));
  for (const token of recorded) if (owned.has(token)) await management.setKeyBlocked(token, false);
}

/**
 * The metadata to write for a change of `active`, and what `applyActivation` then needs.
 * Deactivating lists the keys first so the record names them before they are blocked: if a
 * block fails midway, reactivation still unblocks the ones that were.
 */
export async function activationMetadata(
  management: Management,
  user: UserView,
  metadata: Json,
  to: boolean | undefined,
): Promise<{ metadata: Json; from: boolean; to: boolean; recorded: string[]; toBlock: string[] }> {
  const before = metadataOf(user);
  const from = before[META.active] === undefined || before[META.active] === null ? true : before[META.active] === true;
  const recorded = Array.isArray(before[META.blockedKeys]) ? (before[META.blockedKeys] as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  const next = to ?? from;
  const out: Json = { ...metadata, [META.active]: next };
  if (from === next) {
    if (recorded.length > 0) out[META.blockedKeys] = recorded;
    return { metadata: out, from, to: next, recorded, toBlock: [] };
  }
  if (!next) {
    const toBlock = await keysToBlock(management, user.user_id);
    out[META.blockedKeys] = [...new Set([...recorded, ...toBlock])];
    return { metadata: out, from, to: next, recorded, toBlock };
  }
  delete out[META.blockedKeys];
  return { metadata: out, from, to: next, recorded, toBlock: [] };
}
