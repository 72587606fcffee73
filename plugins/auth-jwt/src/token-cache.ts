/**
 * Verified tokens, keyed by the SHA-256 of the token (the token itself is never held), each
 * until the earlier of its `exp` and the cache TTL: a repeat call costs a hash and a map lookup.
 * Bounded; the least recently used entry goes first (Map keeps insertion order; a hit moves the
 * entry to the end).
 */
import { createHash } from 'node:crypto';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class TokenCache<V extends { expiresAt: number }> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(hash: string, now: number): V | undefined {
    const entry = this.entries.get(hash);
    if (entry === undefined) return undefined;
    this.entries.delete(hash);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(hash, entry);
    return entry;
  }

  set(hash: string, entry: V): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.entries.clear();
  }
}
