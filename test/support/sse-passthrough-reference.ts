/**
 * The byte-level SSE relay as it was before its scans were cut down (kernel/proxy/sse-passthrough.ts
 * at a26e5c9), kept as the oracle that the faster one must match read for read.
 */
import type { Usage, JsonObject } from '@sluice/plugin-sdk';
import { readUsage } from '../../kernel/proxy/usage.js';

interface PassThroughState {
  usage: Usage | undefined;
  /** Whether the upstream sent `data: [DONE]` (the relay adds it otherwise). */
  sawDone: boolean;
}

/**
 * Turns upstream reads into what to forward, holding back an incomplete trailing event. Works on
 * bytes: a read without a `"usage"` key is forwarded as the same bytes (no decode, no re-encode);
 * cutting at the `\n\n` event boundary never splits a UTF-8 character.
 */
// Needles as Buffers: Buffer#indexOf with a string argument encodes the string on every call.
const EVENT_END = Buffer.from('\n\n');
const DONE_EVENT = Buffer.from('data: [DONE]');
const USAGE_KEY = Buffer.from('"usage"');

export class SsePassThroughReference {
  readonly state: PassThroughState = { usage: undefined, sawDone: false };
  private pending: Buffer | undefined;

  constructor(private readonly stripUsage: boolean) {}

  push(bytes: Uint8Array): Buffer | string | undefined {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (buf.includes(13)) return this.pushText(buf); // '\r': normalise line ends the slow way
    const cut = buf.lastIndexOf(EVENT_END);
    if (cut === -1) {
      this.pending = buf;
      return undefined;
    }
    this.pending = cut + 2 < buf.length ? buf.subarray(cut + 2) : undefined;
    const events = buf.subarray(0, cut + 2);
    if (!this.state.sawDone && events.includes(DONE_EVENT)) this.state.sawDone = true;
    if (!events.includes(USAGE_KEY)) return events;
    return complete(events.toString('utf8'), this.stripUsage, this.state);
  }

  end(): string | undefined {
    const rest = this.pending?.toString('utf8').trim();
    this.pending = undefined;
    return rest ? complete(`${rest}\n\n`, this.stripUsage, this.state) : undefined;
  }

  private pushText(buf: Buffer): string | undefined {
    const text = buf.toString('utf8').replace(/\r\n?/g, '\n');
    const cut = text.lastIndexOf('\n\n');
    this.pending = Buffer.from(cut === -1 ? text : text.slice(cut + 2));
    if (this.pending.length === 0) this.pending = undefined;
    return cut === -1 ? undefined : complete(text.slice(0, cut + 2), this.stripUsage, this.state);
  }
}

/**
 * `events` is whole events; returns what to forward. Scans backwards for `"usage"` keys followed
 * by an object, so chunks with `"usage": null` (or none) are never split or parsed.
 */
function complete(events: string, stripUsage: boolean, state: PassThroughState): string {
  if (!state.sawDone && events.includes('data: [DONE]')) state.sawDone = true;
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
