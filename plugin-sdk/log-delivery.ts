/**
 * Delivery that loses nothing, for every logging, tracing, export and alerting integration: a
 * bounded in-memory queue (by count and by bytes), batches by size and time, retries with capped
 * backoff, a dead-letter spill file under the plugin's data dir when the queue is full or the
 * gateway stops, replayed once the destination answers again (in this process or the next), and
 * metrics for queue depth, deliveries, failures, spills and drops. Built on the SDK's BatchWriter,
 * the spend writer's engine.
 *
 * `push` keeps the item as it is (no copy, no serialisation: plugins push from onSpend, and an
 * integration that sends protobuf never pays for JSON) and never waits; its size is estimated by a
 * walk over its strings for the byte bound. Items are serialised only when a send asks for
 * `texts`, or when they are spilled. A destination that hangs is cut off by `timeoutMs` and counted
 * as a failure. A slow or dead
 * destination therefore costs the request path nothing and memory at most `maxQueuedBytes`.
 * Delivery is at least once: a batch whose acknowledgement was lost is sent again, so give items
 * an id the destination can de-duplicate on (the request id) where it can.
 */
import { BatchWriter } from './batch-writer.js';
import type { Logger } from './capabilities.js';
import type { Metrics } from './metrics.js';

export interface DeliveryBatch<Item> {
  /** The items as JSON texts, in order (serialised on first use: join them for a JSON array or NDJSON body). */
  readonly texts: readonly string[];
  /** The items themselves (as pushed, or as read back from the spill file). Do not mutate them. */
  items(): Item[];
  /** Aborted when the send passes `timeoutMs`. */
  readonly signal: AbortSignal;
}

export interface LogDeliveryOptions<Item> {
  /** Names the spill file, log lines and the `integration` label: `langfuse`, `s3`… */
  name: string;
  /** Sends one batch; rejects to have it retried. Must tolerate a batch sent twice. */
  send(batch: DeliveryBatch<Item>): Promise<void>;
  /** The plugin's `ctx.dataDir`. */
  dataDir: string;
  log: Logger;
  /** `ctx.metrics`: registers `logging_queue_depth`, `logging_delivered_total`… labelled by integration. */
  metrics?: Metrics;
  /** Most items per send. Default 100 (LiteLLM's batch size for most loggers). */
  batchSize?: number;
  /** Time between sends. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Items held in memory; beyond it (or `maxQueuedBytes`) items go to the spill file. Default 5,000. */
  maxQueued?: number;
  /** Bytes of queued items held in memory (estimated: see `estimateSize`). Default 32 MiB. */
  maxQueuedBytes?: number;
  /** An item's size in bytes, for the byte bound; default `estimateSize`. */
  sizeOf?(item: Item): number;
  /** A send that takes longer is aborted and retried. Default 10,000 ms. */
  timeoutMs?: number;
  /** First retry delay. Default 500 ms. */
  retryMinMs?: number;
  /** Longest retry delay: how soon after a destination returns the backlog goes. Default 5,000 ms. */
  retryMaxMs?: number;
}

export interface LogDeliveryStats {
  queued: number;
  queuedBytes: number;
  delivered: number;
  spilled: number;
  replayed: number;
  dropped: number;
  failures: number;
  failing: boolean;
}

const METRIC_HELP = {
  queue: 'Log items waiting in memory for their destination',
  delivered: 'Log items delivered to their destination (replayed ones included)',
  failures: 'Failed attempts to send a batch of log items',
  spilled: 'Log items written to the spill file (queue full, destination down at shutdown)',
  dropped: 'Log items lost because the spill file could not be written',
};

export class LogDelivery<Item> {
  private readonly writer: BatchWriter<Item>;
  private readonly timeoutMs: number;
  private readonly gauges: { depth?: { set(v: number): void }; bytes?: { set(v: number): void } } = {};
  private readonly reported = { delivered: 0, failures: 0, spilled: 0, dropped: 0 };
  private readonly counters: Partial<Record<keyof typeof this.reported, { inc(by?: number): void }>> = {};
  private readonly metricsTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LogDeliveryOptions<Item>) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    const sizeOf = opts.sizeOf ?? estimateSize;
    this.writer = new BatchWriter<Item>({
      name: opts.name,
      target: `the ${opts.name} destination`,
      dataDir: opts.dataDir,
      log: opts.log,
      intervalMs: opts.flushIntervalMs ?? 1000,
      maxBatch: opts.batchSize ?? 100,
      maxQueued: opts.maxQueued ?? 5_000,
      maxQueuedWeight: opts.maxQueuedBytes ?? 32 * 1024 * 1024,
      weight: (item) => sizeOf(item),
      retryMinMs: opts.retryMinMs ?? 500,
      retryMaxMs: opts.retryMaxMs ?? 5_000,
      write: (items) => this.sendBatch(items),
    });
    const m = opts.metrics;
    if (m) {
      const labels = { integration: opts.name };
      this.gauges.depth = m.gauge<'integration'>('logging_queue_depth', { help: METRIC_HELP.queue, labelNames: ['integration'] }).series(labels);
      this.gauges.bytes = m
        .gauge<'integration'>('logging_queue_bytes', { help: 'Bytes of log items waiting in memory', labelNames: ['integration'] })
        .series(labels);
      for (const k of ['delivered', 'failures', 'spilled', 'dropped'] as const) {
        this.counters[k] = m.counter<'integration'>(`logging_${k}_total`, { help: METRIC_HELP[k], labelNames: ['integration'] }).series(labels);
      }
      // The writer counts; the metrics follow it once a second (spills happen off any send).
      this.metricsTimer = setInterval(() => this.syncMetrics(), 1000);
      this.metricsTimer.unref();
    }
  }

  /** Queues one item. Never waits; never throws for a full queue (the item is spilled, counted). */
  push(item: Item): void {
    if (item === undefined) return;
    this.writer.push(item);
  }

  /** Sends what is queued now (tests, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush(true).then(() => this.syncMetrics());
  }

  get stats(): LogDeliveryStats {
    const s = this.writer.stats;
    return { queued: s.queued, queuedBytes: s.queuedWeight, delivered: s.written, spilled: s.spilled, replayed: s.replayed, dropped: s.dropped, failures: s.failures, failing: s.failing };
  }

  /** Sends what it can; the rest goes to the spill file for the next start. */
  async close(): Promise<void> {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.writer.close();
    this.syncMetrics();
  }

  private async sendBatch(items: Item[]): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`${this.opts.name}: send timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
    let texts: string[] | undefined;
    const batch: DeliveryBatch<Item> = {
      get texts() {
        return (texts ??= items.map((i) => JSON.stringify(i) ?? 'null'));
      },
      items: () => items,
      signal: controller.signal,
    };
    try {
      // A send that ignores its signal still ends the attempt at the timeout.
      await Promise.race([
        this.opts.send(batch),
        new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true })),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private syncMetrics(): void {
    const s = this.writer.stats;
    this.gauges.depth?.set(s.queued);
    this.gauges.bytes?.set(s.queuedWeight);
    const now = { delivered: s.written, failures: s.failures, spilled: s.spilled, dropped: s.dropped };
    for (const k of Object.keys(now) as (keyof typeof now)[]) {
      const delta = now[k] - this.reported[k];
      if (delta > 0) this.counters[k]?.inc(delta);
      this.reported[k] = now[k];
    }
  }
}

/**
 * An item's size as JSON, estimated without serialising it: string lengths plus a few bytes per
 * value, to a depth no log record reaches. Within a small factor of the JSON length, which is all a
 * memory bound needs, at a fraction of `JSON.stringify`'s cost.
 */
export function estimateSize(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length + 2;
  if (value === null || typeof value !== 'object') return 8;
  if (depth > 32) return 8;
  let n = 2;
  if (Array.isArray(value)) {
    for (const v of value) n += estimateSize(v, depth + 1) + 1;
    return n;
  }
  for (const k in value) n += k.length + 4 + estimateSize((value as Record<string, unknown>)[k], depth + 1);
  return n;
}
