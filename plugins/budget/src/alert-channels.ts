/**
 * Where soft-budget alerts go: email over SMTP (nodemailer) and LiteLLM's webhook. A channel's
 * `send` throws on failure; retrying and logging are the dispatcher's.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { HttpClient } from '@sluice/plugin-sdk';
import type { BudgetLimit } from './budget-limits.js';
import type { WebhookEvent } from './webhook-event.js';

export interface SoftBudgetAlert {
  limit: BudgetLimit;
  event: WebhookEvent;
}

export interface AlertChannel {
  readonly name: 'email' | 'webhook';
  send(alert: SoftBudgetAlert): Promise<void>;
  close?(): void;
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
