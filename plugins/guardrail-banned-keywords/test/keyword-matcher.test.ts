/** The compiled keyword matcher: LiteLLM's answer (first listed keyword present), in one pass. */
import { describe, expect, it } from 'vitest';
import { KeywordMatcher } from '../src/keyword-matcher.js';

/** LiteLLM's loop, made case-insensitive on both sides: the reference the automaton must agree with. */
function reference(keywords: string[], text: string): string | undefined {
  const lower = text.toLowerCase();
  return keywords.filter((k) => k.length > 0).find((k) => lower.includes(k.toLowerCase()));
}

describe('KeywordMatcher', () => {
  it('matches case-insensitively and reports the keyword as listed', () => {
    expect(KeywordMatcher.compile(['hello']).find('Hello world!')).toBe('hello');
    expect(KeywordMatcher.compile(['Project Falcon']).find('about project FALCON today')).toBe('Project Falcon');
    expect(KeywordMatcher.compile(['grüße']).find('GRÜSSE, GRÜẞE und GRÜßE')).toBe('grüße');
    expect(KeywordMatcher.compile(['hello']).find('help, low')).toBeUndefined();
  });

  it('reports the first keyword in list order, not the first occurrence in the text', () => {
    expect(KeywordMatcher.compile(['world', 'hello']).find('hello world')).toBe('world');
    expect(KeywordMatcher.compile(['hello', 'world']).find('hello world')).toBe('hello');
  });

  it('finds keywords inside, overlapping and as suffixes of others', () => {
    expect(KeywordMatcher.compile(['she', 'he', 'hers']).find('ushers')).toBe('she');
    expect(KeywordMatcher.compile(['hers', 'he']).find('ushers')).toBe('hers');
    expect(KeywordMatcher.compile(['abcd', 'bc']).find('xabce')).toBe('bc'); // only via abc's suffix link
    expect(KeywordMatcher.compile(['aab']).find('aaab')).toBe('aab');
  });

  it('ignores blank entries and never matches with an empty list', () => {
    const m = KeywordMatcher.compile(['', 'x']);
    expect(m.keywords).toEqual(['x']);
    expect(KeywordMatcher.compile([]).find('anything')).toBeUndefined();
    expect(KeywordMatcher.compile(['']).find('anything')).toBeUndefined();
  });

  it('continues across chunks from the state a scan ended in', () => {
    const m = KeywordMatcher.compile(['top secret']);
    const first = m.scan('this is top');
    expect(first.index).toBe(-1);
    expect(m.scan(' secret stuff', first.state).index).toBe(0);
    expect(m.scan(' secret stuff').index).toBe(-1); // a fresh scan does not remember
  });

  it('agrees with the reference on random lists and texts', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = 'abAB c';
    const word = (max: number) => Array.from({ length: 1 + rand(max) }, () => alphabet[rand(alphabet.length)]).join('');
    for (let round = 0; round < 2000; round++) {
      const keywords = Array.from({ length: 1 + rand(6) }, () => word(4));
      const text = word(30);
      expect(KeywordMatcher.compile(keywords).find(text), `${JSON.stringify(keywords)} in ${JSON.stringify(text)}`).toBe(reference(keywords, text));
    }
  });

  it('scans a 10 kB prompt against 1,000 keywords in well under a millisecond', () => {
    const keywords = Array.from({ length: 1000 }, (_, i) => `codename-${i.toString(36)}-${'xyz'.slice(i % 3)}`);
    const m = KeywordMatcher.compile(keywords);
    let text = '';
    while (text.length < 10 * 1024) text += 'The quick brown fox jumps over the lazy dog; codename reviews are due. ';
    text = text.slice(0, 10 * 1024);
    for (let i = 0; i < 200; i++) m.scan(text);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = process.hrtime.bigint();
      m.scan(text);
      times.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    times.sort((a, b) => a - b);
    expect(times[100]).toBeLessThan(500); // µs; ~25 µs on the reference machine
    expect(m.find(`${text} CODENAME-B-Z`)).toBe('codename-b-z');
  });
});
