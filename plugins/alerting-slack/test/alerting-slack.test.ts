/**
 * LiteLLM's `general_settings.alerting: ["slack", "email", "webhook"]` through a real gateway (in-
 * memory counters), a fake OpenAI upstream, a fake Slack incoming webhook, a real SMTP server and a
 * webhook receiver: each alert type fires once with LiteLLM's text, `alert_to_webhook_url` routes
 * a type to its own channel, repeated failures make one alert (the marker), a Slack that refuses
 * gets the alert later (LogDelivery), and types left out of `alert_types` send nothing.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import type { FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { chat, pause, startDestinations, startUpstream, until, type Destinations } from './support.js';

function config(upstream: string, general: Record<string, unknown>, pluginConfig: Record<string, unknown> = {}): SluiceConfig {
  const dep = (name: string, path: string, id: string) => ({ model_name: name, litellm_params: { model: `openai/${name}`, api_base: `${upstream}${path}`, api_key: 'sk-upstream', timeout: 5 }, model_info: { id } });
  return {
    model_list: [
      dep('ok', '/ok', 'dep-ok'),
      dep('broken', '/fail', 'dep-broken'),
      dep('slow', '/slow', 'dep-slow'),
      dep('big', '/big', 'dep-big'),
      dep('broken2', '/fail2', 'dep-broken2'),
      // Two deployments: the router cools the failing one down (a group's only deployment never is).
      dep('flaky', '/fail', 'dep-flaky-bad'),
      dep('flaky', '/ok', 'dep-flaky-good'),
    ],
    general_settings: { master_key: MASTER_KEY, ...general },
    router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 30 },
    litellm_settings: { num_retries: 0 },
    plugins: [{ use: 'alerting-slack', config: { delivery_flush_interval_ms: 50, health_check_interval_ms: 200, ...pluginConfig } }],
  } as SluiceConfig;
}

const HEADER = /^Level: `(Low|Medium|High)`\nTimestamp: `\d\d:\d\d:\d\d`\n\nMessage: /;

describe('alerting to Slack, email and webhook (in-memory counters)', () => {
  let up: FakeUpstream;
  let dest: Destinations;
  let gw: TestGateway;
  const posts = (path: string, includes: string) => dest.slack.filter((p) => p.path === path && p.text.includes(includes));

  beforeAll(async () => {
    up = await startUpstream();
    dest = await startDestinations();
    gw = await startGateway(
      config(
        up.url,
        {
          alerting: ['slack', 'email', 'webhook'],
          alerting_threshold: 0.3,
          alert_to_webhook_url: { llm_exceptions: `${dest.slackUrl}/exceptions`, outage_alerts: [`${dest.slackUrl}/outages-a`, `${dest.slackUrl}/outages-b`] },
          alerting_args: { minor_outage_alert_threshold: 3, major_outage_alert_threshold: 5, outage_alert_ttl: 60, daily_report_frequency: 3, report_check_interval: 0.25 },
        },
        { alert_emails: ['oncall@corp.test'] },
      ),
      {
        env: {
          SLACK_WEBHOOK_URL: `${dest.slackUrl}/default`,
          WEBHOOK_URL: dest.webhookUrl,
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(dest.smtpPort),
          SMTP_TLS: 'False',
          SMTP_SENDER_EMAIL: 'alerts@sluice.test',
          PROXY_BASE_URL: 'https://gateway.corp.test',
        },
      },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await dest?.close();
    await up?.close();
  });

  it('llm_exceptions: one alert in LiteLLM format on the type\'s own channel, by email and webhook', async () => {
    expect((await chat(gw.url, 'broken')).status).toBe(502);
    await until(() => posts('/exceptions', 'LLM API call failed').length > 0, 5_000, 'the exception alert');
    const [post] = posts('/exceptions', 'LLM API call failed');
    expect(post!.text).toMatch(HEADER);
    expect(post!.text).toMatch(/Level: `High`/);
    expect(post!.text).toContain('Message: LLM API call failed: `litellm.Openai.APIConnectionError: Upstream provider error (openai 500)');
    expect(post!.text).toContain('the model is on fire');
    expect(post!.text.endsWith('\n\nProxy URL: `https://gateway.corp.test`')).toBe(true);
    // Routed to its own channel only.
    expect(dest.slack.filter((p) => p.path === '/default' && p.text.includes('LLM API call failed'))).toHaveLength(0);
    await until(() => dest.webhook.some((e) => e.event === 'llm_exceptions') && dest.mails.some((m) => m.raw.includes('LLM API call failed')), 5_000, 'email and webhook');
    expect(dest.webhook.find((e) => e.event === 'llm_exceptions')).toMatchObject({ event_group: 'proxy', level: 'High', spend: 0, max_budget: null, token: createHash('sha256').update(MASTER_KEY).digest('hex') });
    const mail = dest.mails.find((m) => m.raw.includes('LLM API call failed'))!;
    expect(mail.to).toEqual(['oncall@corp.test']);
    expect(mail.raw).toMatch(/^Subject: Sluice alert: llm_exceptions \(High\)/m);
  });

  it('outage_alerts: minor at the minor threshold, major at the major one, each once, on every listed channel; exceptions stay one alert', async () => {
    for (let i = 0; i < 4; i++) expect((await chat(gw.url, 'broken')).status).toBe(502); // 5 failures in all
    await until(() => posts('/outages-b', 'Major Service Outage').length > 0, 5_000, 'the major outage alert');
    await pause(300);
    for (const path of ['/outages-a', '/outages-b']) {
      expect(posts(path, 'Minor Service Outage')).toHaveLength(1);
      expect(posts(path, 'Major Service Outage')).toHaveLength(1);
    }
    const minor = posts('/outages-a', 'Minor Service Outage')[0]!.text;
    expect(minor).toMatch(/^Level: `Medium`/);
    expect(minor).toContain(`Message: \n\n\n*⚠️ Minor Service Outage*\n\n\n*Model Name:* \`broken\`\n*Provider:* \`openai\`\n*API Base:* \`${up.url}/fail\`\n\n\n*Errors:*\n\nAPI Errors: 3\n\n\n*Last Check:* \`0.0s ago\``);
    expect(posts('/outages-a', 'Major Service Outage')[0]!.text).toContain('API Errors: 5');
    // Five failures of one deployment, one exception alert: the marker holds for dedupe_seconds.
    expect(posts('/exceptions', 'LLM API call failed')).toHaveLength(1);
  });

  it('llm_requests_hanging while the call runs, then llm_too_slow when it ends', async () => {
    const done = chat(gw.url, 'slow', 'is anyone there?', { metadata: { alerting_metadata: { runbook: 'https://runbooks.corp.test/slow' } } });
    await until(() => posts('/default', 'Requests are hanging').length > 0, 5_000, 'the hanging alert');
    expect((await done).status).toBe(200);
    await until(() => posts('/default', 'Responses are slow').length > 0, 5_000, 'the slow alert');
    const hanging = posts('/default', 'Requests are hanging')[0]!.text;
    expect(hanging).toMatch(/^Level: `Medium`/);
    expect(hanging).toContain(
      "Message: `Requests are hanging - 0.3s+ request time`\nRequest Model: `slow`\nMessages: `[{'role': 'user', 'content': 'is anyone there?'}]`\n\nKey Name: ``\nTeam: ``\nAPI Base: `" + up.url + '/slow`',
    );
    expect(hanging).toContain('\n\n*Alerting Metadata*: \nrunbook: `https://runbooks.corp.test/slow`\n\n');
    const slow = posts('/default', 'Responses are slow')[0]!.text;
    expect(slow).toMatch(/^Level: `Low`/);
    expect(slow).toMatch(/Message: `Responses are slow - 0\.\d+s response time > Alerting threshold: 0\.3s`\nRequest Model: `slow`\nAPI Base: `http:\/\/127\.0\.0\.1:\d+\/slow`\nMessages: `\[\{'role': 'user', 'content': 'is anyone there\?'\}\]`\n\nKey Name: ``\nTeam: ``/);
    // A fast call is neither.
    const before = dest.slack.length;
    expect((await chat(gw.url, 'ok')).status).toBe(200);
    await pause(500);
    expect(dest.slack.slice(before).filter((p) => p.text.includes('Request Model: `ok`'))).toHaveLength(0);
  });

  it('cooldown_deployment: the router\'s cooldown of a failing deployment is alerted once', async () => {
    for (let i = 0; i < 8 && posts('/default', 'Cooling down Deployment').length === 0; i++) {
      await chat(gw.url, 'flaky');
      await pause(100);
    }
    await until(() => posts('/default', 'Cooling down Deployment').length > 0, 5_000, 'the cooldown alert');
    const text = posts('/default', 'Cooling down Deployment')[0]!.text;
    expect(text).toMatch(/^Level: `Low`/);
    expect(text).toContain(`Message: Router: Cooling down Deployment:\nModel Name: \`flaky\`\nAPI Base: \`${up.url}/fail\`\nCooldown Time: \`30 seconds\`\nException Status Code: \`502\``);
    for (let i = 0; i < 3; i++) await chat(gw.url, 'flaky');
    await pause(300);
    expect(posts('/default', 'Cooling down Deployment')).toHaveLength(1);
  });

  it('daily_reports: a period\'s top deployments by failures and latency, no more than one per period', async () => {
    const reports = () => posts('/default', "Here are today's key metrics");
    const both = (p: { text: string }) => p.text.includes('openai/slow') && p.text.includes('Failed Requests: `');
    // A slow and a failed call in one 3 s period (again, if the pair straddled a period's end).
    for (let attempt = 0; attempt < 3 && !reports().some(both); attempt++) {
      await Promise.all([chat(gw.url, 'slow'), chat(gw.url, 'broken')]);
      await until(() => reports().some(both), 7_000, 'a daily report with the slow and the failed call').catch(() => undefined);
    }
    const report = reports().find(both)!.text;
    expect(report).toMatch(/^\n\nTime: `\d+\.\d+`s\nHere are today's key metrics 📈: \n\n/); // no Level header: LiteLLM sends reports as they are
    expect(report).toContain('*❗️ Top Deployments with Most Failed Requests:*');
    expect(report).toMatch(/\t\d\. Deployment: `openai\/(broken|flaky)`, Failed Requests: `\d+`,  API Base: `http:\/\/127\.0\.0\.1:\d+\/fail`\n/);
    expect(report).toContain('*😅 Top Slowest Deployments:*');
    expect(report).toMatch(/Deployment: `openai\/slow`, Latency per output token: `0\.\d+s\/token`/);
    expect(report).toMatch(/\n\nNext Run is at: `\d+\.\d+`s\n\nProxy URL: `https:\/\/gateway\.corp\.test`$/);
    // One report per 3 s period at most, however often the 0.25 s check runs.
    const times = reports().map((p) => Number(/Time: `([\d.]+)`/.exec(p.text)![1]));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(2.5);
  });

  it('a Slack webhook that refuses gets the alert once it answers again (LogDelivery retries)', async () => {
    const refusedBefore = dest.refused.length;
    const before = posts('/exceptions', 'the model is on fire').length;
    dest.slackFailNext = 2;
    expect((await chat(gw.url, 'broken2')).status).toBe(502);
    await until(() => posts('/exceptions', 'the model is on fire').length === before + 1, 10_000, 'the retried alert');
    await pause(300);
    expect(dest.refused.slice(refusedBefore)).toContain('/exceptions'); // refused first, delivered on a retry
    expect(posts('/exceptions', 'the model is on fire')).toHaveLength(before + 1);
  });

  it('no secret in the logs', () => {
    const logs = gw.logs.join('\n');
    expect(logs).toContain('alerting enabled');
    expect(logs).not.toContain(`${dest.slackUrl}/exceptions`);
  });
});

describe('alert_types limits what is sent; size refusals alert', () => {
  let up: FakeUpstream;
  let dest: Destinations;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream(500);
    dest = await startDestinations();
    gw = await startGateway(
      config(up.url, { alerting: ['slack'], alerting_threshold: 0.2, alert_types: ['llm_exceptions'], max_request_size_mb: 0.001, max_response_size_mb: 0.002 }),
      { env: { SLACK_WEBHOOK_URL: `${dest.slackUrl}/default` } },
    );
  });
  afterAll(async () => {
    await gw?.close();
    await dest?.close();
    await up?.close();
  });

  it('a request over max_request_size_mb: refused, and alerted with the refusal\'s message', async () => {
    const res = await chat(gw.url, 'ok', 'y'.repeat(2_000));
    expect(res.status).toBe(400);
    await until(() => dest.slack.some((p) => p.text.includes('Request size is too large')), 5_000, 'the request size alert');
    const text = dest.slack.find((p) => p.text.includes('Request size is too large'))!.text;
    expect(text).toMatch(/^Level: `Medium`\nTimestamp: `\d\d:\d\d:\d\d`\n\nMessage: Request size is too large\. Request size is 0\.00\d+ MB\. Max size is 0\.001 MB$/);
    expect(text).toContain(res.json.error.message);
  });

  it('a response over max_response_size_mb: alerted with the refusal\'s message', async () => {
    const res = await chat(gw.url, 'big');
    expect(res.status).toBe(400);
    await until(() => dest.slack.some((p) => p.text.includes('Response size is too large')), 5_000, 'the response size alert');
    expect(dest.slack.find((p) => p.text.includes('Response size is too large'))!.text).toContain(`Message: ${res.json.error.message}`);
  });

  it('types not in alert_types send nothing (slow, hanging, outage, db, reports)', async () => {
    const before = dest.slack.length;
    expect((await chat(gw.url, 'slow')).status).toBe(200);
    for (let i = 0; i < 6; i++) await chat(gw.url, 'broken');
    await until(() => dest.slack.some((p) => p.text.includes('LLM API call failed')), 5_000, 'the exception alert');
    await pause(600);
    const texts = dest.slack.slice(before).map((p) => p.text);
    expect(texts.filter((t) => /Requests are hanging|Responses are slow|Outage|Cooling|key metrics/.test(t))).toEqual([]);
    expect(texts.filter((t) => t.includes('LLM API call failed'))).toHaveLength(1);
  });
});
