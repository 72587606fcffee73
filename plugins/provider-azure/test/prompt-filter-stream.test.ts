/** The prompt-filter event is dropped wherever the network cuts the head of the stream; nothing else is touched. */
import { describe, expect, it } from 'vitest';
import { withoutPromptFilterEvents } from '../src/prompt-filter-stream.js';

const FILTER = `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}\n\n`;
const FIRST = `data: {"choices":[{"delta":{"role":"assistant","content":""},"index":0}],"id":"chatcmpl-1","object":"chat.completion.chunk"}\n\n`;
// A later event that mentions prompt_filter_results is not the head: it must pass untouched.
const LATER = `data: {"choices":[],"id":"chatcmpl-1","usage":{"prompt_tokens":1},"prompt_filter_results":[]}\n\ndata: [DONE]\n\n`;

async function run(reads: string[]): Promise<{ text: string; reads: number }> {
  async function* body() {
    for (const r of reads) yield Buffer.from(r);
  }
  let text = '';
  let count = 0;
  for await (const bytes of withoutPromptFilterEvents(body())) {
    text += Buffer.from(bytes).toString('utf8');
    count++;
  }
  return { text, reads: count };
}

describe('withoutPromptFilterEvents', () => {
  it('drops the filter event in one read with the first chunk', async () => {
    expect((await run([FILTER + FIRST, LATER])).text).toBe(FIRST + LATER);
  });

  it('drops it when it is cut at every possible byte', async () => {
    const whole = FILTER + FIRST + LATER;
    for (let cut = 1; cut < FILTER.length + FIRST.length; cut++) {
      expect((await run([whole.slice(0, cut), whole.slice(cut)])).text).toBe(FIRST + LATER);
    }
  });

  it('leaves a stream without a filter event as it is, read for read', async () => {
    expect(await run([FIRST, LATER])).toEqual({ text: FIRST + LATER, reads: 2 });
  });

  it('passes a stream with \\r\\n line ends through unfiltered rather than holding it', async () => {
    const crlf = FIRST.replace(/\n/g, '\r\n');
    expect(await run([crlf, LATER])).toEqual({ text: crlf + LATER, reads: 2 });
  });
});
