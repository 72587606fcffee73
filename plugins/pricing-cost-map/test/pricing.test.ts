/** Prices from LiteLLM's cost map: header, spend, overrides, cache tokens, reloads and schedules. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SpendEvent } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from '../../../test/support/mock-openai.js';
import { pluginSource, writeTestPlugin } from '../../../test/support/test-plugins.js';

const GPT4O_IN = 0.0000025;
const GPT4O_OUT = 0.00001;
const GPT4O_CACHED = 0.00000125;

let upstream: MockOpenAI;
let gw: TestGateway;
let mapServer: Server;
let mapUrl = '';
let served: { status: number; body: string } = { status: 200, body: '{}' };
const spend = (globalThis as unknown as { __pricingSpend: SpendEvent[] }).__pricingSpend = [] as SpendEvent[];

beforeAll(async () => {
  upstream = await startMockOpenAI();
  mapServer = createServer((_req, res) => {
    res.writeHead(served.status, { 'content-type': 'application/json' });
    res.end(served.body);
  });
  await new Promise<void>((r) => mapServer.listen(0, '127.0.0.1', r));
  mapUrl = `http://127.0.0.1:${(mapServer.address() as AddressInfo).port}/map.json`;
  const recorder = writeTestPlugin({ id: 'spend-recorder', hooks: { onSpend: { stage: 'OBSERVE' } }, source: pluginSource('return { onSpend: async (e) => { globalThis.__pricingSpend.push(e); } };') });
  gw = await startGateway(
    {
      model_list: [
        { model_name: 'gpt-4o', litellm_params: { model: 'openai/gpt-4o', api_base: upstream.url, api_key: 'sk-x' } },
        { model_name: 'cheap', litellm_params: { model: 'openai/gpt-4o', api_base: upstream.url, api_key: 'sk-x', input_cost_per_token: 0.001, output_cost_per_token: 0.002 } },
        { model_name: 'my-azure', litellm_params: { model: 'openai/my-deployment-name', api_base: upstream.url, api_key: 'sk-x' }, model_info: { base_model: 'gpt-4o' } },
        { model_name: 'unknown', litellm_params: { model: 'openai/not-in-the-map', api_base: upstream.url, api_key: 'sk-x' } },
      ],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: 'pricing-cost-map', config: { url: mapUrl, fetch_timeout_ms: 1000 } }, { use: 'spend-recorder' }],
    } as never,
    { extraPluginDirs: [recorder] },
  );
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await new Promise<void>((r) => mapServer.close(() => r()));
});
beforeEach(() => {
  upstream.behaviour = {};
  spend.length = 0;
});

async function call(model: string, extra: object = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  const text = await res.text();
  return { status: res.status, cost: res.headers.get('x-litellm-response-cost'), text };
}

const admin = (method: string, path: string) => fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${MASTER_KEY}` } });

describe('pricing', () => {
  it('prices a call from the bundled map and returns x-litellm-response-cost', async () => {
    const res = await call('gpt-4o');
    expect(Number(res.cost)).toBeCloseTo(7 * GPT4O_IN + 5 * GPT4O_OUT, 12);
    await gw.gateway.observers.drain();
    expect(spend[0]!.cost).toBeCloseTo(7 * GPT4O_IN + 5 * GPT4O_OUT, 12);
  });

  it('per-deployment prices override the map; base_model picks the map entry', async () => {
    expect(Number((await call('cheap')).cost)).toBeCloseTo(7 * 0.001 + 5 * 0.002, 12);
    expect(Number((await call('my-azure')).cost)).toBeCloseTo(7 * GPT4O_IN + 5 * GPT4O_OUT, 12);
    expect((await call('unknown')).cost).toBe('0');
  });

  it('charges cached prompt tokens at the cache-read price', async () => {
    upstream.behaviour = { usage: { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_tokens_details: { cached_tokens: 800 } } };
    const res = await call('gpt-4o');
    expect(Number(res.cost)).toBeCloseTo(200 * GPT4O_IN + 800 * GPT4O_CACHED + 10 * GPT4O_OUT, 12);
  });

  it('prices streamed calls from the usage it asked upstream for', async () => {
    const res = await call('gpt-4o', { stream: true });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('"usage"');
    await gw.gateway.observers.drain();
    expect(spend.at(-1)!.cost).toBeCloseTo(7 * GPT4O_IN + 5 * GPT4O_OUT, 12);
  });
});

describe('reloading the map', () => {
  it('reloads from the configured URL and prices with the new map', async () => {
    served = { status: 200, body: JSON.stringify({ 'gpt-4o': { input_cost_per_token: 1, output_cost_per_token: 2, litellm_provider: 'openai', mode: 'chat' } }) };
    const res = await admin('POST', '/reload/model_cost_map');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'success', message: 'Model cost map reloaded successfully', models_count: 1, source: mapUrl });
    await expect.poll(async () => Number((await call('gpt-4o')).cost)).toBe(7 * 1 + 5 * 2);
  });

  it.each([
    ['an HTTP error', { status: 500, body: 'oops' }, /HTTP 500/],
    ['a body that is not JSON', { status: 200, body: '<html>' }, /Could not reload/],
    ['a map without prices', { status: 200, body: JSON.stringify({ 'gpt-4o': { mode: 'chat' } }) }, /no entry with input_cost_per_token/],
  ])('keeps the current map when the source serves %s', async (_name, response, message) => {
    const before = Number((await call('gpt-4o')).cost);
    served = response;
    const res = await admin('POST', '/reload/model_cost_map');
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(message);
    expect(body.error.message).toContain('stays in use');
    expect(Number((await call('gpt-4o')).cost)).toBe(before);
  });

  it('schedules, reports and cancels periodic reloads; validates hours', async () => {
    expect((await admin('POST', '/schedule/model_cost_map_reload?hours=abc')).status).toBe(400);
    expect((await admin('POST', '/schedule/model_cost_map_reload')).status).toBe(400);
    const scheduled = await admin('POST', '/schedule/model_cost_map_reload?hours=6');
    expect(await scheduled.json()).toMatchObject({ status: 'success', interval_hours: 6 });
    const status = (await (await admin('GET', '/schedule/model_cost_map_reload/status')).json()) as { scheduled: boolean; interval_hours: number };
    expect(status).toMatchObject({ scheduled: true, interval_hours: 6 });
    expect(await (await admin('DELETE', '/schedule/model_cost_map_reload')).json()).toMatchObject({ status: 'success' });
    expect(((await (await admin('GET', '/schedule/model_cost_map_reload/status')).json()) as { scheduled: boolean }).scheduled).toBe(false);
  });

  it('needs an admin key', async () => {
    expect((await fetch(`${gw.url}/reload/model_cost_map`, { method: 'POST' })).status).toBe(401);
  });
});
