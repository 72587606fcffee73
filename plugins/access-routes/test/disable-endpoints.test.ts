/**
 * LiteLLM's DISABLE_ADMIN_ENDPOINTS and DISABLE_LLM_API_ENDPOINTS (enterprise route_checks): a
 * whole kind of route refused for every caller, on every spelling the router serves; the other
 * kind untouched; plugins' in-process management calls unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { isLlmApiRoute, isManagementRoute } from '../src/route-kinds.js';
import { rawRequest } from './raw-http.js';

const CONFIG = { model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }], general_settings: { master_key: MASTER_KEY } };
const CHAT = JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] });
const auth = { authorization: `Bearer ${MASTER_KEY}` };
const messageOf = (body: string) => JSON.parse(body).error?.message;

describe('route kinds', () => {
  it("LiteLLM's is_management_route and is_llm_api_route", () => {
    for (const p of ['/key/generate', '/team/new', '/user/delete', '/model/new', '/key/sk-1/regenerate']) expect(isManagementRoute(p), p).toBe(true);
    for (const p of ['/chat/completions', '/health', '/spend/logs/ui']) expect(isManagementRoute(p), p).toBe(false);
    for (const p of ['/v1/chat/completions', '/chat/completions', '/v1/messages', '/v1beta/models/gemini:generateContent', '/openai/deployments/a/b/chat/completions', '/engines/x/chat/completions', '/anthropic/v1/messages', '/bedrock/model/x/invoke', '/v1/threads/t1/runs', '/mcp/tools/list']) {
      expect(isLlmApiRoute(p), p).toBe(true);
    }
    for (const p of ['/key/generate', '/team/info', '/health/liveliness', '/spend/calculate']) expect(isLlmApiRoute(p), p).toBe(false);
  });
});

describe('DISABLE_ADMIN_ENDPOINTS', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(CONFIG, { env: { DISABLE_ADMIN_ENDPOINTS: 'True' } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses every served spelling of a management route, for the master key too; calls still work', async () => {
    for (const target of ['/key/generate', '/key/generate/', '//key//generate', '/%6Bey/generate', 'http://localhost/key/generate', '/key/generate#x']) {
      const r = await rawRequest(gw.url, 'POST', target, auth, '{}');
      expect(r.status, target).toBe(403);
      expect(messageOf(r.body), target).toBe('Management routes are disabled for this instance.');
    }
    expect((await rawRequest(gw.url, 'GET', '/team/list', auth)).status).toBe(403);
    expect((await rawRequest(gw.url, 'POST', '/v1/chat/completions', auth, CHAT)).status).toBe(200);
    expect(gw.logs.some((l) => l.includes('DISABLE_ADMIN_ENDPOINTS'))).toBe(true);
  });
});

describe('DISABLE_LLM_API_ENDPOINTS', () => {
  let gw: TestGateway;
  let off: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(CONFIG, { env: { DISABLE_LLM_API_ENDPOINTS: 'true' } });
    off = await startGateway(CONFIG, { env: { DISABLE_LLM_API_ENDPOINTS: 'false' } });
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), off?.close()]);
  });

  it('refuses every served spelling of an LLM API route; management routes still work', async () => {
    for (const target of ['/v1/chat/completions', '/chat/completions', '/v1/chat/completions/', '/v1//chat//completions', '/v1/chat/%63ompletions', 'http://localhost/v1/chat/completions?x=1']) {
      const r = await rawRequest(gw.url, 'POST', target, auth, CHAT);
      expect(r.status, target).toBe(403);
      expect(messageOf(r.body), target).toBe('LLM API routes are disabled for this instance.');
    }
    expect((await rawRequest(gw.url, 'GET', '/v1/models', auth)).status).toBe(403);
    expect((await rawRequest(gw.url, 'POST', '/key/generate', auth, '{}')).status).toBe(200);
  });

  it('a value other than true changes nothing', async () => {
    expect((await rawRequest(off.url, 'POST', '/v1/chat/completions', auth, CHAT)).status).toBe(200);
  });
});
