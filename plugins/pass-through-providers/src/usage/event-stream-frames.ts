/**
 * AWS's binary event stream (`application/vnd.amazon.eventstream`, Bedrock's ConverseStream and
 * InvokeModelWithResponseStream) read as it passes: each frame's `:event-type` and JSON payload.
 * Frame layout: total length (4), headers length (4), prelude CRC (4), headers, payload, CRC (4).
 * Frames over the bound are skipped, not held; nothing is checked that the client's SDK checks.
 */
export interface StreamFrame {
  eventType: string | undefined;
  payload: Uint8Array;
}

const PRELUDE = 12;
const TRAILER = 4;

export class EventStreamFrames {
  private buffer = new Uint8Array(0);
  /** Bytes of an oversized frame still to pass before the next frame starts. */
  private skip = 0;

  constructor(private readonly maxFrameBytes: number) {}

  *push(chunk: Uint8Array): Generator<StreamFrame> {
    let data = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, data.length);
      this.skip -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return;
    let buf = this.buffer.length === 0 ? data : concat(this.buffer, data);
    while (buf.length >= PRELUDE) {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      const total = view.getUint32(0);
      const headersLength = view.getUint32(4);
      if (total < PRELUDE + TRAILER + headersLength) {
        // Not an event stream after all: stop reading it.
        this.skip = Number.POSITIVE_INFINITY;
        this.buffer = new Uint8Array(0);
        return;
      }
      if (total > this.maxFrameBytes) {
        const n = Math.min(total, buf.length);
        this.skip = total - n;
        buf = buf.subarray(n);
        continue;
      }
      if (buf.length < total) break;
      const headers = buf.subarray(PRELUDE, PRELUDE + headersLength);
      yield { eventType: eventTypeOf(headers), payload: buf.subarray(PRELUDE + headersLength, total - TRAILER) };
      buf = buf.subarray(total);
    }
    // Copied: the caller's chunk is relayed and may be reused.
    this.buffer = buf.slice();
  }
}

/** Header value sizes by type (AWS event stream encoding); strings and bytes carry a 2-byte length. */
const FIXED_SIZE: Record<number, number> = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };
const STRING = 7;
const BYTES = 6;

function eventTypeOf(headers: Uint8Array): string | undefined {
  const view = new DataView(headers.buffer, headers.byteOffset, headers.length);
  const text = new TextDecoder();
  let at = 0;
  while (at < headers.length) {
    const nameLength = headers[at]!;
    const name = text.decode(headers.subarray(at + 1, at + 1 + nameLength));
    at += 1 + nameLength;
    const type = headers[at]!;
    at += 1;
    if (type === STRING || type === BYTES) {
      const length = view.getUint16(at);
      if (name === ':event-type' && type === STRING) return text.decode(headers.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    } else {
      const size = FIXED_SIZE[type];
      if (size === undefined) return undefined;
      at += size;
    }
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
