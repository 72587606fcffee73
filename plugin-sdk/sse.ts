/** Server-sent events: reading an upstream OpenAI-style stream into batches of events. */
import type { StreamEvent } from './provider.js';

export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * Splits a byte stream into SSE messages, one batch per network read (so the gateway writes a
 * read's worth of events to the client at once). Handles `\n` and `\r\n` line ends, multi-line
 * `data:`, comments and messages split across reads. Always reads the body to its end: leaving
 * the loop early would destroy the upstream response and cost an AbortError per call.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage[]> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    if (buffer.includes('\r')) buffer = buffer.replace(/\r\n?/g, '\n');
    const batch: SseMessage[] = [];
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf('\n\n', start)) !== -1) {
      const message = parseBlock(buffer.slice(start, end));
      if (message) batch.push(message);
      start = end + 2;
    }
    if (start > 0) buffer = buffer.slice(start);
    if (batch.length > 0) yield batch;
  }
  buffer += decoder.decode();
  const last = parseBlock(buffer.replace(/\r\n?/g, '\n').trim());
  if (last) yield [last];
}

function parseBlock(block: string): SseMessage | undefined {
  if (block.length === 0) return undefined;
  // Fast path: the common single-line `data: {...}` message.
  if (block.startsWith('data:') && !block.includes('\n')) {
    return { event: undefined, data: block.charCodeAt(5) === 32 ? block.slice(6) : block.slice(5) };
  }
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.length === 0 || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length === 0 && event === undefined) return undefined;
  return { event, data: data.join('\n') };
}

/** OpenAI-format chunks of an upstream stream, in batches; `data: [DONE]` and empty messages are dropped. */
export async function* readOpenAIStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent[]> {
  for await (const messages of readSse(body)) {
    const batch: StreamEvent[] = [];
    for (const m of messages) if (m.data.length > 0 && m.data !== '[DONE]') batch.push({ data: m.data });
    if (batch.length > 0) yield batch;
  }
}
