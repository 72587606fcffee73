/** The byte-level SSE relay: events forwarded intact, usage counted, the usage chunk dropped on request. */
import { describe, expect, it } from 'vitest';
import { SsePassThrough } from '../kernel/proxy/sse-passthrough.js';
import { readOpenAIStream } from '../plugin-sdk/sse.js';

const chunk = (content: string, extra = '') => `data: {"id":"c","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]${extra}}\n\n`;
const usageChunk = 'data: {"id":"c","choices":[],"usage": {"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n';

function relay(parts: string[], stripUsage: boolean): { out: string; relay: SsePassThrough } {
  const r = new SsePassThrough(stripUsage);
  let out = '';
  for (const p of parts) out += r.push(Buffer.from(p))?.toString() ?? '';
  out += r.end() ?? '';
  return { out, relay: r };
}

describe('SsePassThrough', () => {
  it('forwards events unchanged, holding back a partial event until it completes', () => {
    const whole = chunk('Hel') + chunk('lo ✓') + 'data: [DONE]\n\n';
    const cutInsideMultibyte = Buffer.from(whole).indexOf(Buffer.from('✓')) + 1;
    const bytes = Buffer.from(whole);
    const r = new SsePassThrough(false);
    const first = r.push(bytes.subarray(0, cutInsideMultibyte));
    const second = r.push(bytes.subarray(cutInsideMultibyte));
    expect(String(first ?? '')).toBe(chunk('Hel'));
    expect(String(second)).toBe(chunk('lo ✓') + 'data: [DONE]\n\n');
    expect(r.state.sawDone).toBe(true);
  });

  it('counts usage and drops the usage-only chunk when asked, leaving `"usage": null` chunks alone', () => {
    const parts = [chunk('a', ',"usage":null'), chunk('b', ',"usage":null') + usageChunk + 'data: [DONE]\n\n'];
    const stripped = relay(parts, true);
    expect(stripped.out).toBe(chunk('a', ',"usage":null') + chunk('b', ',"usage":null') + 'data: [DONE]\n\n');
    expect(stripped.relay.state.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    const kept = relay(parts, false);
    expect(kept.out).toContain(usageChunk);
  });

  it('does not mistake "usage" inside content for the usage key', () => {
    const { out, relay: r } = relay([chunk('the \\"usage\\": {x} word'), 'data: [DONE]\n\n'], true);
    expect(out).toContain('usage');
    expect(r.state.usage).toBeUndefined();
  });

  it('normalises \\r\\n line ends and flushes a final event without a blank line', () => {
    const { out, relay: r } = relay(['data: {"a":1}\r\n\r\ndata: {"b":2}'], false);
    expect(out).toBe('data: {"a":1}\n\ndata: {"b":2}\n\n');
    expect(r.state.sawDone).toBe(false);
  });
});

describe('readOpenAIStream', () => {
  it('batches events per read and reads past [DONE] to the end', async () => {
    async function* body() {
      yield Buffer.from(chunk('x') + chunk('y'));
      yield Buffer.from(': keep-alive\n\nevent: message\ndata: {"z":1}\n\ndata: [DONE]\n\n');
    }
    const batches: string[][] = [];
    for await (const batch of readOpenAIStream(body())) batches.push(batch.map((e) => e.data));
    expect(batches).toEqual([[chunk('x').slice(6, -2), chunk('y').slice(6, -2)], ['{"z":1}']]);
  });
});
