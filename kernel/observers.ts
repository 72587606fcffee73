/**
 * Delivers spend and audit events to `onSpend`/`onAudit` observers off the request path. Events are
 * deep-frozen copies; delivery is batched per tick; every pending delivery is awaited on shutdown,
 * so nothing queued is lost when the gateway stops.
 */
import type { AuditEvent, SpendEvent } from '@sluice/plugin-sdk';
import type { KernelHooks } from './hooks.js';
import type { Logger } from './logging/create-logger.js';
import type { KernelMetrics } from './metrics.js';

type Kind = 'onSpend' | 'onAudit';

export class ObserverQueue {
  // Runs once per proxied call: a flat kind/event array, a counter and handlers bound once, so a
  // delivery allocates no wrapper object, closure or extra promise of its own.
  /** kind, event, kind, event… */
  private queue: (Kind | object)[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Resolvers of `drain()` calls waiting for `inFlight` to reach 0. */
  private idle: (() => void)[] = [];
  private readonly flush = (): void => this.flushQueue();
  private readonly settled = (): void => {
    if (--this.inFlight === 0 && this.idle.length > 0) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
  };
  private readonly failed = { onSpend: this.failure('onSpend'), onAudit: this.failure('onAudit') };

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
    this.queue.push(kind, event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private flushQueue(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length; i += 2) {
      const kind = batch[i] as Kind;
      const delivered = this.hooks[kind].promise(deepFreeze(batch[i + 1]) as never) as Promise<void>;
      // Counted only once there is a promise to settle it, or a throw above would hang drain().
      this.inFlight++;
      delivered.then(this.settled, this.failed[kind]);
    }
  }

  private failure(kind: Kind): (err: unknown) => void {
    return (err) => {
      try {
        // Taps are already guarded (fail-open); this is the last line of defence.
        this.metrics.inc('observer_failures_total', { hook: kind });
        this.log.error({ err, hook: kind }, 'observer delivery failed');
      } finally {
        this.settled();
      }
    };
  }

  get pending(): number {
    return this.queue.length / 2 + this.inFlight;
  }

  /** Delivers everything queued and waits for every observer to finish. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      if (this.queue.length > 0) this.flushQueue();
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    }
  }
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) freezeAll(value);
  return value;
}

/**
 * Freezes `value` and everything reachable from it. The test is inlined so the many primitive
 * fields of an event cost no call, and the long-lived parts (principal, deployment, scopes), frozen
 * by the first event that carried them, cost one `isFrozen` each.
 */
function freezeAll(value: object): void {
  Object.freeze(value);
  // for…in rather than Object.values: no array per object, on a path run for every call.
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) freezeAll(v);
  }
}
