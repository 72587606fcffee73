/**
 * Request fields that steer the gateway never reach the provider: the ones enabled plugins declare
 * (plugin.json `requestFields`), the kernel's `metadata` and LiteLLM's own. A field whose plugin is
 * not enabled is an ordinary field and goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../schemas/generated/config.js';
import { startFakeUpstream, sendJson, type FakeUpstream } from './support/fake-upstream.js';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

const COMPLETION = { id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };

const steering = writeTestPlugin({ id: 'steering-fields', source: pluginSource('return {};'), manifestExtra: { requestFields: ['steer_hint'] } });

describe('gateway-only request fields', () => {
  let upstream: FakeUpstream;
  const gateways: TestGateway[] = [];
  const start = async (extra: Partial<SluiceConfig>) => {
    const gw = await startGateway(proxyConfig(upstream.url, extra), { extraPluginDirs: [steering] });
    gateways.push(gw);
    return gw;
  };
  const sent = async (gw: TestGateway, fields: Record<string, unknown>) => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, ...fields }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return upstream.requests.at(-1)!.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream((_req, res) => sendJson(res, 200, COMPLETION));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await upstream.close();
  });

  it("removes an enabled plugin's declared fields, the kernel's and LiteLLM's, and keeps the rest", async () => {
    const gw = await start({ plugins: [{ use: 'steering-fields' }] });
    const body = await sent(gw, { steer_hint: 'x', metadata: { tags: ['t'] }, num_retries: 1, caching: false, litellm_metadata: {}, user: 'u1' });
    expect(body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, user: 'u1' });
  });

  it('forwards a field whose plugin is not enabled', async () => {
    const gw = await start({});
    expect((await sent(gw, { steer_hint: 'x' })).steer_hint).toBe('x');
  });
});
