/**
 * Alerts about deployments:
 * - `outage_alerts`, as LiteLLM's outage alerting: a deployment's timeouts (408) and 5xx errors are
 *   counted in a window of `outage_alert_ttl` in the shared counters (every instance's failures
 *   count); reaching `minor_outage_alert_threshold` sends a Minor outage alert, reaching
 *   `major_outage_alert_threshold` a Major one, each once per window.
 * - `cooldown_deployment`: the router announces each cooldown on the counters channel
 *   `router:cooldown` (every instance hears it); the first instance to take the marker alerts.
 */
import type { Counters, DeploymentInfo, DeploymentView, Logger, SpendEvent } from '@sluice/plugin-sdk';
import type { AlertDispatch } from './alert-dispatch.js';
import { cooldownMessage, outageMessage } from './slack-messages.js';

export const COOLDOWN_CHANNEL = 'router:cooldown';

export interface DeploymentAlertSettings {
  outageWindowMs: number;
  minorThreshold: number;
  majorThreshold: number;
  /** The router's `cooldown_time`, seconds, when the config sets it (else the announced time left). */
  cooldownSeconds: number | undefined;
}

/** LiteLLM's outage statuses: 408 (Sluice's upstream timeouts, 504) and 5xx. */
function outageKind(event: Readonly<SpendEvent>): 'timeouts' | 'api' | undefined {
  if (event.errorCode?.endsWith('UPSTREAM_TIMEOUT') || event.httpStatus === 408) return 'timeouts';
  if (event.httpStatus >= 500 && event.errorCode?.includes('UPSTREAM')) return 'api';
  return undefined;
}

export class DeploymentAlerts {
  /** The last failure status seen per deployment (for the cooldown alert); bounded by the deployments served. */
  private readonly lastStatus = new Map<string, number>();

  constructor(
    private readonly s: DeploymentAlertSettings,
    private readonly alerts: AlertDispatch,
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly deployments: () => readonly DeploymentView[],
  ) {}

  async onSpend(event: Readonly<SpendEvent>): Promise<void> {
    const d = event.deployment;
    if (event.status !== 'failure' || !d) return;
    if (event.errorCode?.includes('UPSTREAM')) {
      if (this.lastStatus.size > 10_000) this.lastStatus.clear();
      this.lastStatus.set(d.id, event.errorCode.endsWith('UPSTREAM_TIMEOUT') ? 408 : event.httpStatus);
    }
    const kind = outageKind(event);
    if (!kind || !this.alerts.wants('outage_alerts')) return;
    const window = this.s.outageWindowMs;
    const [total, timeouts] = await Promise.all([
      this.counters.hit(`alerting:outage:${d.id}`, window, 1, Number.POSITIVE_INFINITY),
      kind === 'timeouts' ? this.counters.hit(`alerting:outage:${d.id}:timeouts`, window, 1, Number.POSITIVE_INFINITY) : this.counters.peekWindow(`alerting:outage:${d.id}:timeouts`, window),
    ]);
    const count = total.count;
    const errors = { timeouts: timeouts.count, api: count - timeouts.count };
    // As LiteLLM: the minor alert first, the major one once the count reaches its threshold. Spend
    // events of one deployment are handled concurrently, so the error that reaches the major
    // threshold may be the one that wins the minor alert's marker: it sends both (each marker
    // still makes each alert once per window), rather than leaving the major one to a later error.
    if (count >= this.s.minorThreshold) {
      await this.outage('Minor', 'Medium', d, errors, total.resetMs);
      if (count >= this.s.majorThreshold) await this.outage('Major', 'High', d, errors, total.resetMs);
    }
  }

  private outage(kind: 'Minor' | 'Major', level: 'Medium' | 'High', d: DeploymentInfo, errors: { timeouts: number; api: number }, resetMs: number): Promise<boolean> {
    return this.alerts.send({
      type: 'outage_alerts',
      level,
      message: outageMessage(kind, d.model, d.provider, d.apiBase, errors, 0),
      subject: `${kind.toLowerCase()}:${d.id}`,
      // The rest of the counting window: the next window may alert again.
      windowMs: Math.max(1, resetMs),
    });
  }

  /** Subscribes to the router's cooldown announcements (`{id, until}`). */
  async start(): Promise<() => Promise<void>> {
    return this.counters.subscribe(COOLDOWN_CHANNEL, (message) => {
      void this.onCooldown(message).catch((err: Error) => this.log.warn({ err: err.message }, 'could not alert a deployment cooldown'));
    });
  }

  private async onCooldown(message: string): Promise<void> {
    if (!this.alerts.wants('cooldown_deployment')) return;
    // The router announces the cooldown before the failed call's spend event is out: wait for it,
    // so the alert can name the failure's status.
    await new Promise((r) => setTimeout(r, 250).unref());
    let parsed: { id?: unknown; until?: unknown };
    try {
      parsed = JSON.parse(message) as { id?: unknown; until?: unknown };
    } catch {
      return;
    }
    if (typeof parsed.id !== 'string' || typeof parsed.until !== 'number') return;
    const remainingMs = parsed.until - this.now();
    if (remainingMs <= 0) return;
    const view = this.deployments().find((d) => d.id === parsed.id);
    const apiBase = typeof view?.params.api_base === 'string' ? view.params.api_base : undefined;
    await this.alerts.send({
      type: 'cooldown_deployment',
      level: 'Low',
      message: cooldownMessage(view?.modelName ?? parsed.id, apiBase, this.s.cooldownSeconds ?? Math.round(remainingMs / 1000), this.lastStatus.get(parsed.id)),
      // Once per cooldown, however many instances hear it (or announce it).
      subject: parsed.id,
      windowMs: remainingMs,
    });
  }
}
