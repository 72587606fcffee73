/**
 * Reads the usage out of an Anthropic event stream that is relayed byte for byte. Only events
 * holding a `"usage"` key (message_start, message_delta) or an `error` event are decoded; the
 * rest is searched with native byte searches and never turned into strings, so relaying a
 * native stream costs about what relaying an OpenAI one does.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { isObject } from './validate-request.js';

// Needles as Buffers: Buffer#indexOf with a string argument encodes it on every call.
const USAGE_TAIL = Buffer.from('usage"');
const ERROR_EVENT = Buffer.from('event: error');
const BLANK_LINE = Buffer.from('\n\n');
const DATA_FIELD = Buffer.from('data:');

export class NativeStreamUsage {
  /** Anthropic usage so far: message_start's, with message_delta's cumulative counts over it. */
  readonly usage: JsonObject = {};
  messageId: string | undefined;
  /** The `error` event's type, when the upstream ended the stream with one. */
  errorType: string | undefined;
  /** Bytes after the last complete event of the reads so far. */
  private tail: Buffer | undefined;

  scan(bytes: Uint8Array): void {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let buf = this.tail ? Buffer.concat([this.tail, chunk]) : chunk;
    // CRLF streams are rare; normalise them the slow way.
    if (buf.indexOf(13) !== -1) buf = Buffer.from(buf.toString('utf8').replace(/\r\n?/g, '\n'));
    const cut = buf.lastIndexOf(BLANK_LINE);
    if (cut === -1) {
      this.tail = buf;
      return;
    }
    const end = cut + 2;
    this.tail = end < buf.length ? Buffer.from(buf.subarray(end)) : undefined;
    this.scanEvents(buf, end);
  }

  private scanEvents(buf: Buffer, end: number): void {
    for (let j = buf.indexOf(USAGE_TAIL); j !== -1 && j < end; j = buf.indexOf(USAGE_TAIL, j + 6)) {
      // `"usage"` as a key: a quote before it that is not an escaped one inside a text.
      if (buf[j - 1] !== 34 || buf[j - 2] === 92) continue;
      const before = buf.lastIndexOf(BLANK_LINE, j);
      const after = buf.indexOf(BLANK_LINE, j);
      this.readEvent(buf, before === -1 ? 0 : before + 2, after === -1 ? end : after);
      j = after === -1 ? end : after;
    }
    if (this.errorType === undefined) {
      const e = buf.indexOf(ERROR_EVENT);
      if (e !== -1 && e < end) {
        const after = buf.indexOf(BLANK_LINE, e);
        this.readEvent(buf, e, after === -1 ? end : after);
      }
    }
  }

  private readEvent(buf: Buffer, start: number, stop: number): void {
    // Anthropic writes one `data:` line per event; its JSON is decoded straight from the bytes.
    const field = buf.indexOf(DATA_FIELD, start);
    if (field === -1 || field >= stop) return;
    const from = field + (buf[field + 5] === 32 ? 6 : 5);
    const newline = buf.indexOf(10, from);
    let event: JsonValue;
    try {
      event = JSON.parse(buf.toString('utf8', from, newline === -1 || newline > stop ? stop : newline)) as JsonValue;
    } catch {
      return;
    }
    if (!isObject(event)) return;
    if (event.type === 'message_start' && isObject(event.message)) {
      if (typeof event.message.id === 'string') this.messageId = event.message.id;
      if (isObject(event.message.usage)) this.merge(event.message.usage);
    } else if (event.type === 'message_delta' && isObject(event.usage)) {
      this.merge(event.usage);
    } else if (event.type === 'error') {
      this.errorType = isObject(event.error) && typeof event.error.type === 'string' ? event.error.type : 'api_error';
    }
  }

  /** message_delta's counts are cumulative: a number there replaces message_start's. */
  private merge(usage: JsonObject): void {
    for (const [k, v] of Object.entries(usage)) if (typeof v === 'number') this.usage[k] = v;
  }
}
