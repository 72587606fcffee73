/** The OpenAI → Anthropic request translation on its own: the cases a gateway round trip would bury. */
import { describe, expect, it } from 'vitest';
import { isVerdict, type JsonObject } from '@sluice/plugin-sdk';
import { messagesUrl } from '../src/anthropic-adapter.js';
import { toAnthropicRequest } from '../src/to-anthropic-request.js';

const options = { defaultMaxTokens: 4096, dropParams: false };
const translate = (body: JsonObject, stream = false) => toAnthropicRequest({ model: 'claude-x', ...body }, stream, options);

function refusal(body: JsonObject): { message: string; param: string | null; status: number } {
  try {
    translate(body);
  } catch (err) {
    if (isVerdict(err)) return { message: err.message, param: err.param, status: err.status };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('messages', () => {
  it('sends a PDF file part as a document block and keeps cache_control on parts', () => {
    const out = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQK', filename: 'a.pdf' } },
            { type: 'text', text: 'Summarise', cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' } },
          { type: 'text', text: 'Summarise', cache_control: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('accepts image_url given as a bare string (LiteLLM clients send it) and data URLs with extra parameters', () => {
    const out = translate({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'data:image/jpeg;name=x.jpg;base64,/9j/4AAQ' }] }],
    });
    expect(out.messages[0]!.content).toEqual([{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } }]);
  });

  it('turns an assistant refusal part back into text, and tool results with images into blocks', () => {
    const out = translate({
      messages: [
        { role: 'user', content: 'draw' },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }], tool_calls: [{ id: 't1', type: 'function', function: { name: 'render', arguments: '' } }] },
        { role: 'tool', tool_call_id: 't1', content: [{ type: 'image_url', image_url: { url: 'https://img.example.org/r.png' } }] },
      ],
    });
    expect(out.messages).toEqual([
      { role: 'user', content: 'draw' },
      { role: 'assistant', content: [{ type: 'text', text: 'I cannot.' }, { type: 'tool_use', id: 't1', name: 'render', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'url', url: 'https://img.example.org/r.png' } }] }] },
    ]);
  });

  it('refuses what it cannot translate faithfully, naming the place', () => {
    expect(refusal({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] })).toEqual({
      status: 400,
      param: 'messages[0].tool_calls[0].function.arguments',
      message: 'messages[0].tool_calls[0].function.arguments: is not valid JSON',
    });
    expect(refusal({ messages: [{ role: 'function', name: 'f', content: 'x' }] }).param).toBe('messages[0].role');
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }).param).toBe('messages[0].content[0].type');
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }).param).toBe('messages[0].content[0].file');
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] }).param).toBe('messages[0].content[0].image_url.url');
    expect(refusal({ messages: [{ role: 'tool', content: 'x' }] }).param).toBe('messages[0].tool_call_id');
    expect(refusal({ messages: [{ role: 'assistant', content: 'x', function_call: { name: 'f', arguments: '{}' } }] }).param).toBe('messages[0].function_call');
  });
});

describe('parameters', () => {
  it('prefers max_completion_tokens over max_tokens, and sends stream only when streaming', () => {
    const out = translate({ messages: [{ role: 'user', content: 'x' }], max_tokens: 10, max_completion_tokens: 20, stream: true, stream_options: { include_usage: true } }, true);
    expect(out).toEqual({ model: 'claude-x', max_tokens: 20, messages: [{ role: 'user', content: 'x' }], stream: true });
  });

  it('passes top_k (an Anthropic sampling parameter) through', () => {
    expect(translate({ messages: [{ role: 'user', content: 'x' }], top_k: 40 }).top_k).toBe(40);
  });

  it('folds parallel_tool_calls: false into tool_choice, whatever the choice', () => {
    const tools = [{ type: 'function', function: { name: 'f' } }];
    const base = { messages: [{ role: 'user', content: 'x' }], tools, parallel_tool_calls: false };
    expect(translate(base).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(translate({ ...base, tool_choice: 'required' }).tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(translate({ ...base, parallel_tool_calls: true }).tool_choice).toBeUndefined();
  });

  it('lists every unsupported parameter; n other than 1 and non-text response_format included', () => {
    expect(refusal({ messages: [{ role: 'user', content: 'x' }], n: 2, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } }, logit_bias: { 1: 1 } })).toEqual({
      status: 400,
      param: 'n',
      message: "anthropic does not support the parameters: n, logit_bias, response_format. Remove them, or set drop_params: true (litellm_settings or the deployment's litellm_params) to drop them.",
    });
    // Explicit nulls ask for nothing.
    expect(translate({ messages: [{ role: 'user', content: 'x' }], seed: null, tools: null, stop: null })).toEqual({ model: 'claude-x', max_tokens: 4096, messages: [{ role: 'user', content: 'x' }] });
    const dropped = toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 2, seed: 1 }, false, { ...options, dropParams: true });
    expect(dropped).toEqual({ model: 'm', max_tokens: 4096, messages: [{ role: 'user', content: 'x' }] });
  });

  it('refuses tools that are not functions and malformed tool_choice', () => {
    expect(refusal({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'custom', custom: { name: 'c' } }] }).param).toBe('tools[0]');
    expect(refusal({ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' }).param).toBe('tool_choice');
  });
});

describe('api_base', () => {
  it('appends /v1/messages to a host, /messages to a /v1 base, and keeps a full URL', () => {
    expect(messagesUrl('https://api.anthropic.com')).toBe('https://api.anthropic.com/v1/messages');
    expect(messagesUrl('https://proxy.example.org/anthropic/')).toBe('https://proxy.example.org/anthropic/v1/messages');
    expect(messagesUrl('https://proxy.example.org/v1')).toBe('https://proxy.example.org/v1/messages');
    expect(messagesUrl('https://proxy.example.org/v1/messages')).toBe('https://proxy.example.org/v1/messages');
  });
});
