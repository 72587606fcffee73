/**
 * LiteLLM's `callbacks: ["prometheus"]` through real gateways and a fake upstream: a team's
 * virtual key calls, then GET /metrics shows LiteLLM's names, label sets and values; a failed
 * call counts with exception_status/exception_class; the output passes the real
 * `promtool check metrics`; require_auth_for_metrics_endpoint; the series cap.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { BoundedMetrics } from '../src/bounded-metrics.js';
import { LITELLM_METRICS } from '../src/litellm-metrics.js';
import { find, samples, type Sample } from './exposition.js';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const HAVE_PROMTOOL = spawnSync('promtool', ['--version']).status === 0;

// Prices per token (litellm_params), so spend is known: 10 prompt + 5 completion tokens = 0.001*10 + 0.002*5 = 0.02.
const COST = 0.02;

function config(upstream: string, litellm: Record<string, unknown>): SluiceConfig {
  const params = { api_base: upstream, api_key: 'sk-upstream', input_cost_per_token: 0.001, output_cost_per_token: 0.002 };
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', ...params }, model_info: { id: 'dep-ok' } },
      { model_name: 'gpt-fail', litellm_params: { model: 'openai/gpt-fail', ...params }, model_info: { id: 'dep-fail' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { num_retries: 0 },
    litellm_settings: { num_retries: 0, callbacks: ['prometheus'], ...litellm },
  } as SluiceConfig;
}

async function call(url: string, path: string, key: string | null, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(key !== null && { authorization: `Bearer ${key}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}


async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function fakeLlm(): Promise<FakeUpstream> {
  return startFakeUpstream((req, res) => {
    if (req.body?.model === 'gpt-fail') {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded' } }));
      return;
    }
    if (req.body?.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      res.write(chunk({ role: 'assistant', content: 'hel' }));
      setTimeout(() => {
        res.write(chunk({ content: 'lo' }));
        res.write(`data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      }, 20);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    }));
  });
}

const CHAT = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('metrics-prometheus: LiteLLM metrics at GET /metrics', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;
  let key: string;
  let teamId: string;

  beforeAll(async () => {
    upstream = await fakeLlm();
    gw = await startGateway(config(upstream.url, { custom_prometheus_metadata_labels: ['metadata.project'] }));
    const team = await call(gw.url, '/team/new', MASTER_KEY, { team_alias: 'research', max_budget: 10 });
    expect(team.status).toBe(200);
    teamId = team.json.team_id;
    const k = await call(gw.url, '/key/generate', MASTER_KEY, { team_id: teamId, key_alias: 'research-key', max_budget: 5 });
    expect(k.status).toBe(200);
    key = k.json.key;
    for (let i = 0; i < 2; i++) {
      const r = await call(gw.url, '/v1/chat/completions', key, CHAT('gpt-4o-mini', { user: 'customer-7', metadata: { project: 'apollo' } }));
      expect(r.status, r.text).toBe(200);
    }
    const failed = await call(gw.url, '/v1/chat/completions', key, CHAT('gpt-fail'));
    expect(failed.status).toBe(429);
    const streamed = await call(gw.url, '/v1/chat/completions', MASTER_KEY, CHAT('gpt-4o-mini', { stream: true, stream_options: { include_usage: true } }));
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('[DONE]');
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  async function scrape(): Promise<Sample[]> {
    const r = await call(gw.url, '/metrics', null);
    expect(r.status).toBe(200);
    return samples(r.text);
  }

  it('serves the text format publicly, at /metrics and /metrics/', async () => {
    for (const path of ['/metrics', '/metrics/']) {
      const r = await call(gw.url, path, null);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(r.text).toContain('# TYPE litellm_proxy_total_requests_metric_total counter');
    }
  });

  it("counts the team key's calls with LiteLLM's names, label sets and values", async () => {
    const hash = sha256(key);
    await until(async () => find(await scrape(), 'litellm_proxy_total_requests_metric_total', { hashed_api_key: hash, status_code: '200' })[0]?.value === 2);
    const all = await scrape();
    const who = { hashed_api_key: hash, api_key_alias: 'research-key', team: teamId, team_alias: 'research' };

    const [total] = find(all, 'litellm_proxy_total_requests_metric_total', { ...who, status_code: '200' });
    expect(Object.keys(total!.labels).sort()).toEqual([...LITELLM_METRICS.proxyTotalRequests.labels, 'metadata_project'].sort());
    expect(total!.labels).toMatchObject({ requested_model: 'gpt-4o-mini', route: '/chat/completions', model_id: 'dep-ok', end_user: 'None', metadata_project: 'apollo' });

    const spend = find(all, 'litellm_spend_metric_total', who);
    expect(spend).toHaveLength(1);
    expect(Object.keys(spend[0]!.labels).sort()).toEqual([...LITELLM_METRICS.spend.labels, 'metadata_project'].sort());
    expect(spend[0]!.value).toBeCloseTo(2 * COST, 10);
    expect(find(all, 'litellm_total_tokens_metric_total', who)[0]!.value).toBe(30);
    expect(find(all, 'litellm_input_tokens_metric_total', who)[0]!.value).toBe(20);
    expect(find(all, 'litellm_output_tokens_metric_total', who)[0]!.value).toBe(10);
    expect(find(all, 'litellm_requests_metric_total', who)[0]!.value).toBe(2);

    expect(find(all, 'litellm_request_total_latency_metric_count', who)[0]!.value).toBe(2);
    expect(find(all, 'litellm_llm_api_latency_metric_count', { ...who, model: 'gpt-4o-mini' })[0]!.value).toBe(2);
    expect(find(all, 'litellm_overhead_latency_metric_count', { hashed_api_key: hash, model_group: 'gpt-4o-mini', api_provider: 'openai' })[0]!.value).toBe(2);
    expect(find(all, 'litellm_request_total_latency_metric_bucket', { ...who, le: '300.0' }).length + find(all, 'litellm_request_total_latency_metric_bucket', { ...who, le: '300' }).length).toBe(1);

    const dep = { litellm_model_name: 'gpt-4o-mini', model_id: 'dep-ok', api_provider: 'openai', api_base: upstream.url };
    expect(find(all, 'litellm_deployment_success_responses_total', dep)[0]!.value).toBe(2);
    expect(find(all, 'litellm_deployment_total_requests_total', dep)[0]!.value).toBe(2);
    expect(find(all, 'litellm_deployment_state', dep)[0]!.value).toBe(0);
    expect(find(all, 'litellm_deployment_latency_per_output_token_count', dep)[0]!.value).toBe(2);

    // Budgets from the call's scopes: max_budget and the spend seen.
    expect(find(all, 'litellm_team_max_budget_metric', { team: teamId, team_alias: 'research' })[0]!.value).toBe(10);
    expect(find(all, 'litellm_remaining_team_budget_metric', { team: teamId })[0]!.value).toBeCloseTo(10 - 2 * COST, 6);
    expect(find(all, 'litellm_api_key_max_budget_metric', { hashed_api_key: hash })[0]!.value).toBe(5);
    expect(find(all, 'litellm_remaining_api_key_budget_metric', { hashed_api_key: hash, api_key_alias: 'research-key' })[0]!.value).toBeCloseTo(5 - 2 * COST, 6);
  });

  it('counts a failed call in failed requests with exception_status and exception_class', async () => {
    const hash = sha256(key);
    await until(async () => find(await scrape(), 'litellm_proxy_failed_requests_metric_total', { hashed_api_key: hash }).length === 1);
    const all = await scrape();
    const [failed] = find(all, 'litellm_proxy_failed_requests_metric_total', { hashed_api_key: hash });
    expect(failed!.labels).toMatchObject({ exception_status: '429', exception_class: 'Openai.RateLimitError', requested_model: 'gpt-fail', team: teamId });
    expect(Object.keys(failed!.labels).sort()).toEqual([...LITELLM_METRICS.proxyFailedRequests.labels, 'metadata_project'].sort());
    expect(failed!.value).toBe(1);
    expect(find(all, 'litellm_proxy_total_requests_metric_total', { hashed_api_key: hash, status_code: '429' })[0]!.value).toBe(1);
    const dep = { model_id: 'dep-fail', exception_status: '429' };
    expect(find(all, 'litellm_deployment_failure_responses_total', dep)[0]!.value).toBe(1);
    expect(find(all, 'litellm_deployment_state', { model_id: 'dep-fail' })[0]!.value).toBe(1);
    // Failures add no spend and no tokens.
    expect(find(all, 'litellm_spend_metric_total', { requested_model: 'gpt-fail' })).toHaveLength(0);
  });

  it('observes time to first token for streamed calls only', async () => {
    const master = sha256(MASTER_KEY);
    await until(async () => find(await scrape(), 'litellm_llm_api_time_to_first_token_metric_count', { hashed_api_key: master }).length === 1);
    const all = await scrape();
    expect(find(all, 'litellm_llm_api_time_to_first_token_metric_count', { hashed_api_key: master, requested_model: 'gpt-4o-mini' })[0]!.value).toBe(1);
    expect(find(all, 'litellm_llm_api_time_to_first_token_metric_count', { hashed_api_key: sha256(key) })).toHaveLength(0);
    expect(find(all, 'litellm_output_tokens_metric_total', { hashed_api_key: master })[0]!.value).toBe(5);
  });

  it("exports the gateway's own registry as sluice_* (hook latencies of this plugin's onSpend)", async () => {
    const all = await scrape();
    const hook = find(all, 'sluice_plugin_hook_duration_seconds_count', { plugin: 'metrics-prometheus', hook: 'onSpend' });
    expect(hook[0]?.value).toBeGreaterThanOrEqual(4);
    expect(find(all, 'sluice_plugin_hook_duration_seconds_bucket', { plugin: 'metrics-prometheus', hook: 'onSpend', le: '+Inf' })[0]!.value).toBe(hook[0]!.value);
  });

  it.skipIf(!HAVE_PROMTOOL && !IN_CI)('passes the real `promtool check metrics`', async () => {
    expect(HAVE_PROMTOOL, 'promtool is needed in CI (apt-get install prometheus)').toBe(true);
    const r = await call(gw.url, '/metrics', null);
    const { code, output } = await promtool(r.text);
    expect(output).toBe('');
    expect(code).toBe(0);
    // promtool is not a rubber stamp: a counter without _total and a broken line fail.
    const bad = await promtool('# HELP x_requests a\n# TYPE x_requests counter\nx_requests 1\n');
    expect(bad.code).not.toBe(0);
  });
});

describe('metrics-prometheus: require_auth_for_metrics_endpoint, end_user, series cap', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await fakeLlm();
    gw = await startGateway(
      config(upstream.url, { require_auth_for_metrics_endpoint: true, enable_end_user_cost_tracking_prometheus_only: true, prometheus_metrics_max_series_per_metric: 2 }),
    );
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('needs a valid key when require_auth_for_metrics_endpoint is true; any role will do', async () => {
    expect((await call(gw.url, '/metrics', null)).status).toBe(401);
    expect((await call(gw.url, '/metrics', 'sk-not-a-key')).status).toBe(401);
    expect((await call(gw.url, '/metrics', MASTER_KEY)).status).toBe(200);
    const k = await call(gw.url, '/key/generate', MASTER_KEY, {});
    expect((await call(gw.url, '/metrics/', k.json.key)).status).toBe(200);
  });

  it('counts a budget refusal as BudgetExceededError', async () => {
    const k = await call(gw.url, '/key/generate', MASTER_KEY, { max_budget: 0, key_alias: 'broke' });
    expect((await call(gw.url, '/v1/chat/completions', k.json.key, CHAT('gpt-4o-mini'))).status).toBe(400);
    await until(async () => find(samples((await call(gw.url, '/metrics', MASTER_KEY)).text), 'litellm_proxy_failed_requests_metric_total', { api_key_alias: 'broke' }).length === 1);
    const [failed] = find(samples((await call(gw.url, '/metrics', MASTER_KEY)).text), 'litellm_proxy_failed_requests_metric_total', { api_key_alias: 'broke' });
    expect(failed!.labels).toMatchObject({ exception_status: '400', exception_class: 'BudgetExceededError', model_id: 'None' });
  });

  it('fills end_user when enable_end_user_cost_tracking_prometheus_only is on, and caps the series per metric', async () => {
    for (const user of ['u1', 'u2', 'u3', 'u1']) {
      expect((await call(gw.url, '/v1/chat/completions', MASTER_KEY, CHAT('gpt-4o-mini', { user }))).status).toBe(200);
    }
    const read = async () => samples((await call(gw.url, '/metrics', MASTER_KEY)).text);
    await until(async () => (find(await read(), 'sluice_prometheus_series_dropped_total', { metric: 'litellm_requests_metric_total' })[0]?.value ?? 0) >= 1);
    const all = await read();
    const requests = find(all, 'litellm_requests_metric_total');
    expect(requests.map((s) => s.labels.end_user).sort()).toEqual(['u1', 'u2']);
    // u1's series is kept and still counted; u3's update was dropped and counted.
    expect(find(all, 'litellm_requests_metric_total', { end_user: 'u1' })[0]!.value).toBe(2);
    expect(find(all, 'sluice_prometheus_series_dropped_total', { metric: 'litellm_requests_metric_total' })[0]!.value).toBe(1);
  });
});

describe('metrics-prometheus: series cap and TTL over repeated label sets', () => {
  let upstream: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await fakeLlm();
    gw = await startGateway(
      config(upstream.url, { enable_end_user_cost_tracking_prometheus_only: true, prometheus_metrics_max_series_per_metric: 1, prometheus_metrics_ttl_seconds: 2 }),
    );
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  // The plugin reuses a label set's series across calls: an expired series must come back when
  // its labels are seen again, and a label set the cap dropped must be admitted once room is freed.
  it('counts every dropped update, and re-admits label sets after the TTL frees room', async () => {
    const read = async () => samples((await call(gw.url, '/metrics', null)).text);
    const requests = async (user: string) => find(await read(), 'litellm_requests_metric_total', { end_user: user })[0]?.value;
    const dropped = async () => find(await read(), 'sluice_prometheus_series_dropped_total', { metric: 'litellm_requests_metric_total' })[0]?.value ?? 0;
    const chat = async (user: string) => expect((await call(gw.url, '/v1/chat/completions', MASTER_KEY, CHAT('gpt-4o-mini', { user }))).status).toBe(200);

    await chat('a');
    await until(async () => (await requests('a')) === 1);
    await chat('b');
    await chat('b');
    await until(async () => (await dropped()) === 2);
    expect(await requests('b')).toBeUndefined();

    await new Promise((r) => setTimeout(r, 2_300)); // a is idle past the TTL: the next scrape removes it
    expect(find(await read(), 'litellm_requests_metric_total')).toHaveLength(0);
    await chat('b');
    await until(async () => (await requests('b')) === 1);
    await chat('a'); // the cap is full again (b): a's update is dropped and counted, not lost in a stale series
    await until(async () => (await dropped()) === 3);
    expect(await requests('a')).toBeUndefined();
    expect(await requests('b')).toBe(1);
  }, 30_000);
});

describe('BoundedMetrics', () => {
  it('admits known series past the cap, drops and counts new ones, expires them after the TTL', async () => {
    let now = 1_000;
    const m = new BoundedMetrics({ maxSeries: 2, ttlMs: 60_000, customLabels: [], latencyBuckets: undefined, now: () => now });
    m.inc('requests', { user: 'a' });
    m.inc('requests', { user: 'b' });
    m.inc('requests', { user: 'c' });
    m.inc('requests', { user: 'a' });
    expect(m.seriesCount('requests')).toBe(2);
    let text = await m.registry.metrics();
    expect(text).toMatch(/litellm_requests_metric_total\{[^}]*user="a"[^}]*\} 2/);
    expect(text).not.toContain('user="c"');
    expect(text).toContain('sluice_prometheus_series_dropped_total{metric="litellm_requests_metric_total"} 1');
    now += 30_000;
    m.inc('requests', { user: 'a' });
    now += 40_000; // b is 70 s old, a 40 s
    m.expire();
    expect(m.seriesCount('requests')).toBe(1);
    m.inc('requests', { user: 'c' });
    text = await m.registry.metrics();
    expect(text).not.toContain('user="b"');
    expect(text).toContain('user="c"');
  });
});
