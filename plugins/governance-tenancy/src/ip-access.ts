/**
 * Per key and per team IP allow-lists: `metadata.allowed_ips` on the key and on its team (LiteLLM
 * has only the proxy-wide `general_settings.allowed_ips`, checked by access-ip-allowlist; the
 * per key/team lists use the same place LiteLLM's key and team settings live, their metadata).
 * When both are set the caller must be in both. Compiled once per cached principal.
 */
import type { Principal } from '@sluice/plugin-sdk';
import { compileIpAllowlist, type IpAllowlist } from '@sluice/plugin-sdk/node';

const compiled = new WeakMap<Principal, readonly IpAllowlist[] | null>();

function listOf(metadata: unknown): readonly string[] | undefined {
  const ips = metadata && typeof metadata === 'object' ? (metadata as { allowed_ips?: unknown }).allowed_ips : undefined;
  // An empty list is how an admin clears the restriction.
  if (!Array.isArray(ips) || ips.length === 0) return undefined;
  return ips.filter((ip): ip is string => typeof ip === 'string');
}

/** The allow-lists that apply to the principal's calls (none: null). */
export function ipAllowlistsOf(principal: Principal): readonly IpAllowlist[] | null {
  let lists = compiled.get(principal);
  if (lists === undefined) {
    const meta = principal.metadata ?? {};
    // Entries were written through the API, not the config: an invalid one is left out, and a list left empty allows nobody.
    lists = [listOf(meta.metadata), listOf(meta.team_metadata)].filter((l): l is readonly string[] => l !== undefined).map((l) => compileIpAllowlist(l, { skipInvalid: true, verdictsKept: 64 }));
    if (lists.length === 0) lists = null;
    compiled.set(principal, lists);
  }
  return lists;
}

export function ipAllowed(lists: readonly IpAllowlist[], ip: string): boolean {
  for (const list of lists) if (!list.allows(ip)) return false;
  return true;
}
