/**
 * LiteLLM's deployment health counters that need a call's tries: litellm_deployment_cooled_down_total,
 * litellm_deployment_successful_fallbacks_total and litellm_deployment_failed_fallbacks_total,
 * through a real gateway whose router retries, cools a deployment down and walks `fallbacks`, on the
 * chat pipeline and on a plugin route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { LITELLM_METRICS } from '../src/litellm-metrics.js';
import { samples } from './exposition.js';

/** Upstream model → the status it answers (200 answers a completion). */
const STATUS: Record<string, number> = { 'rate-limited': 429, 'broken': 500, 'works': 200 };

function upstreamAnswering(): Promise<FakeUpstream> {
  return startFakeUpstream((req, res) => {
    const status = STATUS[String(req.body?.model)] ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    if (status !== 200) {
      res.end(JSON.stringify({ error: { message: `upstream says ${status}`, type: 'server_error', code: null } }));
      return;
    }
    res.end(JSON.stringify({ id: 'chatcmpl-f', object: 'chat.completion', created: 1, model: 'works', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
  });
}

describe('metrics-prometheus: cooldowns and fallbacks from the call tries', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  const chat = async (model: string) => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.arrayBuffer();
    return { status: res.status, fallbacks: res.headers.get('x-litellm-attempted-fallbacks') };
  };
  const scrape = async () => samples(await (await fetch(`${gw.url}/metrics`)).text());

  beforeAll(async () => {
    upstream = await upstreamAnswering();
    const params = (model: string) => ({ model: `openai/${model}`, api_base: upstream.url, api_key: 'sk-upstream' });
    gw = await startGateway({
      model_list: [
        // Two deployments, so one can be cooled down (a group's only deployment never is).
        { model_name: 'primary', litellm_params: params('rate-limited'), model_info: { id: 'dep-limited' } },
        { model_name: 'primary', litellm_params: params('broken'), model_info: { id: 'dep-broken' } },
        { model_name: 'backup', litellm_params: params('works'), model_info: { id: 'dep-backup' } },
        { model_name: 'lonely', litellm_params: params('broken'), model_info: { id: 'dep-lonely' } },
        { model_name: 'backup-broken', litellm_params: params('broken'), model_info: { id: 'dep-backup-broken' } },
      ],
      general_settings: { master_key: MASTER_KEY },
      router_settings: { num_retries: 1, retry_after: 0, fallbacks: [{ primary: ['backup'] }, { lonely: ['backup-broken'] }] },
      litellm_settings: { callbacks: ['prometheus'] },
    } as SluiceConfig);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('a call that falls back and answers counts a successful fallback, and the deployment cooled down on the way', async () => {
    const r = await chat('primary');
    expect(r).toEqual({ status: 200, fallbacks: '1' });
    await gw.gateway.observers.drain();
    const all = await scrape();

    const ok = all.filter((s) => s.name === 'litellm_deployment_successful_fallbacks_total');
    expect(ok).toHaveLength(1);
    expect(Object.keys(ok[0]!.labels).sort()).toEqual([...LITELLM_METRICS.deploymentSuccessfulFallbacks.labels].sort());
    expect(ok[0]!.labels).toMatchObject({ requested_model: 'primary', fallback_model: 'backup', model_id: 'dep-backup', hashed_api_key: expect.any(String) });
    // The failure that started it: whichever primary deployment the router tried first.
    expect(['429', '500']).toContain(ok[0]!.labels.exception_status);
    expect(ok[0]!.labels.exception_class).toBe(ok[0]!.labels.exception_status === '429' ? 'Openai.RateLimitError' : 'Openai.InternalServerError');
    expect(ok[0]!.value).toBe(1);

    // A 429 cools a deployment down at once; a first 500 does not (allowed_fails).
    const cooled = all.filter((s) => s.name === 'litellm_deployment_cooled_down_total');
    expect(cooled).toHaveLength(1);
    expect(cooled[0]!.labels).toEqual({ litellm_model_name: 'rate-limited', model_id: 'dep-limited', api_base: upstream.url, api_provider: 'openai', exception_status: '429' });
    expect(cooled[0]!.value).toBe(1);
    expect(all.filter((s) => s.name === 'litellm_deployment_failed_fallbacks_total')).toHaveLength(0);
  });

  it('a fallback group whose tries all fail counts one failed fallback; a call that never failed counts nothing', async () => {
    expect((await chat('lonely')).status).toBe(502); // the upstream's 500, as the gateway answers it
    expect((await chat('backup')).status).toBe(200);
    await gw.gateway.observers.drain();
    const all = await scrape();
    const failed = all.filter((s) => s.name === 'litellm_deployment_failed_fallbacks_total');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.labels).toMatchObject({ requested_model: 'lonely', fallback_model: 'backup-broken', model_id: 'dep-backup-broken', exception_status: '500' });
    // Retried once inside the fallback group, still one fallback.
    expect(failed[0]!.value).toBe(1);
    expect(all.filter((s) => s.name === 'litellm_deployment_successful_fallbacks_total').reduce((n, s) => n + s.value, 0)).toBe(1);
  });

  it('a plugin route (Anthropic /v1/messages) that falls back counts the same way', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'primary', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status, await res.text()).toBe(200);
    await gw.gateway.observers.drain();
    const ok = (await scrape()).filter((s) => s.name === 'litellm_deployment_successful_fallbacks_total');
    expect(ok.reduce((n, s) => n + s.value, 0)).toBe(2);
    expect(ok.every((s) => s.labels.requested_model === 'primary' && s.labels.fallback_model === 'backup')).toBe(true);
  });
});
