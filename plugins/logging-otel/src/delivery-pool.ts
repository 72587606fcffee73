/**
 * One LogDelivery (bounded queue, batches, retries, spill file) and one span sender per
 * destination: each integration's global destination, and each team's or key's own. The pool is
 * bounded: past `max` destinations the least recently used one is closed (what it still holds
 * goes to its spill file, replayed when that destination is used again).
 */
import { createHash } from 'node:crypto';
import type { Logger, Metrics } from '@sluice/plugin-sdk';
import { LogDelivery } from '@sluice/plugin-sdk/node';
import type { Destination } from './destinations.js';
import { SpanSender } from './otlp-export.js';
import type { QueuedCall } from './span-record.js';

export interface DeliveryPoolOptions {
  dataDir: string;
  log: Logger;
  metrics: Metrics;
  max: number;
  batchSize: number;
  flushIntervalMs: number;
  maxQueued: number;
  exportTimeoutMs: number;
}

interface Entry {
  delivery: LogDelivery<QueuedCall>;
  sender: SpanSender;
}

export class DeliveryPool {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: DeliveryPoolOptions) {}

  /**
   * The delivery of a destination. `key` identifies it (integration, and for a party's own
   * destination its resolved settings): the same key always maps to the same spill file.
   */
  get(key: string, destination: Destination): LogDelivery<QueuedCall> {
    const found = this.entries.get(key);
    if (found) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.delivery;
    }
    if (this.entries.size >= this.opts.max) this.evictOldest();
    const sender = new SpanSender(destination, this.opts.exportTimeoutMs);
    const delivery = new LogDelivery<QueuedCall>({
      name: deliveryName(key, destination),
      dataDir: this.opts.dataDir,
      log: this.opts.log,
      metrics: this.opts.metrics,
      batchSize: this.opts.batchSize,
      flushIntervalMs: this.opts.flushIntervalMs,
      maxQueued: this.opts.maxQueued,
      timeoutMs: this.opts.exportTimeoutMs,
      send: (batch) => sender.send(batch.items(), batch.signal),
      // An encoded call is one string: its length is its size (no walk over the item).
      sizeOf: (call) => ('protobuf' in call ? call.protobuf.length : 'json' in call ? call.json.length : JSON.stringify(call).length),
    });
    this.entries.set(key, { delivery, sender });
    return delivery;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.delivery.flush()));
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => closeEntry(e)));
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOldest(): void {
    const [key, entry] = this.entries.entries().next().value as [string, Entry];
    this.entries.delete(key);
    void closeEntry(entry).catch((err: unknown) => this.opts.log.warn({ err }, 'closing an idle tracing destination failed'));
  }
}

async function closeEntry(entry: Entry): Promise<void> {
  await entry.delivery.close();
  await entry.sender.shutdown();
}

/**
 * The spill file's and metric label's name: the integration for its global destination, else the
 * integration and a digest of the party's settings (never the credentials themselves).
 */
function deliveryName(key: string, destination: Destination): string {
  if (key === destination.integration) return destination.integration;
  return `${destination.integration}-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}
