/**
 * Relaying an upstream's OpenAI-format SSE bytes without re-encoding them: text is forwarded up to
 * the last complete event of each read. Only events that carry a `"usage": {…}` object are
 * parsed — to count usage and to drop the usage-only chunk when the client did not ask for it.
 */
import type { Usage, JsonObject } from '@sluice/plugin-sdk';
import { readUsage } from './usage.js';

export interface PassThroughState {
  usage: Usage | undefined;
  /** Whether the upstream sent `data: [DONE]` (the relay adds it otherwise). */
  sawDone: boolean;
}

// Needles as Buffers: Buffer#indexOf with a string argument encodes the string on every call.
// `"usage"` is searched for by its tail, whose first byte is rare in chunk JSON: the native search
// runs memchr on a needle's first byte and compares from each hit, and `"` hits dozens of times per
// event. The byte before a hit is checked here.
const USAGE_TAIL = Buffer.from('usage"'); // of `"usage"`
const DONE_TAIL = Buffer.from('DONE]'); // of `data: [DONE]`
const DONE_EVENT = Buffer.from('data: [DONE]');

/**
 * Turns upstream reads into what to forward, holding back an incomplete trailing event. Works on
 * bytes: what goes out is the bytes that came in (no decode, no re-encode) except around an event
 * with a `"usage": {…}` object, which alone is decoded; cutting at the `\n\n` event boundary never
 * splits a UTF-8 character. A typical read costs three one-byte or needle searches and no copy.
 */
export class SsePassThrough {
  readonly state: PassThroughState = { usage: undefined, sawDone: false };
  /** Never holds a CR: it is cut from CR-free bytes or from normalised text. */
  private pending: Buffer | undefined;

  constructor(private readonly stripUsage: boolean) {}

  push(bytes: Uint8Array): Buffer | string | undefined {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const pending = this.pending;
    // '\r': normalise line ends the slow way. Only the new bytes can bring one (see `pending`).
    if (chunk.indexOf(13) !== -1) return this.pushText(pending ? Buffer.concat([pending, chunk]) : chunk);
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    const len = buf.length;
    let end = len; // buf[0, end) is whole events: up to and including the last "\n\n"
    // Reads mostly end on an event boundary, which settles the cut without a scan.
    if (len < 2 || buf[len - 1] !== 10 || buf[len - 2] !== 10) {
      const cut = lastBlankLine(buf, len - 1);
      if (cut === -1) {
        this.pending = buf;
        return undefined;
      }
      end = cut + 2;
    }
    this.pending = end < len ? buf.subarray(end) : undefined;
    // Both searches run over buf and ignore hits past `end`, which saves a subarray when end < len.
    if (!this.state.sawDone && hasDoneEvent(buf, end)) this.state.sawDone = true;
    const key = usageObjectKey(buf, 1, end);
    const events = end < len ? buf.subarray(0, end) : buf;
    return key === -1 ? events : this.withUsage(events, key);
  }

  end(): string | undefined {
    const rest = this.pending?.toString('utf8').trim();
    this.pending = undefined;
    return rest ? complete(`${rest}\n\n`, this.stripUsage, this.state) : undefined;
  }

  /**
   * `events` has a `"usage": {…}` key at byte `key`. The usual case, one such event, is done on the
   * bytes: only its JSON is decoded, and the events around it go out as they came. Several go the
   * text way, which takes them last to first (so the first one's usage is the one kept).
   */
  private withUsage(events: Buffer, key: number): Buffer | string {
    const before = lastBlankLine(events, key);
    const start = before === -1 ? 0 : before + 2;
    const after = nextBlankLine(events, key); // found: events end with "\n\n"
    const next = after + 2;
    if (usageObjectKey(events, next, events.length) !== -1) {
      const text = completeUsage(events.toString('utf8', start), this.stripUsage, this.state);
      if (start === 0) return text;
      return text ? Buffer.concat([events.subarray(0, start), Buffer.from(text)]) : events.subarray(0, start);
    }
    if (!startsWithData(events, start)) return events;
    const json = start + (events[start + 5] === 32 ? 6 : 5);
    const chunk = JSON.parse(events.toString('utf8', json, after)) as JsonObject;
    if (chunk.usage && typeof chunk.usage === 'object') this.state.usage = readUsage(chunk.usage);
    if (!this.stripUsage || !Array.isArray(chunk.choices) || chunk.choices.length !== 0) return events;
    if (start === 0) return next < events.length ? events.subarray(next) : '';
    if (next === events.length) return events.subarray(0, start);
    return Buffer.concat([events.subarray(0, start), events.subarray(next)]);
  }

  private pushText(buf: Buffer): string | undefined {
    // A read may end inside a character: hold its bytes back as they are, not as a decoded U+FFFD.
    const whole = buf.length - partialCharBytes(buf);
    const text = buf.toString('utf8', 0, whole).replace(/\r\n?/g, '\n');
    const cut = text.lastIndexOf('\n\n');
    const rest = cut === -1 ? text : text.slice(cut + 2);
    this.pending = whole < buf.length ? Buffer.concat([Buffer.from(rest), buf.subarray(whole)]) : rest ? Buffer.from(rest) : undefined;
    return cut === -1 ? undefined : complete(text.slice(0, cut + 2), this.stripUsage, this.state);
  }
}

/**
 * `events` is whole events; returns what to forward. Scans backwards for `"usage"` keys followed
 * by an object, so chunks with `"usage": null` (or none) are never split or parsed.
 */
export function complete(events: string, stripUsage: boolean, state: PassThroughState): string {
  if (!state.sawDone && events.includes('data: [DONE]')) state.sawDone = true;
  return completeUsage(events, stripUsage, state);
}

/** `complete` without the `[DONE]` check, for callers that made it on the bytes. */
function completeUsage(events: string, stripUsage: boolean, state: PassThroughState): string {
  let out = events;
  let from = out.length;
  for (;;) {
    const i = from < 0 ? -1 : out.lastIndexOf('"usage"', from);
    if (i === -1) return out;
    from = i - 1;
    if (!objectFollows(out, i + 7)) continue;
    const before = out.lastIndexOf('\n\n', i);
    const start = before === -1 ? 0 : before + 2;
    const after = out.indexOf('\n\n', i);
    const end = after === -1 ? out.length : after + 2;
    const line = out.slice(start, after === -1 ? out.length : after);
    if (!line.startsWith('data:')) continue;
    const chunk = JSON.parse(line.slice(line.charCodeAt(5) === 32 ? 6 : 5)) as JsonObject;
    if (chunk.usage && typeof chunk.usage === 'object') state.usage = readUsage(chunk.usage);
    if (stripUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) out = out.slice(0, start) + out.slice(end);
    from = start - 1;
  }
}

/** True when, after optional spaces and one ':', the next character opens an object. */
function objectFollows(text: string, at: number): boolean {
  let j = at;
  while (text.charCodeAt(j) === 32) j++;
  if (text.charCodeAt(j) !== 58) return false; // ':'
  j++;
  while (text.charCodeAt(j) === 32) j++;
  return text.charCodeAt(j) === 123; // '{'
}

/**
 * Where the last "\n\n" ending at or before buf[last] starts, or -1. Looks for its second '\n':
 * a one-byte search costs a quarter of a needle search, and a data line holds no raw '\n'.
 */
function lastBlankLine(buf: Buffer, last: number): number {
  for (let i = buf.lastIndexOf(10, last); i > 0; i = i >= 2 ? buf.lastIndexOf(10, i - 2) : -1) {
    if (buf[i - 1] === 10) return i - 1;
  }
  return -1;
}

/** Where the first "\n\n" at or after buf[from] starts, or -1 (found as `lastBlankLine`). */
function nextBlankLine(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(10, from); i !== -1; i = buf.indexOf(10, i + 1)) if (buf[i + 1] === 10) return i;
  return -1;
}

/**
 * Whether `data: [DONE]` occurs in buf[0, end): looked for by its 'D', rare in chunk JSON; a read
 * where it is not (an id with a 'D', in every event) moves to the needle search after a few misses.
 */
function hasDoneEvent(buf: Buffer, end: number): boolean {
  let misses = 0;
  for (let j = buf.indexOf(68, 7); j !== -1 && j + 5 <= end; j = ++misses < 3 ? buf.indexOf(68, j + 1) : buf.indexOf(DONE_TAIL, j + 1)) {
    if (isDoneAt(buf, j - 7)) return true;
  }
  return false;
}

function isDoneAt(buf: Buffer, at: number): boolean {
  for (let k = 0; k < 12; k++) if (buf[at + k] !== DONE_EVENT[k]) return false;
  return true;
}

/**
 * Byte index of the first `"usage"` in buf[from - 1, end) followed by an object (as `objectFollows`),
 * or -1. buf[0, end) ends with "\n\n", so a hit at j counts only if j + 10 <= end (`usage":{` and
 * that blank line): no search where the rest cannot hold one, as after `"usage":null}` at the end.
 */
function usageObjectKey(buf: Buffer, from: number, end: number): number {
  for (let j = from + 10 <= end ? buf.indexOf(USAGE_TAIL, from) : -1; j !== -1 && j + 10 <= end; j = j + 16 <= end ? buf.indexOf(USAGE_TAIL, j + 6) : -1) {
    if (buf[j - 1] !== 34) continue; // '"'
    let k = j + 6;
    while (k < end && buf[k] === 32) k++;
    if (k >= end || buf[k] !== 58) continue; // ':'
    k++;
    while (k < end && buf[k] === 32) k++;
    if (k < end && buf[k] === 123) return j - 1; // '{'
  }
  return -1;
}

function startsWithData(buf: Buffer, at: number): boolean {
  return buf[at] === 100 && buf[at + 1] === 97 && buf[at + 2] === 116 && buf[at + 3] === 97 && buf[at + 4] === 58; // 'data:'
}

/** How many bytes at the end of buf start a UTF-8 character that the next read completes. */
function partialCharBytes(buf: Buffer): number {
  const n = buf.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = buf[n - k];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: the lead is further back
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return size > k ? k : 0;
  }
  return 0;
}
