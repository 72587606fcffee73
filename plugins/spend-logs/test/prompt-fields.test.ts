/** The cut LiteLLM applies to strings stored with store_prompts_in_spend_logs, and the fields kept. */
import { describe, expect, it } from 'vitest';
import { cut, PromptRecorder, sanitize } from '../src/prompt-fields.js';

describe('store_prompts_in_spend_logs fields', () => {
  it('cuts a long string as LiteLLM does: 35% of the limit, the marker, 65%', () => {
    const value = 'x'.repeat(30) + 'y'.repeat(3000);
    const out = cut(value, 2048);
    expect(out).toBe(`${value.slice(0, 716)}... (litellm_truncated skipped ${3030 - 716 - 1331} chars) ...${value.slice(-1331)}`);
    expect(sanitize('short', 2048, 0)).toBe('short');
    expect(sanitize('a'.repeat(2049), 2048, 0)).not.toHaveLength(2049);
  });

  it('keeps no tail when the limit leaves none (slice(-0) would keep the whole string)', () => {
    expect(cut('abcdefgh', 1)).toBe('... (litellm_truncated skipped 8 chars) ...');
  });

  it('drops credential fields from the stored body and keeps the rest (max_tokens is no credential)', () => {
    expect(sanitize({ model: 'm', max_tokens: 5, api_key: 'k', metadata: { client_secret: 's', aws_secret_access_key: 'a', note: 'n' } }, 100, 0)).toEqual({
      model: 'm',
      max_tokens: 5,
      metadata: { note: 'n' },
    });
  });

  it('takes a call once; a call never noted has nothing stored', () => {
    const rec = new PromptRecorder(100);
    const call = { requestId: 'r1', body: { model: 'm', input: ['a', 'b'] } } as never as Parameters<PromptRecorder['note']>[0];
    rec.note(call);
    call.onFinalResponse!({ text: '{"object":"list","data":[]}', streamed: false, deployment: {} as never, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
    expect(rec.take('r1')).toEqual({ messages: '["a","b"]', response: '{"object":"list","data":[]}', proxy_server_request: '{"model":"m","input":["a","b"]}' });
    expect(rec.take('r1')).toBeUndefined();
    expect(rec.take('other')).toBeUndefined();
  });

  it("calls the response cache's onFinalResponse too", () => {
    const rec = new PromptRecorder(100);
    const seen: string[] = [];
    const call = { requestId: 'r2', body: { messages: [] }, onFinalResponse: (f: { text: string }) => seen.push(f.text) } as never as Parameters<PromptRecorder['note']>[0];
    rec.note(call);
    call.onFinalResponse!({ text: '{}', streamed: true, deployment: {} as never, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
    expect(seen).toEqual(['{}']);
  });
});
