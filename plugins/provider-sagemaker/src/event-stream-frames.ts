/**
 * AWS event-stream framing (`application/vnd.amazon.eventstream`): each message is
 * `total length (4) | headers length (4) | prelude CRC (4) | headers | payload | message CRC (4)`,
 * big-endian. Network reads cut messages anywhere, so bytes are gathered until a whole message is
 * in; the codec then checks both CRCs and parses the typed headers. (The same framing as
 * provider-bedrock's: plugins share no code but the SDK.)
 */
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { UpstreamError } from '@sluice/plugin-sdk';

export type EventStreamMessage = Message;

// The codec wants UTF-8 helpers; the platform's are what @smithy/util-utf8 wraps, and that package
// is not a declared dependency of Sluice.
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const codec = new EventStreamCodec((bytes) => decoder.decode(bytes), (text) => encoder.encode(text));

const PRELUDE_AND_CRC = 16;
/** PayloadParts are small; a length beyond this means the stream is not event-stream framed. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Whole messages, one batch per network read that completed at least one. */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage[]> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const bytes of body) {
    pending = pending.length === 0 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.concat([pending, bytes]);
    const batch: EventStreamMessage[] = [];
    while (pending.length >= 4) {
      const total = pending.readUInt32BE(0);
      if (total < PRELUDE_AND_CRC || total > MAX_MESSAGE_BYTES) throw broken(`a message claims ${total} bytes`);
      if (pending.length < total) break;
      batch.push(decode(pending.subarray(0, total)));
      pending = pending.subarray(total);
    }
    if (batch.length > 0) yield batch;
  }
  if (pending.length > 0) throw broken(`the stream ended inside a message (${pending.length} bytes left over)`);
}

function decode(frame: Uint8Array): EventStreamMessage {
  try {
    return codec.decode(frame);
  } catch (err) {
    throw broken((err as Error).message);
  }
}

function broken(detail: string): UpstreamError {
  return new UpstreamError(`SageMaker sent an unreadable event stream: ${detail}`, { status: 502 });
}

/** A string header's value (`:event-type`, `:message-type`…). */
export function stringHeader(message: EventStreamMessage, name: string): string | undefined {
  const h = message.headers[name];
  return h && h.type === 'string' ? h.value : undefined;
}

export function payloadText(message: EventStreamMessage): string {
  return decoder.decode(message.body);
}
