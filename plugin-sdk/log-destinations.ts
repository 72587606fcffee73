/**
 * Pools of LogDelivery queues for integrations that send each team's or key's calls to that
 * party's own destination (its own Langfuse project, webhook, Datadog org). Bounded: past `max`
 * open destinations the least recently used one is closed (what it holds is sent or spilled to
 * its own file, replayed when that destination is used again), so a gateway with thousands of
 * teams holds at most `max` queues, and one destination's backlog is never sent with another's
 * credentials.
 *
 * - `CredentialDeliveryPool`: destinations known synchronously by their credentials; each gets its
 *   own spill folder under the plugin's data dir.
 * - `LazyDeliveryPool`: destinations made asynchronously (credentials resolved through secret
 *   managers first); `destinationName` names their spill file and metrics label.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LogDelivery, type DeliveryBatch, type LogDeliveryOptions } from './log-delivery.js';

export interface CredentialDestination<Creds> {
  /** `global`, `team:<id>`, `key:<hash>` (LoggingTarget.id). */
  targetId: string;
  creds: Creds;
}

export interface CredentialDeliveryPoolOptions<Item, Creds> {
  max: number;
  dataDir: string;
  /** Identity of the credentials: a destination whose credentials changed is a new one. */
  fingerprint(creds: Creds): string;
  sender(creds: Creds): (batch: DeliveryBatch<Item>) => Promise<void>;
  delivery: Omit<LogDeliveryOptions<Item>, 'send' | 'dataDir'>;
}

export class CredentialDeliveryPool<Item, Creds> {
  private readonly open = new Map<string, LogDelivery<Item>>();
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly opts: CredentialDeliveryPoolOptions<Item, Creds>) {}

  /** The delivery for a destination, opened on first use (most recently used last). */
  get(dest: CredentialDestination<Creds>): LogDelivery<Item> {
    const digest = createHash('sha256').update(this.opts.fingerprint(dest.creds)).digest('hex').slice(0, 16);
    const key = `${dest.targetId}|${digest}`;
    let delivery = this.open.get(key);
    if (delivery) {
      this.open.delete(key);
      this.open.set(key, delivery);
      return delivery;
    }
    const dataDir = dest.targetId === 'global' ? this.opts.dataDir : join(this.opts.dataDir, 'destinations', `${dest.targetId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}-${digest}`);
    delivery = new LogDelivery<Item>({ ...this.opts.delivery, dataDir, send: this.opts.sender(dest.creds) });
    this.open.set(key, delivery);
    if (this.open.size > this.opts.max) {
      const [oldestKey, oldest] = this.open.entries().next().value!;
      this.open.delete(oldestKey);
      const done = oldest.close().finally(() => this.closing.delete(done));
      this.closing.add(done);
    }
    return delivery;
  }

  get size(): number {
    return this.open.size;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.open.values()].map((d) => d.flush()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((d) => d.close()));
    this.open.clear();
    await Promise.all(this.closing);
  }
}

export class LazyDeliveryPool<Item> {
  private readonly open = new Map<string, Promise<LogDelivery<Item> | undefined>>();
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly max: number) {}

  /** The destination for `key`, made by `make` the first time (undefined: it cannot be used, already warned). */
  get(key: string, make: () => Promise<LogDelivery<Item> | undefined>): Promise<LogDelivery<Item> | undefined> {
    let entry = this.open.get(key);
    if (entry) {
      // Most recently used last: Map keeps insertion order.
      this.open.delete(key);
      this.open.set(key, entry);
      return entry;
    }
    entry = make();
    this.open.set(key, entry);
    if (this.open.size > this.max) this.evict(this.open.keys().next().value!);
    return entry;
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all([...all.map(async (p) => (await p.catch(() => undefined))?.close()), ...this.closing]);
  }

  private evict(key: string): void {
    const entry = this.open.get(key)!;
    this.open.delete(key);
    const done = entry
      .then((d) => d?.close())
      .catch(() => undefined)
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }
}

/** A short stable name for a destination's spill file and metrics label (no credential in it). */
export function destinationName(prefix: string, key: string, vars: Readonly<Record<string, string>>): string {
  const digest = createHash('sha256').update(key).update('\0').update(JSON.stringify(Object.entries(vars).sort())).digest('hex');
  return `${prefix}-${digest.slice(0, 12)}`;
}
