/**
 * Delivers spend and audit events to `onSpend`/`onAudit` observers off the request path. Events are
 * deep-frozen copies; delivery is batched per tick; every pending delivery is awaited on shutdown,
 * so nothing queued is lost when the gateway stops.
 */
import type { AuditEvent, SpendEvent } from '../plugin-sdk/hook-contexts.js';
import type { KernelHooks } from './hooks.js';
import type { Logger } from './logging/create-logger.js';
import type { KernelMetrics } from './metrics.js';

type Kind = 'onSpend' | 'onAudit';

export class ObserverQueue {
  private queue: { kind: Kind; event: object }[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly hooks: KernelHooks,
    private readonly log: Logger,
    private readonly metrics: KernelMetrics,
  ) {}

  spend(event: SpendEvent): void {
    this.push('onSpend', event);
  }

  audit(event: AuditEvent): void {
    this.push('onAudit', event);
  }

  private push(kind: Kind, event: object): void {
    if (!this.hooks[kind].isUsed()) return;
    this.queue.push({ kind, event });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQueue());
    }
  }

  private flushQueue(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const { kind, event } of batch) {
      const p = (this.hooks[kind].promise(deepFreeze(event) as never) as Promise<void>)
        .catch((err: unknown) => {
          // Taps are already guarded (fail-open); this is the last line of defence.
          this.metrics.inc('observer_failures_total', { hook: kind });
          this.log.error({ err, hook: kind }, 'observer delivery failed');
        })
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  get pending(): number {
    return this.queue.length + this.inFlight.size;
  }

  /** Delivers everything queued and waits for every observer to finish. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.queue.length > 0) this.flushQueue();
      await Promise.allSettled([...this.inFlight]);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    // for…in rather than Object.values: no array per object, on a path run for every call.
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
