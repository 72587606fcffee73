/**
 * One alert, once: every alert names a subject (a deployment, a model, the database) and a window;
 * the instance that takes the counters marker `alerting:<type>:<subject>` (a lock living as long
 * as the window) sends it, the others see it taken. Markers this instance saw taken are remembered
 * until they expire, so a burst of failures costs one round trip, not one per failure. When the
 * counters cannot be reached (Redis down, which is itself alerted), the alert is sent anyway:
 * a duplicate is better than silence.
 *
 * Then it goes to each configured channel: Slack in LiteLLM's format (the type's own
 * `alert_to_webhook_url`, else `SLACK_WEBHOOK_URL`), email, and the webhook as a WebhookEvent.
 */
import type { Counters, Logger, Principal } from '@sluice/plugin-sdk';
import type { EmailChannel, SlackChannels, WebhookChannel } from './alert-channels.js';
import { slackText, type AlertLevel } from './slack-messages.js';

export interface Alert {
  /** LiteLLM's alert type (`llm_exceptions`…). */
  type: string;
  level: AlertLevel;
  /** LiteLLM's message, before the level/timestamp header. */
  message: string;
  /** What the alert is about; with the type, the de-duplication marker. */
  subject: string;
  /** How long the marker holds: no second alert about the subject before it expires. */
  windowMs: number;
  /** The request's `metadata.alerting_metadata`. */
  alertingMetadata?: Readonly<Record<string, unknown>>;
  /** The caller, for the webhook's WebhookEvent fields. */
  principal?: Principal;
  customer?: string;
}

export interface DispatchSettings {
  types: ReadonlySet<string>;
  /** alert type → Slack URLs; `default` the URLs of types not listed (`SLACK_WEBHOOK_URL`). */
  slackUrls: ReadonlyMap<string, readonly string[]>;
  defaultSlackUrls: readonly string[];
  slack?: SlackChannels;
  email?: EmailChannel;
  webhook?: WebhookChannel;
  proxyBaseUrl?: string;
  logToConsole: boolean;
}

const MARKER_PREFIX = 'alerting:';

export class AlertDispatch {
  private readonly taken = new Map<string, number>();
  private warnedNoSlackUrl = false;

  constructor(
    private readonly s: DispatchSettings,
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  wants(type: string): boolean {
    return this.s.types.has(type);
  }

  /** Sends unless the type is off or another instance (or this one) already sent about the subject in its window. */
  async send(alert: Alert): Promise<boolean> {
    if (!this.wants(alert.type)) return false;
    const marker = `${MARKER_PREFIX}${alert.type}:${alert.subject}`;
    const now = this.now();
    const until = this.taken.get(marker);
    if (until !== undefined && until > now) return false;
    if (alert.windowMs > 0) {
      let token: string | null;
      try {
        token = await this.counters.acquireLock(marker, alert.windowMs);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, alertType: alert.type }, 'could not take the alert marker; sending without de-duplication');
        token = 'unshared';
      }
      this.taken.set(marker, now + alert.windowMs);
      if (token === null) return false;
    }
    this.deliver(alert, now);
    return true;
  }

  /** Forgets expired markers (a timer calls it): the map holds only live windows. */
  prune(): void {
    const now = this.now();
    for (const [marker, until] of this.taken) if (until <= now) this.taken.delete(marker);
  }

  private deliver(alert: Alert, at: number): void {
    const text = slackText(alert.message, { level: alert.level, alertType: alert.type, at, alertingMetadata: alert.alertingMetadata, proxyBaseUrl: this.s.proxyBaseUrl });
    if (this.s.logToConsole) this.log.info({ alertType: alert.type, level: alert.level, text }, 'alert');
    if (this.s.slack) {
      const urls = this.s.slackUrls.get(alert.type) ?? this.s.defaultSlackUrls;
      if (urls.length === 0 && !this.warnedNoSlackUrl) {
        this.warnedNoSlackUrl = true;
        this.log.warn({ alertType: alert.type }, 'Missing SLACK_WEBHOOK_URL from environment: Slack alerts have nowhere to go');
      }
      for (const url of urls) this.s.slack.send(url, text);
    }
    this.s.email?.send(`Sluice alert: ${alert.type} (${alert.level})`, text);
    this.s.webhook?.send(webhookEvent(alert));
    this.log.debug({ alertType: alert.type, subject: alert.subject }, 'alert queued');
  }
}

/**
 * LiteLLM's WebhookEvent (CallInfo's fields, then event, event_group, event_message) for an
 * operational alert: `event` is the alert type, `event_group` `proxy`, the caller's ids where a
 * call caused it; Sluice adds `level`.
 */
export function webhookEvent(alert: Alert): Record<string, unknown> {
  const p = alert.principal;
  return {
    spend: 0,
    max_budget: null,
    token: p?.keyHash ?? null,
    customer_id: alert.customer ?? null,
    user_id: p?.userId ?? null,
    team_id: p?.teamId ?? null,
    team_alias: typeof p?.metadata?.team_alias === 'string' ? p.metadata.team_alias : null,
    user_email: null,
    key_alias: p?.keyAlias ?? null,
    projected_exceeded_date: null,
    projected_spend: null,
    event: alert.type,
    event_group: 'proxy',
    event_message: alert.message,
    level: alert.level,
  };
}
