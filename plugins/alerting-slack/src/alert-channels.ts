/**
 * Where alerts go, each through the SDK's LogDelivery (bounded queue, retries, spill file replayed
 * at the next start), so a dead Slack or SMTP server loses nothing and never slows a call:
 * - Slack: `{"text": …}` POSTed to an incoming webhook, one LogDelivery per URL (the URLs come
 *   from the config, so their number is bounded) so that one dead channel never re-sends another's;
 * - email: one message per alert over SMTP (nodemailer);
 * - webhook: LiteLLM's WebhookEvent JSON, one POST per alert.
 * Delivery is at least once: a batch that failed part-way is sent again whole.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { HttpClient, Logger, Metrics } from '@sluice/plugin-sdk';
import { LogDelivery, type DeliveryBatch } from '@sluice/plugin-sdk/node';

export interface DeliveryEnv {
  http: HttpClient;
  dataDir: string;
  log: Logger;
  metrics: Metrics;
  flushIntervalMs: number;
}

interface SlackItem {
  text: string;
}

async function postJson(http: HttpClient, url: string, body: string, signal: AbortSignal, what: string): Promise<void> {
  const res = await http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 });
  const answer = await res.body.text().catch(() => '');
  if (res.status < 200 || res.status >= 300) throw new Error(`${what} answered HTTP ${res.status}: ${answer.slice(0, 200)}`);
}

/** The short, secret-free name of a webhook URL: its host and a digest (the path is the secret). */
export function urlLabel(url: string): string {
  const digest = createHash('sha256').update(url).digest('hex').slice(0, 8);
  try {
    return `${new URL(url).host}#${digest}`;
  } catch {
    return `invalid-url#${digest}`;
  }
}

export class SlackChannels {
  private readonly deliveries = new Map<string, LogDelivery<SlackItem>>();

  constructor(private readonly env: DeliveryEnv) {}

  send(url: string, text: string): void {
    let delivery = this.deliveries.get(url);
    if (!delivery) {
      const name = `slack-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
      const label = urlLabel(url);
      const http = this.env.http;
      delivery = new LogDelivery<SlackItem>({
        name,
        dataDir: this.env.dataDir,
        log: this.env.log.child({ destination: label }),
        metrics: this.env.metrics,
        batchSize: 10,
        flushIntervalMs: this.env.flushIntervalMs,
        // Each item's JSON is LiteLLM's Slack payload, `{"text": …}`, sent as it was queued.
        async send(batch: DeliveryBatch<SlackItem>) {
          for (const text of batch.texts) await postJson(http, url, text, batch.signal, `Slack webhook ${label}`);
        },
      });
      this.deliveries.set(url, delivery);
    }
    delivery.push({ text });
  }

  async flush(): Promise<void> {
    await Promise.all([...this.deliveries.values()].map((d) => d.flush()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.deliveries.values()].map((d) => d.close()));
  }
}

export interface SmtpSettings {
  host: string;
  port: number;
  tls: boolean;
  username: string | undefined;
  password: string | undefined;
  from: string;
  to: readonly string[];
}

interface EmailItem {
  subject: string;
  text: string;
}

export class EmailChannel {
  private readonly transport: Transporter;
  private readonly delivery: LogDelivery<EmailItem>;

  constructor(smtp: SmtpSettings, env: DeliveryEnv) {
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
    const transport = this.transport;
    this.delivery = new LogDelivery<EmailItem>({
      name: 'alerting-email',
      dataDir: env.dataDir,
      log: env.log,
      metrics: env.metrics,
      batchSize: 10,
      flushIntervalMs: env.flushIntervalMs,
      timeoutMs: 30_000,
      async send(batch) {
        for (const mail of batch.items()) await transport.sendMail({ from: smtp.from, to: [...smtp.to], subject: mail.subject, text: mail.text });
      },
    });
  }

  send(subject: string, text: string): void {
    this.delivery.push({ subject, text });
  }

  flush(): Promise<void> {
    return this.delivery.flush();
  }

  async close(): Promise<void> {
    await this.delivery.close();
    this.transport.close();
  }
}

export class WebhookChannel {
  private readonly delivery: LogDelivery<Record<string, unknown>>;

  constructor(url: string, env: DeliveryEnv) {
    const label = urlLabel(url);
    const http = env.http;
    this.delivery = new LogDelivery<Record<string, unknown>>({
      name: 'alerting-webhook',
      dataDir: env.dataDir,
      log: env.log,
      metrics: env.metrics,
      batchSize: 10,
      flushIntervalMs: env.flushIntervalMs,
      async send(batch) {
        for (const text of batch.texts) await postJson(http, url, text, batch.signal, `webhook ${label}`);
      },
    });
  }

  send(event: Record<string, unknown>): void {
    this.delivery.push(event);
  }

  flush(): Promise<void> {
    return this.delivery.flush();
  }

  close(): Promise<void> {
    return this.delivery.close();
  }
}
