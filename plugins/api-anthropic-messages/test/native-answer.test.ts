/**
 * A native answer read without decoding it: the SDK's top-level key scan, the id and usage of a
 * relayed message taken from its text (never from a same-named key inside a content block), and
 * the stream relay's end-of-stream report (once, on every way a stream ends).
 */
import { topLevelSpans, parseSpan, type JsonObject, type ProviderResponse } from '@sluice/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { nativeJsonAnswer, relayNativeStream, type AnswerOutcome } from '../src/native-answer.js';

type JsonAnswer = Extract<ProviderResponse, { kind: 'json' }>;

/** Long enough that the answer is scanned rather than parsed. */
const LONG = 'word '.repeat(300);

/** An answer whose parsed body must never be needed: reading it fails the test. */
function rawOnly(raw: string): JsonAnswer {
  return {
    kind: 'json',
    status: 200,
    raw,
    get body(): JsonObject {
      throw new Error('the answer was parsed');
    },
  };
}

describe('topLevelSpans', () => {
  it('finds top-level keys only, skipping nested values and strings with escaped quotes', () => {
    const text = ' {"a" : "x\\"usage\\":{}", "nested": {"usage": {"n": 1}, "list": [1, {"usage": 2}]}, "usage" :{"n":3} , "b":true}\n';
    const spans = topLevelSpans(text, ['usage', 'a', 'b', 'missing'])!;
    expect(parseSpan(text, spans.get('usage'))).toEqual({ n: 3 });
    expect(parseSpan(text, spans.get('a'))).toBe('x"usage":{}');
    expect(parseSpan(text, spans.get('b'))).toBe(true);
    expect(spans.has('missing')).toBe(false);
    expect(topLevelSpans('{}', ['a'])!.size).toBe(0);
  });

  it('gives up on what is not one whole object (the caller then parses and gets the verdict)', () => {
    for (const bad of ['[1]', '{"a":1', '{"a":{"b":1}', '{"a" 1}', '{"a":1}{"b":2}', '"x"', '', '{"a":"\\"}']) {
      expect(topLevelSpans(bad, ['a']), bad).toBeUndefined();
    }
  });
});

describe('nativeJsonAnswer', () => {
  it('reads id and the top-level usage from the text, relays it unchanged and never parses it', () => {
    // A tool input with its own "usage" key, after the real one: the last "usage" in the text is not the message's.
    const raw = JSON.stringify({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 2 },
      content: [
        { type: 'text', text: LONG },
        { type: 'tool_use', id: 't', name: 'f', input: { usage: { input_tokens: 999, output_tokens: 999 } } },
      ],
    });
    const { result, outcome } = nativeJsonAnswer(rawOnly(raw));
    expect(result.body).toBe(raw);
    expect(outcome.responseId).toBe('msg_1');
    expect(outcome.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17, cache_read_input_tokens: 2 });
  });

  it('refuses an answer that is not a message with a 502', () => {
    for (const raw of ['{"type":"error","error":{"type":"api_error","message":"x"}}', '{"type":"message","content":"text"}', '{"type":"message"}']) {
      const long = `{"pad":"${LONG}",${raw.slice(1)}`;
      expect(() => nativeJsonAnswer(rawOnly(long)), raw).toThrow(expect.objectContaining({ status: 502 }));
      const short = { kind: 'json' as const, status: 200, raw, body: JSON.parse(raw) as JsonObject };
      expect(() => nativeJsonAnswer(short), raw).toThrow(expect.objectContaining({ status: 502 }));
    }
  });

  it('reads an id and a type written with JSON escapes as their values', () => {
    const raw = '{"id":"msg_\\u0031\\"q","type":"m\\u0065ssage","content":[],"usage":{"input_tokens":1,"output_tokens":2}}';
    const { outcome } = nativeJsonAnswer(rawOnly(raw));
    expect(outcome.responseId).toBe('msg_1"q');
    expect(outcome.usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 2 });
  });

  it('reads a short answer from its text too, never parsing the whole message', () => {
    const message = { id: 'msg_2', type: 'message', content: [], usage: { input_tokens: 3, output_tokens: 4 } };
    const raw = JSON.stringify(message);
    // The adapter parses `body` only when it is read: reading it here would be the parse this avoids.
    const { result, outcome } = nativeJsonAnswer(rawOnly(raw));
    expect(result.body).toBe(raw);
    expect(outcome).toMatchObject({ responseId: 'msg_2', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  });
});

async function* chunks(parts: string[], failAfter?: Error): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
  if (failAfter) throw failAfter;
}

const START = 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_s","usage":{"input_tokens":7,"output_tokens":1}}}\n\n';
const DELTA = 'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":4}}\n\n';

describe('relayNativeStream', () => {
  it('relays every chunk as it is and reports the usage once at the end', async () => {
    const ends: AnswerOutcome[] = [];
    const out: string[] = [];
    for await (const b of relayNativeStream(chunks([START, DELTA]), (o) => ends.push(o))) out.push(Buffer.from(b).toString());
    expect(out).toEqual([START, DELTA]);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ responseId: 'msg_s', usage: { prompt_tokens: 7, completion_tokens: 4 } });
    expect(ends[0]!.failure).toBeUndefined();
  });

  it('ends a failing upstream with an error event and a failure, reported once', async () => {
    const ends: AnswerOutcome[] = [];
    const out: string[] = [];
    const failing = Object.assign(new Error('upstream broke'), { status: 503 });
    for await (const b of relayNativeStream(chunks([START], failing), (o) => ends.push(o))) out.push(Buffer.from(b).toString());
    expect(out).toHaveLength(2);
    expect(out[1]).toContain('"type":"overloaded_error"');
    expect(out[1]).toContain('upstream broke');
    expect(ends).toHaveLength(1);
    expect(ends[0]!.failure).toEqual({ status: 503, code: 'ANTHROPIC_MESSAGES_UPSTREAM_STREAM_FAILED' });
  });

  it('releases the upstream and reports once when the reader stops early', async () => {
    const ends: AnswerOutcome[] = [];
    let released = false;
    async function* upstream(): AsyncGenerator<Uint8Array> {
      try {
        yield Buffer.from(START);
        yield Buffer.from(DELTA);
      } finally {
        released = true;
      }
    }
    for await (const _ of relayNativeStream(upstream(), (o) => ends.push(o))) break;
    expect(released).toBe(true);
    expect(ends).toHaveLength(1);
    expect(ends[0]!.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 1 });
  });
});
