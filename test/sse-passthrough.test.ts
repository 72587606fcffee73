/** The byte-level SSE relay: events forwarded intact, usage counted, the usage chunk dropped on request. */
import { describe, expect, it } from 'vitest';
import { SsePassThrough } from '../kernel/proxy/sse-passthrough.js';
import { readOpenAIStream } from '@sluice/plugin-sdk';
import { SsePassThroughReference } from './support/sse-passthrough-reference.js';

const chunk = (content: string, extra = '') => `data: {"id":"c","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]${extra}}\n\n`;
const usageChunk = 'data: {"id":"c","choices":[],"usage": {"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n';

function relay(parts: (string | Buffer)[], stripUsage: boolean): { out: string; relay: SsePassThrough } {
  const r = new SsePassThrough(stripUsage);
  const out: Buffer[] = [];
  for (const p of parts) out.push(Buffer.from(r.push(Buffer.from(p)) ?? ''));
  out.push(Buffer.from(r.end() ?? ''));
  return { out: Buffer.concat(out).toString(), relay: r };
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

describe('SsePassThrough edge cases', () => {
  const usageObject = '{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}';
  const done = 'data: [DONE]\n\n';

  it('forwards a read whose chunks carry `"usage":null` as the very same bytes', () => {
    const read = Buffer.from(chunk('a', ',"usage":null') + chunk('b', ',"usage" : null'));
    const r = new SsePassThrough(true);
    expect(r.push(read)).toBe(read);
    expect(r.state.usage).toBeUndefined();
  });

  it('counts `"usage": {` with or without spaces around the colon', () => {
    for (const key of ['"usage":', '"usage": ', '"usage" :', '"usage"  :  ']) {
      const usage = `data: {"id":"c","choices":[],${key}${usageObject}}\n\n`;
      const { out, relay: r } = relay([chunk('a') + usage + done], true);
      expect(out).toBe(chunk('a') + done);
      expect(r.state.usage).toMatchObject({ prompt_tokens: 3, total_tokens: 5 });
    }
  });

  it('keeps a usage chunk that still has choices, counting its usage', () => {
    const final = `data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":${usageObject}}\n\n`;
    const { out, relay: r } = relay([final, done], true);
    expect(out).toBe(final + done);
    expect(r.state.usage).toMatchObject({ completion_tokens: 2 });
  });

  it('notices [DONE] split across reads, and only once it is whole', () => {
    const r = new SsePassThrough(false);
    expect(String(r.push(Buffer.from(chunk('a') + 'data: [DO')))).toBe(chunk('a'));
    expect(r.state.sawDone).toBe(false);
    expect(r.push(Buffer.from('NE]\n'))).toBeUndefined();
    expect(r.state.sawDone).toBe(false);
    expect(String(r.push(Buffer.from('\n')))).toBe(done);
    expect(r.state.sawDone).toBe(true);
  });

  it('counts and drops a usage chunk split across reads', () => {
    const usage = `data: {"id":"c","choices":[],"usage": ${usageObject}}\n\n`;
    const whole = chunk('a') + usage + done;
    for (let at = 1; at < whole.length; at++) {
      const { out, relay: r } = relay([whole.slice(0, at), whole.slice(at)], true);
      expect(out).toBe(chunk('a') + done);
      expect(r.state.usage).toMatchObject({ prompt_tokens: 3 });
      expect(r.state.sawDone).toBe(true);
    }
  });

  it('normalises CRLF that first appears in a later read', () => {
    const { out, relay: r } = relay([chunk('a'), chunk('b').replace(/\n/g, '\r\n') + 'data: [DONE]\r\n\r\n'], false);
    expect(out).toBe(chunk('a') + chunk('b') + done);
    expect(r.state.sawDone).toBe(true);
    // A CR in a read's unfinished tail still counts: the tail is normalised when it completes. (The
    // \r|\n split leaves an extra blank line, which SSE clients skip; so it was before.)
    const tail = relay([chunk('a') + 'data: {"b":1}\r', '\n\r\n' + done], false);
    expect(tail.out).toBe(chunk('a') + 'data: {"b":1}\n\n\n' + done);
  });

  it('keeps a multi-byte character split across reads whole, with \\n or \\r\\n line ends', () => {
    for (const crlf of [false, true]) {
      const text = chunk('a') + chunk('naïve ✓ 😀') + done; // with \r\n, the read before the split has a CR
      const bytes = Buffer.from(crlf ? text.replace(/\n/g, '\r\n') : text);
      for (let at = 1; at < bytes.length; at++) {
        if (bytes[at - 1] === 13) continue; // a \r|\n split adds a blank line (harmless, and as before)
        const { out } = relay([bytes.subarray(0, at), bytes.subarray(at)], false);
        expect(out, `${crlf ? 'crlf' : 'lf'} split at ${at}`).toBe(text);
      }
    }
  });

  it('ignores "usage" text inside a content string', () => {
    for (const content of ['"usage": {"a":1}', '\\"usage\\":{', 'usage', 'a "usage" : {']) {
      const { out, relay: r } = relay([chunk(content, ',"usage":null') + done], true);
      expect(out).toBe(chunk(content, ',"usage":null') + done);
      expect(r.state.usage).toBeUndefined();
    }
  });

  it('cuts after the last blank line, whatever short lines follow it', () => {
    const text = chunk('a') + ':\n\n' + '\n' + 'x\n' + '\n' + chunk('b', ',"usage":null') + ':\n\n';
    const bytes = Buffer.from(text);
    for (let at = 0; at <= bytes.length; at++) {
      const now = new SsePassThrough(false);
      const before = new SsePassThroughReference(false);
      for (const read of [bytes.subarray(0, at), bytes.subarray(at)]) expect(String(now.push(read) ?? ''), `split at ${at}`).toBe(String(before.push(read) ?? ''));
    }
  });

  it('gives the same bytes and state as the previous implementation, read for read', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const events = [
      () => chunk(pick(['Hel', 'lo ✓', ' wörld', '😀', 'data: [DONE]', 'DONE] D', '"usage":{"x":1}', 'a\\nb'])),
      () => chunk('x', ',"usage":null'),
      () => chunk('y', `,"usage":${pick(['null', ' null', '{"prompt_tokens":1}'])}`),
      () => `data: {"id":"cD","choices":[],"usage"${pick([':', ': ', ' : '])}{"prompt_tokens":${Math.floor(random() * 9)},"completion_tokens":2}}\n\n`,
      () => pick(['data:{"choices":[],"usage":{"total_tokens":4},"x":{"usage":{}}}\n\n', 'data: {"usage":{}}\n\n']),
      () => pick([': keep-alive\n\n', ':\n\n', 'data: "usage":{\n\n', 'data: "usage"usage":{\n\n', 'data: {"usage":{"a":1}']),
      () => 'event: message\ndata: {"choices":[],"usage":{"total_tokens":9}}\n\n',
      () => done,
      () => '\n',
    ];
    for (let n = 0; n < 400; n++) {
      const crlf = n % 4 === 3;
      let text = '';
      for (let k = 1 + Math.floor(random() * 8); k > 0; k--) text += pick(events)();
      if (random() < 0.2) text += 'data: {"choices":[],"usage":{"total_tokens":1}}'; // no closing blank line
      if (crlf) text = text.replace(/\n/g, '\r\n');
      const bytes = Buffer.from(text);
      const cuts = [0];
      while (cuts[cuts.length - 1]! < bytes.length) cuts.push(cuts[cuts.length - 1]! + 1 + Math.floor(random() * (random() < 0.5 ? 8 : 200)));
      // The reference decodes a split character in the \r\n path into U+FFFD: keep CRLF cuts on ASCII.
      if (crlf) for (let i = 1; i < cuts.length; i++) while (cuts[i]! < bytes.length && bytes[cuts[i]!]! >= 0x80 && bytes[cuts[i]!]! < 0xc0) cuts[i]!++;
      for (const strip of [false, true]) {
        const now = new SsePassThrough(strip);
        const before = new SsePassThroughReference(strip);
        // Each step: what both forward (or the error both throw), then both states.
        const step = (label: string, run: (r: SsePassThrough | SsePassThroughReference) => Buffer | string | undefined): boolean => {
          const [got, want] = [now, before].map((r) => {
            try {
              return { out: run(r) };
            } catch (err) {
              return { error: String(err) };
            }
          });
          expect(got!.error, label).toBe(want!.error);
          expect(Buffer.from(got!.out ?? ''), label).toEqual(Buffer.from(want!.out ?? ''));
          expect(Boolean(got!.out), label).toBe(Boolean(want!.out));
          expect(now.state, label).toEqual(before.state);
          return got!.error === undefined;
        };
        let ok = true;
        for (let i = 1; ok && i < cuts.length; i++) ok = step(`stream ${n} read ${i}`, (r) => r.push(bytes.subarray(cuts[i - 1], cuts[i])));
        if (ok) step(`stream ${n} end`, (r) => r.end());
      }
    }
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
