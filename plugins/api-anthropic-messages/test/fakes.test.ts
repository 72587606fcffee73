/**
 * The fakes these tests run Sluice against, proven first by driving them with the official
 * SDKs: `@anthropic-ai/sdk` straight at the fake Anthropic (messages, streams, count_tokens, a
 * wrong key) and `openai` straight at the fake OpenAI (tool calls, streamed with usage).
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, messageOf, startFakeAnthropic, type FakeAnthropic } from '../../provider-anthropic/test/fake-anthropic.js';
import { startFakeOpenAIChat, type FakeOpenAIChat } from './fake-openai-chat.js';

const ANTHROPIC_KEY = 'sk-ant-api03-fake-proof-0001';
const OPENAI_KEY = 'sk-openai-fake-proof-0001';
let anthropicFake: FakeAnthropic;
let openaiFake: FakeOpenAIChat;

beforeAll(async () => {
  anthropicFake = await startFakeAnthropic(ANTHROPIC_KEY);
  openaiFake = await startFakeOpenAIChat(OPENAI_KEY);
});
afterAll(async () => {
  await anthropicFake?.close();
  await openaiFake?.close();
});

describe('the fake Anthropic, driven by @anthropic-ai/sdk', () => {
  const sdk = () => new Anthropic({ baseURL: anthropicFake.url, apiKey: null, defaultHeaders: { 'x-api-key': ANTHROPIC_KEY }, maxRetries: 0 });

  it('answers messages.create, a stream the SDK accumulates, and count_tokens', async () => {
    const message = await sdk().messages.create({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from the fake Anthropic.' }]);
    anthropicFake.respond = (r) => ({ events: eventsOf(messageOf({ model: r.body.model, content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }], stop_reason: 'tool_use' })) });
    const final = await sdk().messages.stream({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(final.content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }]);
    expect(final.stop_reason).toBe('tool_use');
    const count = await sdk().messages.countTokens({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] });
    expect(count.input_tokens).toBe(Math.ceil(JSON.stringify([{ role: 'user', content: 'hi' }]).length / 4));
  });

  it('refuses a wrong x-api-key and fields count_tokens does not take', async () => {
    const wrong = new Anthropic({ baseURL: anthropicFake.url, apiKey: null, defaultHeaders: { 'x-api-key': 'sk-wrong' }, maxRetries: 0 });
    await expect(wrong.messages.create({ model: 'c', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${anthropicFake.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Extra inputs are not permitted' } });
  });
});

describe('the fake OpenAI chat, driven by openai', () => {
  const client = () => new OpenAI({ baseURL: `${openaiFake.url}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });

  it('answers tool calls plainly and streamed (usage in the last chunk when asked)', async () => {
    openaiFake.reply = () => ({ text: 'Let me look.', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const plain = await client().chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] });
    expect(plain.choices[0]!.message.tool_calls![0]).toMatchObject({ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(plain.choices[0]!.finish_reason).toBe('tool_calls');
    const runner = client().chat.completions.stream({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Let me look.');
    expect(final.choices[0]!.message.tool_calls![0]).toMatchObject({ id: 'call_1', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(final.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 9 });
  });

  it('refuses a wrong key and arguments OpenAI does not know', async () => {
    const wrong = new OpenAI({ baseURL: `${openaiFake.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'g', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 401 });
    await expect(client().chat.completions.create({ model: 'g', messages: [{ role: 'user', content: 'x' }], top_k: 3 } as never)).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('Unrecognized request argument supplied: top_k'),
    });
  });
});
