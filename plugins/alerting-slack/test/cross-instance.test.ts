/**
 * Two gateways sharing one Redis: an alert about the same subject goes out once, whichever
 * instance saw it; outage counting adds both instances' failures; the router's cooldown, heard by
 * both over pub/sub, is alerted once. (CI fails without Redis; elsewhere it is skipped.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { backends, uniqueTag } from '../../../test/support/backends.js';
import type { FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { chat, pause, startDestinations, startUpstream, until, type Destinations } from './support.js';

describe.skipIf(!backends.redis)(`two instances, one Redis ${backends.skipReason.redis ?? ''}`, () => {
  const tag = uniqueTag(); // deployment ids, hence markers, unique to this run
  let up: FakeUpstream;
  let dest: Destinations;
  const gws: TestGateway[] = [];

  beforeAll(async () => {
    up = await startUpstream();
    dest = await startDestinations();
    const dep = (name: string, path: string, id: string) => ({ model_name: name, litellm_params: { model: `openai/${name}`, api_base: `${up.url}${path}`, api_key: 'sk-upstream' }, model_info: { id: `${id}-${tag}` } });
    const config = {
      model_list: [dep('broken', '/fail', 'broken'), dep('flaky', '/fail', 'flaky-bad'), dep('flaky', '/ok', 'flaky-good')],
      general_settings: { master_key: MASTER_KEY, alerting: ['slack'], alert_types: ['llm_exceptions', 'outage_alerts', 'cooldown_deployment'], alerting_args: { minor_outage_alert_threshold: 4, major_outage_alert_threshold: 100 } },
      router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 30 },
      plugins: [{ use: 'alerting-slack', config: { delivery_flush_interval_ms: 50 } }],
    } as SluiceConfig;
    for (let i = 0; i < 2; i++) gws.push(await startGateway(config, { env: { SLACK_WEBHOOK_URL: `${dest.slackUrl}/ops`, REDIS_URL: backends.redis! } }));
  });
  afterAll(async () => {
    for (const gw of gws) await gw.close();
    await dest?.close();
    await up?.close();
  });

  const count = (s: string) => dest.slack.filter((p) => p.text.includes(s)).length;

  it('a failure on each instance: one llm_exceptions alert; four across both: one minor outage alert', async () => {
    expect((await chat(gws[0]!.url, 'broken')).status).toBe(502);
    expect((await chat(gws[1]!.url, 'broken')).status).toBe(502);
    await until(() => count('LLM API call failed') > 0, 5_000, 'the exception alert');
    expect(count('Minor Service Outage')).toBe(0); // two failures so far
    expect((await chat(gws[0]!.url, 'broken')).status).toBe(502);
    expect((await chat(gws[1]!.url, 'broken')).status).toBe(502);
    await until(() => count('Minor Service Outage') > 0, 5_000, 'the outage alert');
    await pause(500);
    expect(count('LLM API call failed')).toBe(1);
    expect(count('Minor Service Outage')).toBe(1);
    expect(dest.slack.find((p) => p.text.includes('Minor Service Outage'))!.text).toContain('API Errors: 4');
  });

  it('a cooldown both instances hear: one alert', async () => {
    for (let i = 0; i < 8 && count('Cooling down Deployment') === 0; i++) {
      await chat(gws[i % 2]!.url, 'flaky');
      await pause(100);
    }
    await until(() => count('Cooling down Deployment') > 0, 5_000, 'the cooldown alert');
    await pause(800);
    expect(count('Cooling down Deployment')).toBe(1);
  });
});
