/**
 * The translation pieces on their own: what a guardrail changed in the chat view reaching the
 * native request, the usage read from a relayed native stream however the reads cut it, the
 * chunk → event state machine's block changes, long tool names, and the request bounds.
 */
import type { JsonObject } from '@sluice/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { applyAdmittedToNative } from '../src/admitted-request.js';
import { ChatToMessagesStream } from '../src/chat-stream-translator.js';
import { NativeStreamUsage } from '../src/native-stream-usage.js';
import { toChatRequest } from '../src/to-chat-request.js';
import { truncateToolName } from '../src/tool-names.js';
import { validateMessagesRequest, type MessagesRequest } from '../src/validate-request.js';
import { sseData } from './support.js';

const LIMITS = { maxMessages: 50, maxBlocksPerMessage: 50 };
const request = (body: JsonObject): MessagesRequest => validateMessagesRequest({ model: 'm', max_tokens: 10, ...body }, LIMITS);

/** What a guardrail does: rewrite every text of the chat view in place. */
function redactInPlace(body: JsonObject, from: string, to: string): void {
  for (const m of body.messages as JsonObject[]) {
    if (typeof m.content === 'string') m.content = m.content.replaceAll(from, to);
    else if (Array.isArray(m.content)) for (const p of m.content as JsonObject[]) if (typeof p.text === 'string') p.text = p.text.replaceAll(from, to);
  }
}

describe('admitted changes carried to the native request', () => {
  it('reaches every kind of text: system, user blocks, tool results (string and blocks), assistant text split over blocks', () => {
    const native = request({
      system: 'system SECRET',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'user SECRET' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'one SECRET ' }, { type: 'text', text: 'two' }, { type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'result SECRET' }, { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a SECRET' }, { type: 'text', text: 'b' }] }] },
      ],
    });
    const view = toChatRequest(native, false);
    const admitted = { ...view.body };
    redactInPlace(admitted, 'SECRET', '[REDACTED]');
    applyAdmittedToNative(native, view, admitted);
    expect(JSON.stringify(native)).not.toContain('SECRET');
    expect(native.system).toBe('system [REDACTED]');
    // The joined assistant text went into its first block; the second text block is gone, the tool_use kept.
    expect(native.messages[1]!.content).toEqual([{ type: 'text', text: 'one [REDACTED] two' }, { type: 'tool_use', id: 't1', name: 'f', input: {} }]);
  });

  it('leaves the native request untouched when nothing changed, and refuses a restructured view', () => {
    const native = request({ messages: [{ role: 'user', content: 'hello' }] });
    const before = JSON.stringify(native);
    const view = toChatRequest(native, false);
    applyAdmittedToNative(native, view, { ...view.body });
    expect(JSON.stringify(native)).toBe(before);
    expect(() => applyAdmittedToNative(native, view, { ...view.body, messages: [] })).toThrow(/changed the structure/);
    expect(() => applyAdmittedToNative(native, view, { ...view.body, messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] })).toThrow(/no longer a text/);
  });

  it('carries enforced params and the user back in their native names', () => {
    const native = request({ messages: [{ role: 'user', content: 'hi' }], temperature: 1 });
    const view = toChatRequest(native, false);
    applyAdmittedToNative(native, view, { ...view.body, temperature: 0.2, max_tokens: 5, user: 'enforced-user', stop: 'STOP' });
    expect(native).toMatchObject({ temperature: 0.2, max_tokens: 5, metadata: { user_id: 'enforced-user' }, stop_sequences: ['STOP'] });
  });
});

describe('usage read out of a relayed native stream', () => {
  const events = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":1}}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"the \\"usage\\": {\\"output_tokens\\": 999} text"}}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join('');

  it.each([1, 7, 64, events.length])('in reads of %i bytes', (size) => {
    const scanner = new NativeStreamUsage();
    const bytes = Buffer.from(events);
    for (let i = 0; i < bytes.length; i += size) scanner.scan(bytes.subarray(i, i + size));
    expect(scanner.messageId).toBe('msg_1');
    expect(scanner.usage).toEqual({ input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 42 });
    expect(scanner.errorType).toBeUndefined();
  });

  it('with CRLF line ends, and an error event', () => {
    const scanner = new NativeStreamUsage();
    scanner.scan(Buffer.from(events.replaceAll('\n', '\r\n').split('event: message_stop')[0]!));
    scanner.scan(Buffer.from('event: error\r\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\r\n\r\n'));
    expect(scanner.usage.output_tokens).toBe(42);
    expect(scanner.errorType).toBe('overloaded_error');
  });
});

describe('chat chunks → Anthropic events', () => {
  const chunk = (delta: JsonObject, finish: string | null = null): JsonObject => ({ id: 'chatcmpl-1', choices: [{ index: 0, delta, finish_reason: finish }] });

  it('opens a block per kind, closes it on a change, holds the stop reason until usage arrives', () => {
    const longName = 'x'.repeat(70);
    const t = new ChatToMessagesStream('gpt', new Map([[truncateToolName(longName), longName]]));
    let out = '';
    out += t.push(chunk({ role: 'assistant', content: '' }));
    out += t.push(chunk({ reasoning_content: 'hmm' }));
    out += t.push(chunk({ content: 'Hi' }));
    out += t.push(chunk({ tool_calls: [{ index: 0, id: 'call.1', function: { name: truncateToolName(longName), arguments: '{"a"' } }] }));
    out += t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }));
    out += t.push(chunk({}, 'tool_calls'));
    out += t.push({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
    out += t.finish();
    expect(sseData(out)).toEqual([
      expect.objectContaining({ type: 'message_start' }),
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_1', name: longName, input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a"' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: ':1}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 5, output_tokens: 3 } },
      { type: 'message_stop' },
    ]);
    expect(t.spendUsage()).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('long tool names go out truncated with a hash, distinct for a shared prefix', () => {
    const a = truncateToolName(`${'p'.repeat(60)}_alpha`);
    const b = truncateToolName(`${'p'.repeat(60)}_beta`);
    expect(a).toHaveLength(64);
    expect(a).not.toBe(b);
    expect(truncateToolName('short')).toBe('short');
  });
});

describe('request bounds', () => {
  it('refuses more messages or blocks than configured with a 413', () => {
    const messages = Array.from({ length: 51 }, () => ({ role: 'user', content: 'x' }));
    expect(() => validateMessagesRequest({ model: 'm', max_tokens: 1, messages }, LIMITS)).toThrow(expect.objectContaining({ status: 413 }));
    const blocks = Array.from({ length: 51 }, () => ({ type: 'text', text: 'x' }));
    expect(() => validateMessagesRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: blocks }] }, LIMITS)).toThrow(expect.objectContaining({ status: 413 }));
  });
});
