/** Streaming: chunk-by-chunk pass-through, client disconnects, upstream failures mid-stream. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MASTER_KEY, proxyConfig, startGateway, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';

let upstream: MockOpenAI;
let sluice: TestGateway;
const words = Array.from({ length: 12 }, (_, i) => `w${i}`).join(' ');

beforeAll(async () => {
  upstream = await startMockOpenAI();
  sluice = await startGateway(proxyConfig(upstream.url));
});
afterAll(async () => {
  await sluice?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.behaviour = { reply: words };
});

function streamRequest(signal?: AbortSignal) {
  return fetch(`${sluice.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    signal,
  });
}

describe('streaming', () => {
  it('relays each chunk as it arrives rather than buffering the stream', async () => {
    upstream.behaviour.chunkDelayMs = 80;
    const started = performance.now();
    const res = await streamRequest();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now() - started);
      text += new TextDecoder().decode(value);
    }
    const total = arrivals.at(-1)!;
    expect(total).toBeGreaterThan(12 * 80 * 0.8);
    expect(arrivals[0]).toBeLessThan(total / 3); // the first chunk came long before the end
    expect(arrivals.length).toBeGreaterThan(6);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('a client that disconnects aborts the upstream call', async () => {
    upstream.behaviour.chunkDelayMs = 100;
    const abort = new AbortController();
    const res = await streamRequest(abort.signal);
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await expect.poll(() => upstream.abortedStreams, { timeout: 2000 }).toBe(1);
    upstream.behaviour = {};
    const again = await streamRequest();
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('[DONE]');
  });

  it('an upstream that dies mid-stream ends the stream with an in-band error event', async () => {
    upstream.behaviour.dieAfterChunks = 3;
    upstream.behaviour.chunkDelayMs = 30;
    const res = await streamRequest();
    expect(res.status).toBe(200); // the status was sent with the first chunk
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice(6)));
    expect(events.slice(0, 3).every((e) => e.choices)).toBe(true);
    expect(events.at(-1)).toMatchObject({ error: { type: 'api_error', code: '502' } });
    upstream.behaviour = {};
    expect((await streamRequest()).status).toBe(200);
  });
});
