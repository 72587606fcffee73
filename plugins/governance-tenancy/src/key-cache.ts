/**
 * This instance's memory of looked-up keys, keyed by presented hash, so that authenticating a
 * known key costs no database round trip. Entries live `ttlMs` (unknown tokens `negativeTtlMs`);
 * the map is capped, dropping the oldest entry first (Map keeps insertion order).
 *
 * An entry may stand for another key (a regenerated key's old hash in its grace period), so
 * `invalidate(token)` drops both the entry of that hash and every entry resolving to it. A lookup
 * that started before an invalidation is not cached (the `epoch` check), so a slow database read
 * cannot put back what another instance just changed.
 */
import type { Principal } from '@sluice/plugin-sdk';
import type { KeyRecord } from './key-record.js';

export interface CacheEntry {
  record: KeyRecord | undefined;
  principal: Principal | undefined;
  /** Set when the key's team or project is blocked: auth refuses with it. */
  refusal?: () => Error;
  /** For an old hash in its grace period: when it stops working. */
  revokeAt?: number;
  storedAt: number;
}

export class KeyCache {
  private readonly entries = new Map<string, CacheEntry>();
  private epoch = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly negativeTtlMs: number,
    private readonly maxEntries: number,
  ) {}

  get currentEpoch(): number {
    return this.epoch;
  }

  get size(): number {
    return this.entries.size;
  }

  get(hash: string, now: number): CacheEntry | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    const ttl = entry.record ? this.ttlMs : this.negativeTtlMs;
    if (now - entry.storedAt >= ttl) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry;
  }

  /** Stores an entry unless an invalidation happened since `epoch` was read. */
  set(hash: string, entry: CacheEntry, epoch: number): void {
    if (epoch !== this.epoch) return;
    const ttl = entry.record ? this.ttlMs : this.negativeTtlMs;
    if (ttl <= 0) return;
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Drops everything (an entity the cached principals were built from changed). */
  clear(): void {
    this.epoch++;
    this.entries.clear();
  }

  invalidate(token: string): void {
    this.epoch++;
    this.entries.delete(token);
    for (const [hash, entry] of this.entries) if (entry.record?.token === token) this.entries.delete(hash);
  }
}
