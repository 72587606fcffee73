/**
 * The responses↔chat bridge in isolation: input items to messages, the way back for redacted
 * messages, request parameters, and the stream translator's event order for text followed by
 * parallel tool calls.
 */
import { describe, expect, it } from 'vitest';
import { ChatStreamToEvents } from '../src/chat-stream-to-events.js';
import { itemsToMessages } from '../src/items-to-messages.js';
import { messagesToItems } from '../src/messages-to-items.js';
import { chatParams } from '../src/request-to-chat.js';
import { responseSkeleton } from '../src/response-object.js';

describe('input items → chat messages', () => {
  it('maps roles and parts, merges parallel calls into one assistant turn, and drops items chat cannot hold', () => {
    const messages = itemsToMessages('Be terse.', [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Use metric.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' }] },
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
      { type: 'function_call', call_id: 'c1', name: 'a', arguments: '{}' },
      { type: 'function_call', call_id: 'c2', name: 'b', arguments: '{"x":1}' },
      { type: 'function_call_output', call_id: 'c1', output: 'A' },
      { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'B' }] },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'system', content: 'Use metric.' },
      { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'a', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'b', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'A' },
      { role: 'tool', tool_call_id: 'c2', content: 'B' },
    ]);
  });

  it('turns (redacted) messages back into items without losing a turn', () => {
    const items = messagesToItems([
      { role: 'system', content: 'token=[REDACTED]' },
      { role: 'user', content: 'hi [REDACTED]' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'a', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'done' },
    ]);
    expect(items).toEqual([
      { type: 'message', role: 'system', content: 'token=[REDACTED]' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi [REDACTED]' }] },
      { type: 'function_call', call_id: 'c1', name: 'a', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: 'done' },
    ]);
  });

  it('maps parameters: tools, tool_choice, max_output_tokens, text.format, reasoning.effort; built-in tools are dropped', () => {
    expect(
      chatParams({
        model: 'm',
        input: 'x',
        tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }, { type: 'web_search_preview' }],
        tool_choice: { type: 'function', name: 'f' },
        max_output_tokens: 99,
        top_p: 0.5,
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
        reasoning: { effort: 'low' },
        metadata: { a: 'b' },
      }),
    ).toEqual({
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      max_tokens: 99,
      top_p: 0.5,
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
    });
  });
});

describe('chat chunks → Responses stream events', () => {
  const parse = (sse: string) => sse.split('\n\n').filter(Boolean).map((block) => JSON.parse(block.split('\n')[1]!.slice(6)) as Record<string, any>);

  it('closes the text item before the first call, keeps interleaved calls apart, and completes with usage', () => {
    const t = new ChatStreamToEvents(responseSkeleton('resp_1', { model: 'm' }, 0));
    let sse = t.start();
    sse += t.chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Let me ' } }] });
    sse += t.chunk({ choices: [{ index: 0, delta: { content: 'check.' } }] });
    sse += t.chunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'a', arguments: '{"q"' } }] } }] });
    sse += t.chunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'c2', function: { name: 'b', arguments: '{}' } }] } }] });
    sse += t.chunk({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }] });
    sse += t.chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
    sse += t.chunk({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } });
    sse += t.finish();
    const events = parse(sse);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.map((e) => `${e.type}${e.output_index !== undefined ? `#${e.output_index}` : ''}`)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added#0',
      'response.content_part.added#0',
      'response.output_text.delta#0',
      'response.output_text.delta#0',
      'response.output_text.done#0',
      'response.content_part.done#0',
      'response.output_item.done#0',
      'response.output_item.added#1',
      'response.function_call_arguments.delta#1',
      'response.output_item.added#2',
      'response.function_call_arguments.delta#2',
      'response.function_call_arguments.delta#1',
      'response.function_call_arguments.done#1',
      'response.output_item.done#1',
      'response.function_call_arguments.done#2',
      'response.output_item.done#2',
      'response.completed',
    ]);
    const done = events.at(-1)!.response;
    expect(done.status).toBe('completed');
    expect(done.output.map((o: any) => o.type)).toEqual(['message', 'function_call', 'function_call']);
    expect(done.output[1]).toMatchObject({ call_id: 'c1', name: 'a', arguments: '{"q":1}' });
    expect(done.usage).toEqual({ input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 });
  });

  it('a length cut makes the response incomplete (max_output_tokens)', () => {
    const t = new ChatStreamToEvents(responseSkeleton('resp_2', { model: 'm' }, 0));
    t.start();
    t.chunk({ choices: [{ index: 0, delta: { content: 'abc' }, finish_reason: 'length' }] });
    const completed = parse(t.finish()).at(-1)!;
    expect(completed.type).toBe('response.incomplete');
    expect(completed.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});
