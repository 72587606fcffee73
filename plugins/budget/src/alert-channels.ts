/**
 * Where soft-budget alerts go: email over SMTP (nodemailer), LiteLLM's webhook and Slack. A
 * channel's `send` throws on failure; retrying and logging are the dispatcher's. Slack queues into
 * the SDK's LogDelivery instead (its own retries and spill file), so its `send` never fails.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { HttpClient, Logger, Metrics } from '@sluice/plugin-sdk';
import { LogDelivery } from '@sluice/plugin-sdk/node';
import type { BudgetLimit } from './budget-limits.js';
import type { WebhookEvent } from './webhook-event.js';

export interface SoftBudgetAlert {
  limit: BudgetLimit;
  event: WebhookEvent;
}

export interface AlertChannel {
  readonly name: 'email' | 'webhook' | 'slack';
  send(alert: SoftBudgetAlert): Promise<void>;
  close?(): void | Promise<void>;
}

export class WebhookChannel implements AlertChannel {
  readonly name = 'webhook';
  constructor(
    private readonly http: HttpClient,
    private readonly url: string,
  ) {}

  async send(alert: SoftBudgetAlert): Promise<void> {
    const res = await this.http.request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alert.event),
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
    });
    await res.body.text().catch(() => '');
    if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
  }
}

export interface SmtpSettings {
  host: string;
  port: number;
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
  from: string;
  /** Recipients for scopes that name none. */
  fallbackRecipients: readonly string[];
}

const SCOPE_LABEL: Record<BudgetLimit['kind'], string> = {
  key: 'key',
  user: 'user',
  team: 'team',
  organization: 'organization',
  project: 'project',
  customer: 'customer',
  tag: 'tag',
  team_member: 'team member',
  proxy: 'proxy',
};

const usd = (n: number | null) => (n === null ? 'none' : `$${n}`);

export function emailOf(alert: SoftBudgetAlert): { subject: string; text: string } {
  const { limit, event } = alert;
  const name = limit.alias ? `${limit.alias} (${limit.id})` : limit.id;
  const forModel = limit.model ? ` for model ${limit.model}` : '';
  const window = limit.windowEnd === null ? 'does not reset' : `${new Date(limit.windowStart).toISOString()} to ${new Date(limit.windowEnd).toISOString()}`;
  const text = [
    `The ${SCOPE_LABEL[limit.kind]} ${name} has crossed its soft budget${forModel}.`,
    '',
    `Current spend: ${usd(event.spend)}`,
    `Soft budget: ${usd(event.soft_budget)}`,
    `Maximum budget: ${usd(event.max_budget)}`,
    `Budget window: ${window}`,
    '',
    'Requests keep working; they are refused only once the maximum budget is reached.',
    '',
  ].join('\n');
  return { subject: `Sluice: ${event.event_message}`, text };
}

export class EmailChannel implements AlertChannel {
  readonly name = 'email';
  private readonly transport: Transporter;

  constructor(private readonly smtp: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.port === 465,
      requireTLS: smtp.tls && smtp.port !== 465,
      ignoreTLS: !smtp.tls && smtp.port !== 465,
      ...(smtp.username !== undefined && { auth: { user: smtp.username, pass: smtp.password ?? '' } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  /** The scope's own recipients, else the configured ones. */
  recipientsOf(limit: BudgetLimit): readonly string[] {
    return limit.alertEmails.length > 0 ? limit.alertEmails : this.smtp.fallbackRecipients;
  }

  async send(alert: SoftBudgetAlert): Promise<void> {
    const to = this.recipientsOf(alert.limit);
    if (to.length === 0) return;
    const { subject, text } = emailOf(alert);
    await this.transport.sendMail({ from: this.smtp.from, to: [...to], subject, text });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * LiteLLM's Slack budget alert (`send_alert`, alert type `budget_alerts`, level High): the event
 * message, then the alert's WebhookEvent fields that are set, under LiteLLM's level/timestamp header.
 */
export function slackTextOf(alert: SoftBudgetAlert, at: number, proxyBaseUrl?: string): string {
  const { event } = alert;
  let info = '';
  for (const [k, v] of Object.entries(event)) {
    if (v !== null && v !== undefined && k !== 'event' && k !== 'event_group' && k !== 'event_message') info += `\n${k}: ${v}\n`;
  }
  const time = new Date(at).toISOString().slice(11, 19);
  let text = `Level: \`High\`\nTimestamp: \`${time}\`\n\nMessage: ${event.event_message}\n\n${info}`;
  if (proxyBaseUrl) text += `\n\nProxy URL: \`${proxyBaseUrl}\``;
  return text;
}

export interface SlackSettings {
  /** `alert_to_webhook_url.budget_alerts`, else `SLACK_WEBHOOK_URL`. */
  urls: readonly string[];
  proxyBaseUrl?: string;
  http: HttpClient;
  dataDir: string;
  log: Logger;
  metrics: Metrics;
  now(): number;
}

/** Slack incoming webhooks, `{"text": …}`, one LogDelivery per URL (a dead channel never re-sends another's). */
export class SlackChannel implements AlertChannel {
  readonly name = 'slack';
  private readonly deliveries: LogDelivery<{ text: string }>[];

  constructor(private readonly s: SlackSettings) {
    this.deliveries = s.urls.map(
      (url) =>
        new LogDelivery<{ text: string }>({
          // Named by the URL, so a spill file is replayed to the channel it was meant for.
          name: `budget-slack-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`,
          dataDir: s.dataDir,
          log: s.log,
          metrics: s.metrics,
          batchSize: 10,
          flushIntervalMs: 250,
          async send(batch) {
            for (const body of batch.texts) {
              const res = await s.http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: batch.signal, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 });
              await res.body.text().catch(() => '');
              if (res.status < 200 || res.status >= 300) throw new Error(`Slack webhook answered HTTP ${res.status}`);
            }
          },
        }),
    );
  }

  async send(alert: SoftBudgetAlert): Promise<void> {
    const text = slackTextOf(alert, this.s.now(), this.s.proxyBaseUrl);
    for (const d of this.deliveries) d.push({ text });
  }

  async close(): Promise<void> {
    await Promise.all(this.deliveries.map((d) => d.close()));
  }
}
