/**
 * Usage read from a JSON answer's text without parsing the answer: it must agree with parsing it,
 * and decline (undefined, so the caller parses) rather than guess.
 */
import { describe, expect, it } from 'vitest';
import { NO_USAGE, readUsage, usageInJsonText } from '../kernel/proxy/usage.js';
import { readJsonAnswer, UpstreamError } from '@sluice/plugin-sdk';

const usage = { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 } };
const answer = (extra: object) =>
  JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], ...extra });

describe('usageInJsonText', () => {
  it('reads the top-level usage of an OpenAI answer, nested details included', () => {
    const text = answer({ usage });
    expect(usageInJsonText(text)).toEqual(readUsage(JSON.parse(text).usage));
  });

  it('reads it whatever the spacing, and from pretty-printed JSON', () => {
    const text = JSON.stringify(JSON.parse(answer({ usage })), null, 2);
    expect(usageInJsonText(text)).toEqual(readUsage(usage));
    expect(usageInJsonText('{"a":1 ,\n\t"usage" :\n {"prompt_tokens":1,"completion_tokens":2}}')).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it('is not fooled by "usage" inside a string, a key name with a quote in it, or braces in strings', () => {
    const tricky = answer({
      choices: [{ index: 0, message: { role: 'assistant', content: 'the "usage": {"prompt_tokens": 999} is ,"usage":{"total_tokens":5}' } }],
      'say "usage': { prompt_tokens: 777 },
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, note: 'a } and a { and a \\" in a string' },
    });
    expect(usageInJsonText(tricky)).toEqual(readUsage(JSON.parse(tricky).usage));
    const keyAfter = JSON.stringify({ usage: { prompt_tokens: 1, completion_tokens: 1 }, 'say "usage': { prompt_tokens: 777 }, z: ',"usage":{}' });
    expect(usageInJsonText(keyAfter)).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    // The string-only occurrences alone are never taken for the key.
    const onlyInText = answer({ choices: [{ index: 0, message: { content: 'x ,"usage":{"prompt_tokens":9}' } }] });
    expect(JSON.parse(onlyInText).usage).toBeUndefined();
    expect(usageInJsonText(onlyInText)).toBeUndefined();
  });

  it('answers no usage for "usage": null and declines when there is no usage key or it is not an object', () => {
    expect(usageInJsonText(answer({ usage: null }))).toBe(NO_USAGE);
    expect(usageInJsonText(answer({}))).toBeUndefined();
    expect(usageInJsonText(answer({ usage: 5 }))).toBeUndefined();
    expect(usageInJsonText('{"usage":{"prompt_tokens":1')).toBeUndefined(); // cut off
  });

  it('agrees with parsing on embeddings answers', () => {
    const text = JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2] }], model: 'm', usage: { prompt_tokens: 5, total_tokens: 5 } });
    expect(usageInJsonText(text)).toEqual(readUsage(JSON.parse(text).usage));
  });
});

describe('readJsonAnswer', () => {
  const bodyOf = (text: string) => ({ text: async () => text });

  it('keeps the raw text and parses the body only when it is read, once', async () => {
    const text = answer({ usage });
    const res = await readJsonAnswer(bodyOf(text), 'upstream', 200);
    expect(res.raw).toBe(text);
    expect(res.status).toBe(200);
    const first = res.body;
    expect(first).toEqual(JSON.parse(text));
    expect(res.body).toBe(first);
  });

  it('refuses at once what cannot be a JSON object: an HTML page, a cut-off body, an array', async () => {
    for (const text of ['<html>bad gateway</html>', '{"id":"x","choices":[', '[1,2]', '']) {
      await expect(readJsonAnswer(bodyOf(text), 'upstream', 200)).rejects.toBeInstanceOf(UpstreamError);
    }
  });

  it('refuses a body that looks like an object but is not JSON when it is read', async () => {
    const res = await readJsonAnswer(bodyOf('{"id": nope}'), 'upstream', 200);
    expect(() => res.body).toThrow(UpstreamError);
  });
});
