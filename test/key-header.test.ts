/**
 * Where the auth step reads the caller's key: `server.api_key_header` (LiteLLM's
 * general_settings.litellm_key_header_name) makes one header the only source, on the fast path and
 * on fastify's routes alike; and an unknown route authenticates a presented key before its 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream?.close();
});

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

describe('server.api_key_header', () => {
  let sluice: TestGateway;
  beforeAll(async () => {
    sluice = await startGateway(proxyConfig(upstream.url, { server: { api_key_header: 'X-Litellm-Key' } }));
  });
  afterAll(async () => {
    await sluice?.close();
  });

  for (const path of ['/v1/chat/completions', '/v1/models']) {
    it(`reads the key only from that header (${path})`, async () => {
      const method = path === '/v1/models' ? 'GET' : 'POST';
      const send = (headers: Record<string, string>) =>
        fetch(`${sluice.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' && { body: chat }) });
      expect((await send({ authorization: 'Bearer invalid-key', 'x-litellm-key': `Bearer ${MASTER_KEY}` })).status).toBe(200);
      const others: Record<string, string>[] = [{ authorization: `Bearer ${MASTER_KEY}` }, { 'x-api-key': MASTER_KEY }, { 'x-litellm-key': MASTER_KEY }];
      for (const headers of others) {
        const r = await send(headers);
        expect(r.status).toBe(401);
        expect(((await r.json()) as { error: { message: string } }).error.message).toBe('Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.');
      }
    });
  }

  it('comes from general_settings.litellm_key_header_name in a LiteLLM config', async () => {
    const gw = await startGateway({ ...proxyConfig(upstream.url), general_settings: { master_key: MASTER_KEY, litellm_key_header_name: 'x-litellm-key' } } as never);
    try {
      const send = (headers: Record<string, string>) => fetch(`${gw.url}/v1/models`, { headers });
      expect((await send({ 'x-litellm-key': `Bearer ${MASTER_KEY}` })).status).toBe(200);
      expect((await send({ authorization: `Bearer ${MASTER_KEY}` })).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});

describe('unknown routes', () => {
  let sluice: TestGateway;
  beforeAll(async () => {
    sluice = await startGateway(proxyConfig(upstream.url));
  });
  afterAll(async () => {
    await sluice?.close();
  });
  const send = (key?: string) =>
    // A path nothing serves (the provider pass-through routes took `/vertex-ai/*`, this test's old example).
    fetch(`${sluice.url}/no-such-provider/publishers/google/models/gemini-1.5-flash-001:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
      body: '{}',
    });

  it('a key that does not authenticate gets the 401 first', async () => {
    const r = await send('sk-12345');
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain('Invalid proxy server token passed');
  });
  it('without a key, or with a valid one, the answer is the 404', async () => {
    expect((await send()).status).toBe(404);
    expect((await send(MASTER_KEY)).status).toBe(404);
    expect((await fetch(`${sluice.url}/robots.txt`)).status).toBe(404);
  });
});
