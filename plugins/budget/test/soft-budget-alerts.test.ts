/**
 * Soft budgets: a real SMTP server (smtp-server on loopback, with authentication) and a local HTTP
 * server receive one alert per scope and budget window, with LiteLLM's webhook payload; a failed
 * webhook delivery is retried; the SMTP password appears in no email and no log line.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LimitScope } from '@sluice/plugin-sdk';
import { uniqueTag } from '../../../test/support/backends.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { budgetConfig, chat, scopesAuthPlugin } from './support.js';

const realNow = Date.now;
let offset = 0;
vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);

const SMTP_PASSWORD = 'smtp-pa55word-never-shown';
const tag = uniqueTag();
let seq = 0;
const scope = (kind: LimitScope['kind'], fields: Partial<LimitScope> = {}): LimitScope => ({ kind, id: `${kind}-${tag}-${++seq}`, ...fields });

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = realNow() + ms;
  while (!check()) {
    if (realNow() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('soft budget alerts by email and webhook', () => {
  let gw: TestGateway;
  let smtp: SMTPServer;
  let web: Server;
  const mails: Mail[] = [];
  const hooks: Record<string, unknown>[] = [];
  /** Requests the webhook answers with 503 before accepting. */
  let failNext = 0;
  let webhookRequests = 0;

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === 'alerts' && auth.password === SMTP_PASSWORD) cb(null, { user: 'alerts' });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    web = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        webhookRequests++;
        if (failNext > 0) {
          failNext--;
          res.statusCode = 503;
          res.end('try later');
          return;
        }
        hooks.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    gw = await startGateway(
      budgetConfig({
        general_settings: { master_key: 'sk-unused-master', alerting: ['webhook'] },
        budget: { alert_retry_base_ms: 20, alert_emails: ['finance@corp.test'] },
      } as never),
      {
        env: {
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(smtpPort),
          SMTP_USERNAME: 'alerts',
          SMTP_PASSWORD,
          SMTP_SENDER_EMAIL: 'budget@sluice.test',
          SMTP_TLS: 'False',
          WEBHOOK_URL: `http://127.0.0.1:${(web.address() as AddressInfo).port}/hook`,
        },
        extraPluginDirs: [scopesAuthPlugin()],
      },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => smtp?.close(() => r(undefined)));
    await new Promise((r) => web?.close(r));
  });

  it('one email and one webhook per window when spend reaches the soft budget', async () => {
    const key = scope('key', { alias: 'billing-key' });
    const team = scope('team', { softBudget: 0.005, maxBudget: 1, budgetDuration: '30s', budgetAnchor: Date.now(), alertEmails: ['lead@corp.test'], alias: 'Platform' });
    // $0.002 per call: the third reaches $0.006.
    for (let i = 0; i < 2; i++) expect((await chat(gw, [key, team])).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(mails.filter((m) => m.to.includes('lead@corp.test'))).toHaveLength(0);
    for (let i = 0; i < 4; i++) expect((await chat(gw, [key, team])).status).toBe(200);
    await until(() => mails.some((m) => m.to.includes('lead@corp.test')) && hooks.some((h) => h.team_id === team.id));
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate, were one sent

    const emails = mails.filter((m) => m.to.includes('lead@corp.test'));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.from).toBe('budget@sluice.test');
    expect(emails[0]!.to).toEqual(['lead@corp.test']);
    expect(emails[0]!.raw).toMatch(/^Subject: Sluice: Soft Budget Crossed - Total Soft Budget: \$0\.005/m);
    expect(emails[0]!.raw).toContain(`The team Platform (${team.id}) has crossed its soft budget.`);
    expect(emails[0]!.raw).toContain('Current spend: $0.006');
    expect(emails[0]!.raw).toContain('Maximum budget: $1');
    expect(emails[0]!.raw).not.toContain(SMTP_PASSWORD);

    const payloads = hooks.filter((h) => h.team_id === team.id);
    expect(payloads).toEqual([
      {
        spend: 0.006,
        max_budget: 1,
        soft_budget: 0.005,
        token: key.id,
        customer_id: null,
        user_id: null,
        team_id: team.id,
        team_alias: 'Platform',
        user_email: null,
        key_alias: 'billing-key',
        organization_id: null,
        project_id: null,
        projected_exceeded_date: null,
        projected_spend: null,
        event: 'soft_budget_crossed',
        event_group: 'team',
        event_message: 'Soft Budget Crossed - Total Soft Budget: $0.005',
      },
    ]);

    // The next window alerts again, once.
    offset += 30_000;
    for (let i = 0; i < 4; i++) expect((await chat(gw, [key, team])).status).toBe(200);
    await until(() => mails.filter((m) => m.to.includes('lead@corp.test')).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(mails.filter((m) => m.to.includes('lead@corp.test'))).toHaveLength(2);
    expect(hooks.filter((h) => h.team_id === team.id)).toHaveLength(2);
  });

  it('a scope without its own recipients alerts the configured list; a failing webhook is retried', async () => {
    failNext = 2;
    const before = webhookRequests;
    const customer = scope('customer', { softBudget: 0.001 });
    expect((await chat(gw, [customer])).status).toBe(200);
    await until(() => hooks.some((h) => h.customer_id === customer.id) && mails.some((m) => m.raw.includes(customer.id)));
    expect(webhookRequests - before).toBe(3); // two refusals, then delivered
    expect(hooks.filter((h) => h.customer_id === customer.id)).toHaveLength(1);
    expect(hooks.find((h) => h.customer_id === customer.id)).toMatchObject({ event_group: 'end_user', max_budget: null, spend: 0.002 });
    const mail = mails.find((m) => m.raw.includes(customer.id))!;
    expect(mail.to).toEqual(['finance@corp.test']);
  });

  it('the SMTP password is in no log line', () => {
    expect(gw.logs.some((l) => l.includes('soft budget alert sent'))).toBe(true);
    expect(gw.logs.join('\n')).not.toContain(SMTP_PASSWORD);
  });
});
