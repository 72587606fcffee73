/**
 * Alerts once per scope and budget window when settled spend reaches the soft budget. "Once" holds
 * across instances: the first instance to take the window's once-marker (a counters lock living
 * as long as the window) sends; the others see it taken. Delivery runs off the request path, is
 * retried with backoff, and a delivery that still fails is only logged.
 */
import type { Counters, Logger, SpendEvent } from '@sluice/plugin-sdk';
import type { AlertChannel, SoftBudgetAlert } from './alert-channels.js';
import { markerTtl, type BudgetLimit } from './budget-limits.js';
import { softBudgetCrossedEvent } from './webhook-event.js';

export interface AlertRetry {
  maxAttempts: number;
  baseDelayMs: number;
}

export class SoftBudgetAlerts {
  /** Markers this instance already saw taken, until they expire: no lock round trip per settlement after the crossing. */
  private readonly taken = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly channels: readonly AlertChannel[],
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly retry: AlertRetry,
  ) {}

  get enabled(): boolean {
    return this.channels.length > 0;
  }

  /** Called with the window's settled spend after a settlement; sends when this is the crossing. */
  async onSpend(limit: BudgetLimit, spend: number, call: Pick<SpendEvent, 'principal' | 'user'>): Promise<void> {
    if (limit.softBudget === null || spend < limit.softBudget) return;
    const marker = `budget:alerted:${limit.key}`;
    const now = this.now();
    const until = this.taken.get(marker);
    if (until !== undefined && until > now) return;
    const ttl = markerTtl(limit, now);
    const token = await this.counters.acquireLock(marker, ttl);
    this.taken.set(marker, now + ttl);
    if (token === null) return;
    const alert: SoftBudgetAlert = { limit, event: softBudgetCrossedEvent(limit, spend, call) };
    for (const channel of this.channels) this.track(this.deliver(channel, alert));
  }

  /** Forgets markers whose windows ended. */
  prune(): void {
    const now = this.now();
    for (const [marker, until] of this.taken) if (until <= now) this.taken.delete(marker);
  }

  /** Waits for deliveries under way (shutdown). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.channels.map((c) => c.close?.()));
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async deliver(channel: AlertChannel, alert: SoftBudgetAlert): Promise<void> {
    const about = { channel: channel.name, scope: alert.limit.kind, id: alert.limit.id, model: alert.limit.model || undefined, windowStart: alert.limit.windowStart };
    for (let attempt = 1; ; attempt++) {
      try {
        await channel.send(alert);
        this.log.info({ ...about, spend: alert.event.spend, softBudget: alert.event.soft_budget }, 'soft budget alert sent');
        return;
      } catch (err) {
        if (attempt >= this.retry.maxAttempts) {
          this.log.error({ ...about, attempts: attempt, err: (err as Error).message }, 'soft budget alert could not be delivered; giving up');
          return;
        }
        this.log.warn({ ...about, attempt, err: (err as Error).message }, 'soft budget alert delivery failed; retrying');
        await new Promise((r) => setTimeout(r, this.retry.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
