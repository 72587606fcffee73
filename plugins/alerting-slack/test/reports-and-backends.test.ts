/**
 * `spend_reports` (spend per team and tag once the period ends) and `db_exceptions` (Redis stops
 * answering, then answers again) through a real gateway whose Redis is a redis-server this test
 * starts and kills.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { IN_CI } from '../../../test/support/backends.js';
import type { FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { chat, pause, startDestinations, startUpstream, until, type Destinations } from './support.js';

// ctx.now is Date.now as the gateway was built: the spy must be in place first.
const realNow = Date.now;
let offset = 0;
vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);

const HAVE_REDIS_SERVER = spawnSync('redis-server', ['--version']).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG')) return child;
    await pause(50);
  }
  throw new Error('redis-server did not start');
}

describe.skipIf(!HAVE_REDIS_SERVER && !IN_CI)('spend reports and database/Redis outages', () => {
  let up: FakeUpstream;
  let dest: Destinations;
  let gw: TestGateway;
  let redis: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    up = await startUpstream();
    dest = await startDestinations();
    const priced = { input_cost_per_token: 0.01, output_cost_per_token: 0.02 }; // 3 + 2 tokens: $0.07 a call
    gw = await startGateway(
      {
        model_list: [{ model_name: 'ok', litellm_params: { model: 'openai/ok', api_base: `${up.url}/ok`, api_key: 'sk-upstream', ...priced }, model_info: { id: 'dep-ok' } }],
        general_settings: {
          master_key: MASTER_KEY,
          alerting: ['slack'],
          alert_types: ['spend_reports', 'db_exceptions'],
          spend_report_frequency: '1d',
          alerting_args: { report_check_interval: 0.2 },
        },
        plugins: [{ use: 'alerting-slack', config: { delivery_flush_interval_ms: 50, health_check_interval_ms: 150 } }],
      } as SluiceConfig,
      { env: { SLACK_WEBHOOK_URL: `${dest.slackUrl}/ops`, REDIS_URL: `redis://127.0.0.1:${port}` } },
    );
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await gw?.close();
    redis?.kill('SIGKILL');
    await dest?.close();
    await up?.close();
  });

  it('spend_reports: when the period ends, spend per team and per tag', async () => {
    for (let i = 0; i < 2; i++) expect((await chat(gw.url, 'ok', 'hi', { metadata: { tags: ['checkout'] } })).status).toBe(200);
    expect((await chat(gw.url, 'ok', 'hi', { metadata: { tags: ['search'] } })).status).toBe(200);
    // The report reads the gateway's /global/spend/report (spend-logs): wait until its writer stored the calls.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const stored = async () => {
      const res = await fetch(`${gw.url}/global/spend/report?start_date=${day(Date.now())}&end_date=${day(Date.now() + 86_400_000)}&group_by=tag`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      return JSON.stringify(await res.json()).includes('search');
    };
    for (let i = 0; i < 100 && !(await stored()); i++) await pause(100);
    expect(dest.slack.filter((p) => p.text.includes('Spend Report'))).toHaveLength(0);
    offset += 86_400_000; // the day is over
    await until(() => dest.slack.some((p) => p.text.includes('Spend Report')), 10_000, 'the spend report');
    const text = dest.slack.find((p) => p.text.includes('Spend Report'))!.text;
    expect(text).toMatch(/^Level: `Low`\nTimestamp: `\d\d:\d\d:\d\d`\n\nMessage: \*💸 Spend Report for `\d\d-\d\d-\d{4} - \d\d-\d\d-\d{4}` \(1 days\)\*\n\n\*Team Spend Report:\*\nTeam: `[^`]+` \| Spend: `\$0\.21`\n\n\*Tag Spend Report:\*\n/);
    expect(text).toContain('Tag: `checkout` | Spend: `$0.14`\nTag: `search` | Spend: `$0.07`\n');
    await pause(600);
    expect(dest.slack.filter((p) => p.text.includes('Spend Report'))).toHaveLength(1);
  });

  it('db_exceptions: Redis stops answering (one alert), then answers again (one alert)', async () => {
    redis.kill('SIGKILL');
    await until(() => dest.slack.some((p) => p.text.includes('DB read/write call failed: Redis')), 15_000, 'the Redis outage alert');
    const down = dest.slack.find((p) => p.text.includes('DB read/write call failed: Redis'))!.text;
    expect(down).toMatch(/^Level: `High`\nTimestamp: `\d\d:\d\d:\d\d`\n\nMessage: DB read\/write call failed: Redis: /);
    await pause(600);
    expect(dest.slack.filter((p) => p.text.includes('DB read/write call failed'))).toHaveLength(1); // not once per probe
    redis = await startRedis(port);
    await until(() => dest.slack.some((p) => p.text.includes('Redis answers again')), 15_000, 'the recovery alert');
    expect(dest.slack.find((p) => p.text.includes('Redis answers again'))!.text).toMatch(/^Level: `Low`[\s\S]*Message: DB read\/write calls succeed again: Redis answers again after \d+s unreachable$/);
  });
});
