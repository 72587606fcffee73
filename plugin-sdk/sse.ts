/** Server-sent events: reading an upstream OpenAI-style stream into events. */
import type { StreamEvent } from './provider.js';

export interface SseMessage {
  event: string | undefined;
  data: string;
}

/**
 * Splits a byte stream into SSE messages. Handles `\n` and `\r\n` line ends, multi-line `data:`,
 * comments and messages split across network chunks.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    if (buffer.includes('\r')) buffer = buffer.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = parseBlock(block);
      if (message) yield message;
    }
  }
  buffer += decoder.decode();
  const last = parseBlock(buffer.replace(/\r\n?/g, '\n').trim());
  if (last) yield last;
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

/** OpenAI-format chunks of an upstream stream, ending at `data: [DONE]`. */
export async function* readOpenAIStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  for await (const message of readSse(body)) {
    if (message.data === '[DONE]') return;
    if (message.data.length === 0) continue;
    yield { data: message.data };
  }
}
