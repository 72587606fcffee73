/**
 * Soft-budget alerts to Slack (`general_settings.alerting: ["slack"]`): one post per scope and
 * window in LiteLLM's `send_alert` format, on `alert_to_webhook_url.budget_alerts` when it is set
 * (else `SLACK_WEBHOOK_URL`); a Slack that refuses gets it on a retry (LogDelivery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitScope } from '@sluice/plugin-sdk';
import { uniqueTag } from '../../../test/support/backends.js';
import { startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { budgetConfig, chat, scopesAuthPlugin } from './support.js';

const tag = uniqueTag();
let seq = 0;
const scope = (kind: LimitScope['kind'], fields: Partial<LimitScope> = {}): LimitScope => ({ kind, id: `${kind}-${tag}-${++seq}`, ...fields });

async function until(check: () => boolean, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('soft budget alerts to Slack', () => {
  let slack: FakeUpstream;
  let gw: TestGateway;
  let refuse = 0;
  const posts = () => slack.requests.filter((r) => r.body?.text !== undefined && r.pathname !== '/refused');

  beforeAll(async () => {
    slack = await startFakeUpstream((req, res) => {
      if (refuse > 0) {
        refuse--;
        req.pathname = '/refused';
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    gw = await startGateway(
      budgetConfig({
        general_settings: { master_key: 'sk-unused-master', alerting: ['slack'], alert_to_webhook_url: { budget_alerts: `${slack.url}/budgets` } },
      } as never),
      { env: { SLACK_WEBHOOK_URL: `${slack.url}/default` }, extraPluginDirs: [scopesAuthPlugin()] },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await slack?.close();
  });

  it('one post per window, in LiteLLM\'s format, on the budget_alerts channel; retried when Slack refuses', async () => {
    refuse = 1;
    const key = scope('key', { alias: 'billing-key' });
    const team = scope('team', { softBudget: 0.003, maxBudget: 1, budgetDuration: '30d', budgetAnchor: Date.now(), alias: 'Platform' });
    for (let i = 0; i < 4; i++) expect((await chat(gw, [key, team])).status).toBe(200); // $0.002 a call: the second crosses
    await until(() => posts().some((p) => p.body.text.includes(team.id)));
    await new Promise((r) => setTimeout(r, 400));
    const mine = posts().filter((p) => p.body.text.includes(team.id));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.pathname).toBe('/budgets');
    expect(slack.requests.some((r) => r.pathname === '/refused')).toBe(true);
    expect(mine[0]!.body).toEqual({ text: expect.any(String) });
    const text: string = mine[0]!.body.text;
    expect(text).toMatch(/^Level: `High`\nTimestamp: `\d\d:\d\d:\d\d`\n\nMessage: Soft Budget Crossed - Total Soft Budget: \$0\.003\n\n/);
    expect(text).toContain('\nspend: 0.004\n');
    expect(text).toContain(`\nteam_id: ${team.id}\n`);
    expect(text).toContain('\nteam_alias: Platform\n');
    expect(text).toContain('\nkey_alias: billing-key\n');
    expect(posts().filter((p) => p.pathname === '/default' && p.body.text.includes(team.id))).toHaveLength(0);
  });
});
