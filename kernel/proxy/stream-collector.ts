/**
 * Keeps what a stream brought, for a plugin that wants the whole completion once the stream is over
 * (`CallContext.onFinalResponse`). It only stores while the stream runs (the bytes as read, or the
 * chunks already parsed); parsing and assembling happen after the client got the last byte. A stream
 * larger than MAX_COLLECTED_BYTES is given up on: no final response for it.
 */
import type { JsonObject } from '@sluice/plugin-sdk';
import { assembleStream } from './assemble-stream.js';

const MAX_COLLECTED_BYTES = 8 * 1024 * 1024;
const MAX_COLLECTED_CHUNKS = 100_000;

export class StreamCollector {
  private readonly reads: Uint8Array[] = [];
  private readonly chunks: JsonObject[] = [];
  private size = 0;
  private overflow = false;

  /** An upstream read of raw SSE bytes. */
  bytes(bytes: Uint8Array): void {
    if (this.overflow) return;
    this.size += bytes.byteLength;
    if (this.size > MAX_COLLECTED_BYTES) this.giveUp();
    else this.reads.push(bytes);
  }

  /** Parsed chunks (their size is not known without encoding them: counted by their number). */
  json(chunk: JsonObject): void {
    if (this.overflow) return;
    if (this.chunks.length >= MAX_COLLECTED_CHUNKS) this.giveUp();
    else this.chunks.push(chunk);
  }

  /** The completion the raw bytes carried; undefined when too large or unreadable. */
  assembleBytes(endpoint: 'chat' | 'completions'): JsonObject | undefined {
    if (this.overflow) return undefined;
    try {
      const text = Buffer.concat(this.reads).toString('utf8').replace(/\r\n?/g, '\n');
      const chunks: JsonObject[] = [];
      for (const block of text.split('\n\n')) {
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('data:')) data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
        }
        const payload = data.join('\n');
        if (payload.length > 0 && payload !== '[DONE]') chunks.push(JSON.parse(payload) as JsonObject);
      }
      return chunks.length > 0 ? assembleStream(chunks, endpoint) : undefined;
    } catch {
      return undefined;
    }
  }

  assembleJson(endpoint: 'chat' | 'completions'): JsonObject | undefined {
    return this.overflow || this.chunks.length === 0 ? undefined : assembleStream(this.chunks, endpoint);
  }

  private giveUp(): void {
    this.overflow = true;
    this.reads.length = 0;
    this.chunks.length = 0;
  }
}
