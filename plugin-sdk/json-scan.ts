/**
 * Reading a few top-level fields out of a JSON object's text without parsing the rest: a relayed
 * answer is sent as its own bytes, and decoding all of it (every content block) only to learn its
 * id and usage costs more than the relay itself. Strings are skipped with native `indexOf`, so a
 * scan costs a fraction of a `JSON.parse` of the same text.
 */
import { isJsonSpace } from './json.js';

/** Where a top-level value sits in the text: `text.slice(start, end)` is its JSON. */
export interface JsonSpan {
  start: number;
  end: number;
}

/**
 * The spans of the wanted top-level keys of the JSON object in `text` (the first occurrence of
 * each). Undefined when the text is not one well-formed-looking object: the caller then parses it
 * and gets the parser's verdict. Nested values are skipped, never searched, so a key of the same
 * name inside a content block or a string never matches.
 */
export function topLevelSpans(text: string, keys: readonly string[]): Map<string, JsonSpan> | undefined {
  const found = new Map<string, JsonSpan>();
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 123) return undefined; // '{'
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 125) return trailingOnly(text, i + 1) ? found : undefined; // '{}'
  for (;;) {
    if (text.charCodeAt(i) !== 34) return undefined; // a key's '"'
    const keyEnd = stringEnd(text, i);
    if (keyEnd === -1) return undefined;
    const key = wantedKey(text, i + 1, keyEnd, keys);
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== 58) return undefined; // ':'
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end === -1) return undefined;
    if (key !== undefined && !found.has(key)) found.set(key, { start, end });
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    if (c === 125) return trailingOnly(text, i + 1) ? found : undefined; // '}'
    if (c !== 44) return undefined; // ','
    i = skipSpace(text, i + 1);
  }
}

/** The parsed value of one span (undefined for a span that does not parse). */
export function parseSpan(text: string, span: JsonSpan | undefined): unknown {
  if (!span) return undefined;
  try {
    return JSON.parse(text.slice(span.start, span.end));
  } catch {
    return undefined;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  return i;
}

function trailingOnly(text: string, i: number): boolean {
  return skipSpace(text, i) === text.length;
}

/** Which of `keys` the key text between `from` and `to` is, without slicing it out. */
function wantedKey(text: string, from: number, to: number, keys: readonly string[]): string | undefined {
  for (const key of keys) if (key.length === to - from && text.startsWith(key, from)) return key;
  // Keys with escapes are compared decoded (rare: Anthropic and OpenAI never write them).
  if (hasBackslash(text, from, to)) {
    try {
      const decoded = JSON.parse(text.slice(from - 1, to + 1)) as string;
      return keys.includes(decoded) ? decoded : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === 92) return true;
  return false;
}

/** Index of the `"` closing the string that opens at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let q = text.indexOf('"', start + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    // Escaped when an odd number of backslashes precede it.
    let b = q - 1;
    while (text.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
  return -1;
}

/** Index just past the value that starts at `start`, or -1 when it is cut off or unbalanced. */
function valueEnd(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === 34) {
    const q = stringEnd(text, start);
    return q === -1 ? -1 : q + 1;
  }
  if (c !== 123 && c !== 91) {
    // A number, true, false or null: up to the next delimiter.
    let k = start;
    for (; k < text.length; k++) {
      const d = text.charCodeAt(k);
      if (d === 44 || d === 125 || d === 93 || isJsonSpace(d)) break;
    }
    return k === start ? -1 : k;
  }
  let depth = 0;
  for (let k = start; k < text.length; k++) {
    const d = text.charCodeAt(k);
    if (d === 34) {
      k = stringEnd(text, k);
      if (k === -1) return -1;
    } else if (d === 123 || d === 91) depth++;
    else if (d === 125 || d === 93) {
      depth--;
      if (depth === 0) return k + 1;
    }
  }
  return -1;
}
