/**
 * A capped map with a time to live per entry, for customers and tags named by requests. `epoch`
 * guards against a slow read putting back what an invalidation just dropped (see key-cache.ts).
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();
  private epoch = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get currentEpoch(): number {
    return this.epoch;
  }

  /** The cached value, or undefined on a miss (a cached "absent" is stored as null by callers). */
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.storedAt >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, now: number, epoch: number): void {
    if (epoch !== this.epoch || this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: now });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  clear(): void {
    this.epoch++;
    this.entries.clear();
  }
}
