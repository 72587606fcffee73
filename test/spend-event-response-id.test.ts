/**
 * The provider response id the kernel puts in spend events (`SpendEvent.responseId`): read without
 * parsing the answer; for streams from the first chunk, on each of the relay's paths (bytes passed
 * through, parsed per chunk, buffered), with the time the first chunk came (`firstTokenAt`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { responseIdOf, streamIdOf } from '../kernel/proxy/spend-event.js';
import { MASTER_KEY, proxyConfig, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { startMockOpenAI, type MockOpenAI } from './support/mock-openai.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

describe('responseIdOf', () => {
  it("reads the id from a parsed answer, or from the raw text's first field", () => {
    expect(responseIdOf({ id: 'chatcmpl-1' }, undefined)).toBe('chatcmpl-1');
    expect(responseIdOf(undefined, '{"id":"chatcmpl-2","object":"chat.completion"}')).toBe('chatcmpl-2');
    expect(responseIdOf(undefined, ' {\n  "id": "chatcmpl-3",\n  "object": "chat.completion"}')).toBe('chatcmpl-3');
  });

  it('answers undefined when the id is not a string or not the first field (no parse on the hot path)', () => {
    expect(responseIdOf({ id: 7 }, undefined)).toBeUndefined();
    expect(responseIdOf({}, '{"id":"ignored: the parsed body wins"}')).toBeUndefined();
    expect(responseIdOf(undefined, '{"object":"list","id":"late"}')).toBeUndefined();
    expect(responseIdOf(undefined, '{"id":"with \\"escapes\\""}')).toBeUndefined();
    expect(responseIdOf(undefined, undefined)).toBeUndefined();
  });
});

describe('streamIdOf', () => {
  it("reads the first event's id from relayed SSE bytes or text", () => {
    expect(streamIdOf(Buffer.from('data: {"id":"chatcmpl-s1","object":"chat.completion.chunk"}\n\ndata: {"id":"chatcmpl-s1"}\n\n'))).toBe('chatcmpl-s1');
    expect(streamIdOf(': keep-alive\n\ndata:{"id":"chatcmpl-s2"}\n\n')).toBe('chatcmpl-s2');
    expect(streamIdOf('data: {"object":"chat.completion.chunk","id":"late"}\n\n')).toBeUndefined();
    expect(streamIdOf(': only a comment\n\n')).toBeUndefined();
  });
});

/** Records every spend event in globalThis.__spendEvents. */
const RECORDER = pluginSource(`globalThis.__spendEvents ??= []; return { onSpend: async (e) => { globalThis.__spendEvents.push(e); } };`);
const CHUNKS = pluginSource(`return { postCall: { streaming: 'chunk', response: async () => {}, chunk: async () => {} } };`);
const BUFFER = pluginSource(`return { postCall: { streaming: 'buffer', response: async () => {} } };`);
const events = (): { responseId?: string; firstTokenAt?: number; startedAt: number; endedAt: number; stream: boolean; ip?: string }[] =>
  (globalThis as unknown as { __spendEvents?: never[] }).__spendEvents ?? [];

describe('streamed calls carry the response id and first-chunk time in their spend event', () => {
  let upstream: MockOpenAI;
  let dirs: string[];
  beforeAll(async () => {
    upstream = await startMockOpenAI({ uniqueIds: true });
    const root = tempDir('sluice-stream-id-');
    dirs = [
      writeTestPlugin({ id: 'spend-recorder', hooks: { onSpend: { stage: 'OBSERVE' } }, source: RECORDER }, root),
      writeTestPlugin({ id: 'chunk-reader', hooks: { postCall: { stage: 'TRANSFORM', streaming: 'chunk' } }, source: CHUNKS }, root),
      writeTestPlugin({ id: 'stream-buffer', hooks: { postCall: { stage: 'TRANSFORM', streaming: 'buffer' } }, source: BUFFER }, root),
    ];
  });
  afterAll(async () => {
    await upstream?.close();
  });

  for (const [path, extra] of [
    ['bytes passed through', []],
    ['parsed per chunk', ['chunk-reader']],
    ['buffered', ['stream-buffer']],
  ] as const) {
    it(path, async () => {
      const sluice: TestGateway = await startGateway(proxyConfig(upstream.url, { plugins: [{ use: 'spend-recorder' }, ...extra.map((use) => ({ use }))] } as never), { extraPluginDirs: dirs });
      try {
        const res = await fetch(`${sluice.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
        });
        const text = await res.text();
        const id = (JSON.parse(text.split('\n\n')[0]!.slice(6)) as { id: string }).id;
        expect(id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
        let event: ReturnType<typeof events>[number] | undefined;
        for (let i = 0; i < 100 && !event; i++) {
          event = events().find((e) => e.responseId === id);
          if (!event) await new Promise((r) => setTimeout(r, 10));
        }
        expect(event, `no spend event with responseId ${id}`).toBeDefined();
        expect(event!.stream).toBe(true);
        expect(event!.firstTokenAt).toBeGreaterThanOrEqual(event!.startedAt);
        expect(event!.firstTokenAt).toBeLessThanOrEqual(event!.endedAt);
        expect(event!.ip).toMatch(/127\.0\.0\.1$/);
      } finally {
        await sluice.close();
      }
    });
  }
});
