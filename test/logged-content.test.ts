/**
 * What the kernel hands loggers (kernel API 2.4): the spend event's `requestBody()` is the body after
 * every preCall plugin (a guardrail's redaction applied), `requestHeaders()` the request's headers,
 * `errorMessage` a failure's message; `FinalResponse.sent` the response as the client got it when a
 * postCall plugin changed it, on plain and buffered-stream calls; `CallContext.upstreamHeaders` reach
 * the provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

interface Seen {
  body?: Record<string, unknown>;
  header?: unknown;
  errorMessage?: string;
  status: string;
  final?: { text: string; sent?: string };
}
const seen = (): Record<string, Seen> => ((globalThis as unknown as { __logged?: Record<string, Seen> }).__logged ??= {});

// Redacts "SECRET" in the prompt (preCall, replacing the body) and the answer (postCall); sets a trace header upstream.
const REDACTOR = pluginSource(`return {
  preCall: async (call) => {
    call.body = JSON.parse(JSON.stringify(call.body).replaceAll('SECRET', '[R]'));
    call.upstreamHeaders = { ...call.upstreamHeaders, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    return call;
  },
  postCall: { streaming: 'buffer', response: async (r) => { r.response = JSON.parse(JSON.stringify(r.response).replaceAll('mock', '[R]')); return r; } },
};`);
const LOGGER = pluginSource(`globalThis.__logged ??= {};
return {
  preCall: async (call) => {
    const id = call.requestId;
    call.onFinalResponse = (final) => { (globalThis.__logged[id] ??= {}).final = { text: final.text, sent: final.sent }; };
  },
  onSpend: async (e) => {
    const entry = (globalThis.__logged[e.requestId] ??= {});
    entry.body = e.requestBody?.();
    entry.header = e.requestHeaders?.()['x-trace-me'];
    entry.errorMessage = e.errorMessage;
    entry.status = e.status;
  },
};`);

describe('what loggers get from the kernel', () => {
  let upstream: MockOpenAI;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    const root = tempDir('sluice-logged-content-');
    const dirs = [
      writeTestPlugin({ id: 'redactor', hooks: { preCall: { stage: 'TRANSFORM' }, postCall: { stage: 'TRANSFORM', streaming: 'buffer' } }, source: REDACTOR }, root),
      writeTestPlugin({ id: 'content-logger', hooks: { preCall: { stage: 'OBSERVE' }, onSpend: { stage: 'OBSERVE' } }, source: LOGGER }, root),
    ];
    gw = await startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'redactor' }, { use: 'content-logger' }] } as never), { extraPluginDirs: dirs });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  async function chat(body: Record<string, unknown>): Promise<{ status: number; text: string; requestId: string }> {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-trace-me': 'yes' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text(), requestId: res.headers.get('x-litellm-call-id') ?? res.headers.get('x-request-id') ?? '' };
  }

  async function entryFor(requestId: string): Promise<Seen> {
    for (let i = 0; i < 200; i++) {
      const e = seen()[requestId];
      if (e?.status) return e;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no spend event for ${requestId}`);
  }

  for (const stream of [false, true]) {
    it(`${stream ? 'a buffered stream' : 'a plain call'}: the redacted body, the headers, what the client got`, async () => {
      const { status, text, requestId } = await chat({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'my SECRET' }] });
      expect(status).toBe(200);
      expect(requestId).not.toBe('');
      const e = await entryFor(requestId);
      expect(JSON.stringify(e.body)).toContain('my [R]');
      expect(JSON.stringify(e.body)).not.toContain('SECRET');
      expect(e.header).toBe('yes');
      expect(e.final?.sent).toBeDefined();
      expect(e.final!.sent).not.toBe(e.final!.text);
      expect(e.final!.sent).toContain('[R]');
      expect(text).toContain('[R]');
      // The provider got the plugin's trace context.
      expect(upstream.requests.at(-1)!.headers.traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    });
  }

  it("a failure's event carries the message the client got", async () => {
    const { status, requestId } = await chat({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(status).toBeGreaterThanOrEqual(400);
    const e = await entryFor(requestId);
    expect(e.status).toBe('failure');
    expect(e.errorMessage).toMatch(/no-such-model|Invalid model/i);
  });
});
