/**
 * Spend on the records (`/key/info`, `/team/info`… show it): onSpend adds each call's cost to
 * every scope it was checked against, in memory; `flush` writes the sums as
 * `spend = spend + ?` (no read, so instances flushing into the same rows never lose an increment).
 * A failed write keeps its amount for the next flush.
 */
import type { LimitScope, SpendEvent } from '../../../plugin-sdk/index.js';
import type { Stores } from './tenancy-deps.js';

const SEP = '\u0000';

export class SpendAccumulator {
  private pending = new Map<string, number>();
  private flushing: Promise<void> | undefined;

  constructor(private readonly stores: Stores) {}

  get size(): number {
    return this.pending.size;
  }

  record(event: Readonly<SpendEvent>): void {
    if (!(event.cost > 0)) return;
    for (const scope of event.scopes as readonly LimitScope[]) this.add(scope.kind, scope.id, event.cost);
  }

  add(kind: string, id: string, amount: number): void {
    const k = kind + SEP + id;
    this.pending.set(k, (this.pending.get(k) ?? 0) + amount);
  }

  /** Writes what accumulated; one flush at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => this.flush());
    if (this.pending.size === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(batch: Map<string, number>): Promise<void> {
    const s = this.stores;
    const failed: Error[] = [];
    for (const [k, amount] of batch) {
      const [kind, id] = k.split(SEP) as [string, string];
      try {
        if (kind === 'key') await s.keys.addSpend(id, amount);
        else if (kind === 'user') await s.users.addSpend(id, amount);
        else if (kind === 'team') await s.teams.addSpend(id, amount);
        else if (kind === 'organization') await s.organizations.addSpend(id, amount);
        else if (kind === 'project') await s.projects.addSpend(id, amount);
        else if (kind === 'customer') await s.customers.addSpend(id, amount);
        else if (kind === 'tag') await s.tags.addSpend(id, amount);
      } catch (err) {
        this.add(kind, id, amount);
        failed.push(err as Error);
      }
    }
    if (failed.length > 0) throw failed[0];
  }
}
