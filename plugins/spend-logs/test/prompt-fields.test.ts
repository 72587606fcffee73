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

  it("stores what the client got and the body after the guardrails, and honours turn_off_message_logging / mask_input", () => {
    const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const rec = new PromptRecorder(100);
    const call = { requestId: 'r3', body: { messages: [{ role: 'user', content: 'sk-original' }] } } as never as Parameters<PromptRecorder['note']>[0];
    rec.note(call);
    call.onFinalResponse!({ text: '{"a":"secret-answer"}', sent: '{"a":"[REDACTED]"}', streamed: false, deployment: {} as never, usage });
    const stored = rec.take('r3', { messages: [{ role: 'user', content: '[REDACTED]' }] })!;
    expect(stored.response).toBe('{"a":"[REDACTED]"}');
    expect(stored.messages).toBe('[{"role":"user","content":"[REDACTED]"}]');

    const off = new PromptRecorder(100, { turnOffMessageLogging: true });
    const c2 = { requestId: 'r4', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } } as never as Parameters<PromptRecorder['note']>[0];
    off.note(c2);
    c2.onFinalResponse!({ text: '{"a":1}', streamed: false, deployment: {} as never, usage });
    expect(off.take('r4')).toEqual({ messages: '"redacted-by-litellm"', response: '"redacted-by-litellm"', proxy_server_request: '{"model":"m","messages":"redacted-by-litellm"}' });

    const masked = new PromptRecorder(100);
    const c3 = { requestId: 'r5', body: { messages: [{ role: 'user', content: 'hi' }], metadata: { mask_input: true } } } as never as Parameters<PromptRecorder['note']>[0];
    masked.note(c3);
    c3.onFinalResponse!({ text: '{"a":1}', streamed: false, deployment: {} as never, usage });
    expect(masked.take('r5')!.response).toBe('{"a":1}');
  });
});
