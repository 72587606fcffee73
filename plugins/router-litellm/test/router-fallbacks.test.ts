/** Fallbacks between model groups: which list applies to which failure, in which order. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/gateway.js';
import { MASTER_KEY, UPSTREAM_500, chat, deployment, gateway, post, upstream } from './router-fixtures.js';

/** A provider plugin (`chatonly/…`) that serves chat and nothing else. */
function chatOnlyProviderPlugin(): string {
  const dir = join(tempDir('sluice-chat-only-'), 'provider-chat-only');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'plugin.json'),
    JSON.stringify({ id: 'provider-chat-only', version: '1.0.0', apiVersion: '^2', main: 'index.mjs', capabilities: ['providers'], provides: { providers: ['chatonly'] } }),
  );
  writeFileSync(
    join(dir, 'index.mjs'),
    `const answer = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'chat only' }, finish_reason: 'stop' }] };
export default { id: 'provider-chat-only', version: '1.0.0', apiVersion: '^2',
  setup: () => ({ providers: [{ names: ['chatonly'], endpoints: ['chat'], createAdapter: () => ({ call: async () => ({ kind: 'json', status: 200, body: answer }) }) }] }) };
`,
  );
  return dir;
}

const contextTooLong = { status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } };
const contentPolicy = { status: 400, body: { error: { message: 'Your request was rejected by the safety system.', type: 'invalid_request_error', param: null, code: 'content_policy_violation' } } };
const plain400 = { status: 400, body: { error: { message: 'temperature is out of range', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } } };

describe('router-litellm: fallbacks', () => {
  it('serves a failing group from its fallback group and says so in x-litellm-attempted-fallbacks', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream({ reply: 'from g2' });
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ g1: ['g2'] }] });

    const r = await chat(gw, 'g1');

    expect(r.status).toBe(200);
    expect(r.servedBy).toBe('B');
    expect(r.body.choices[0].message.content).toBe('from g2');
    expect(r.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
    expect(r.headers.has('x-litellm-attempted-retries')).toBe(false);
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
    expect(b.requests[0]!.body.model).toBe('up-model');
  });

  it('`*` in fallbacks applies to every group', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ '*': ['g2'] }] });

    const r = await chat(gw, 'g1');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'B', '1']);
  });

  it('sends a context-length error to context_window_fallbacks before the general fallbacks', async () => {
    const a = await upstream({ fail: contextTooLong });
    const cw = await upstream({ reply: 'long context model' });
    const gen = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g-long', 'CW', cw), deployment('g-general', 'GEN', gen)], {
      context_window_fallbacks: [{ g1: ['g-long'] }],
      fallbacks: [{ g1: ['g-general'] }],
    });

    const r = await chat(gw, 'g1');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'CW', '1']);
    expect(r.body.choices[0].message.content).toBe('long context model');
    expect(gen.requests).toHaveLength(0);
  });

  it('walks context_window_fallbacks, then fallbacks (README order) when the context-window group fails too', async () => {
    const a = await upstream({ fail: contextTooLong });
    const cw = await upstream({ fail: UPSTREAM_500 });
    const gen = await upstream({ reply: 'general fallback' });
    const gw = await gateway([deployment('g1', 'A', a), deployment('g-long', 'CW', cw), deployment('g-general', 'GEN', gen)], {
      context_window_fallbacks: [{ g1: ['g-long'] }],
      fallbacks: [{ g1: ['g-general'] }],
    });

    const r = await chat(gw, 'g1');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'GEN', '2']);
    expect(cw.requests).toHaveLength(1);
  });

  it('walks context_window_fallbacks, then default_fallbacks for a group without fallbacks of its own', async () => {
    const a = await upstream({ fail: contextTooLong });
    const cw = await upstream({ fail: UPSTREAM_500 });
    const dflt = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g-long', 'CW', cw), deployment('g-default', 'DEF', dflt)], {
      context_window_fallbacks: [{ g1: ['g-long'] }],
      default_fallbacks: ['g-default'],
    });

    const r = await chat(gw, 'g1');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'DEF', '2']);
    expect(cw.requests).toHaveLength(1);
  });

  it('uses context_window_fallbacks only for context-length errors', async () => {
    const a = await upstream({ fail: plain400 });
    const cw = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g-long', 'CW', cw)], { context_window_fallbacks: [{ g1: ['g-long'] }] });

    const r = await chat(gw, 'g1');

    expect(r.status).toBe(400);
    expect(r.body.error).toEqual(plain400.body.error);
    expect(cw.requests).toHaveLength(0);
  });

  it('sends a content-policy refusal to content_policy_fallbacks, and a context-length error not', async () => {
    const refuses = await upstream({ fail: contentPolicy });
    const tooLong = await upstream({ fail: contextTooLong });
    const lenient = await upstream({ reply: 'lenient model' });
    const gw = await gateway(
      [deployment('strict', 'STRICT', refuses), deployment('short', 'SHORT', tooLong), deployment('lenient', 'LENIENT', lenient)],
      { content_policy_fallbacks: [{ strict: ['lenient'] }, { short: ['lenient'] }] },
    );

    const served = await chat(gw, 'strict');
    expect([served.status, served.servedBy, served.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'LENIENT', '1']);
    expect(served.body.choices[0].message.content).toBe('lenient model');

    const notServed = await chat(gw, 'short');
    expect(notServed.status).toBe(400);
    expect(notServed.body.error.code).toBe('context_length_exceeded');
    expect(lenient.requests).toHaveLength(1);
  });

  it('uses default_fallbacks for a failing group without fallbacks of its own', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const dflt = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g-default', 'DEF', dflt)], { default_fallbacks: ['g-default'] });

    const r = await chat(gw, 'g1');

    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'DEF', '1']);
  });

  it('does not add default_fallbacks after the fallbacks a group has of its own (LiteLLM: they are the `*` entry)', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream({ fail: { status: 503, body: { error: { message: 'g2 is down too' } } } });
    const dflt = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b), deployment('g-default', 'DEF', dflt)], {
      fallbacks: [{ g1: ['g2'] }],
      default_fallbacks: ['g-default'],
    });

    const r = await chat(gw, 'g1');

    expect(r.status).toBe(502);
    expect(r.body.error.message).toBe('Upstream provider error (openai 503): g2 is down too');
    expect(b.requests).toHaveLength(1);
    expect(dflt.requests).toHaveLength(0);
  });

  it('skips a fallback group that does not exist and returns the original error', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const gw = await gateway([deployment('g1', 'A', a)], { fallbacks: [{ g1: ['no-such-group'] }] });

    const r = await chat(gw, 'g1');

    expect(r.status).toBe(502);
    expect(r.body.error).toEqual({ message: 'Upstream provider error (openai 500): upstream exploded', type: 'api_error', param: null, code: '502' });
    expect(a.requests).toHaveLength(1);
  });

  it('goes on to the next fallback group after an unknown one (which counts as attempted, as in LiteLLM)', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ g1: ['no-such-group', 'g2'] }] });

    const r = await chat(gw, 'g1');

    // LiteLLM's run_async_fallback raises its fallback depth before it looks the group up.
    expect([r.status, r.servedBy, r.headers.get('x-litellm-attempted-fallbacks')]).toEqual([200, 'B', '2']);
  });

  it('skips a fallback group that cannot serve the endpoint and returns the original error', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const gw = await gateway(
      [deployment('emb', 'A', a), { model_name: 'chat-only', litellm_params: { model: 'chatonly/m' }, model_info: { id: 'C' } }],
      { default_fallbacks: ['chat-only'] },
      {},
      { extraPluginDirs: [chatOnlyProviderPlugin()] },
    );

    const r = await post(gw, '/v1/embeddings', { model: 'emb', input: 'x' });

    expect(r.body.error.message).toBe('Upstream provider error (openai 500): upstream exploded');
    expect(a.requests).toHaveLength(1);
    expect((await chat(gw, 'chat-only')).body.choices[0].message.content).toBe('chat only'); // the group itself works
  });

  it('tries at most max_fallbacks groups', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream({ fail: UPSTREAM_500 });
    const c = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b), deployment('g3', 'C', c)], { fallbacks: [{ g1: ['g2', 'g3'] }], max_fallbacks: 1 });

    const r = await chat(gw, 'g1');

    expect(r.status).toBe(502);
    expect(b.requests).toHaveLength(1);
    expect(c.requests).toHaveLength(0);
  });

  it('falls back for a streamed call that failed before its first byte', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream({ reply: 'streamed from the fallback' });
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ g1: ['g2'] }] });
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });

    const { data: stream, response } = await client.chat.completions.create({ model: 'g1', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';

    expect(text).toBe('streamed from the fallback');
    expect(response.headers.get('x-litellm-model-id')).toBe('B');
    expect(a.requests).toHaveLength(1);
    expect(a.requests[0]!.body.stream).toBe(true);
    expect(b.requests).toHaveLength(1);
  });

  // Kernel gap (kernel/proxy/stream-relay.ts): the streamed reply's headers are written without the
  // routing outcome, so x-litellm-attempted-fallbacks / -retries are only sent on JSON replies.
  it('says x-litellm-attempted-fallbacks on a streamed reply too', async () => {
    const a = await upstream({ fail: UPSTREAM_500 });
    const b = await upstream();
    const gw = await gateway([deployment('g1', 'A', a), deployment('g2', 'B', b)], { fallbacks: [{ g1: ['g2'] }] });

    const r = await chat(gw, 'g1', { stream: true });

    expect(r.status).toBe(200);
    expect(r.body).toContain('data: [DONE]');
    expect(r.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
  });
});
