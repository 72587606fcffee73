/**
 * Reads an answer's usage while relaying its bytes untouched: SSE events, NDJSON lines and AWS
 * event-stream frames are decoded as they pass (only an unfinished event is held); a JSON body is
 * copied aside up to a bound and read once it is complete. Anything else is relayed unread.
 */
import { EventStreamFrames } from './event-stream-frames.js';
import { usageReader, type NativeAnswer, type UsageFamily, type UsageReader } from './native-usage.js';
import { LineSplitter, SseData } from './sse-data.js';

export interface TapLimits {
  /** Largest JSON body read for its usage. */
  maxJsonBytes: number;
  /** Largest single event, line or frame read for its usage. */
  maxEventBytes: number;
}

export interface TappedAnswer extends NativeAnswer {
  /** Epoch ms the first bytes arrived. */
  firstChunkAt: number | undefined;
  /** The body was relayed to its end (not cut short by the client or the upstream). */
  complete: boolean;
}

/**
 * Only events that carry a usage object are parsed (and the first, which names the model): OpenAI
 * streams send `"usage": null` in every chunk, which this skips without a parse.
 */
const USAGE_KEY: Record<UsageFamily, RegExp> = {
  openai: /"usage"\s*:\s*\{/,
  anthropic: /"usage"\s*:\s*\{/,
  bedrock: /"usage"\s*:\s*\{/,
  gemini: /"usageMetadata"\s*:\s*\{/,
  cohere: /"billed_units"\s*:\s*\{/,
};

type Decoder = { push(chunk: Uint8Array): void; end(): void };

export async function* tapUsage(
  body: AsyncIterable<Uint8Array>,
  family: UsageFamily,
  contentType: string,
  limits: TapLimits,
  done: (answer: TappedAnswer) => void,
): AsyncGenerator<Uint8Array> {
  const reader = usageReader(family);
  const decoder = decoderFor(contentType.toLowerCase(), reader, USAGE_KEY[family], limits);
  let firstChunkAt: number | undefined;
  let complete = false;
  try {
    for await (const chunk of body) {
      firstChunkAt ??= Date.now();
      // The client gets the bytes first; reading them must never hold the relay up or break it.
      yield chunk;
      if (decoder) guarded(() => decoder.push(chunk));
    }
    if (decoder) guarded(() => decoder.end());
    complete = true;
  } finally {
    done({ ...reader.result(), firstChunkAt, complete });
  }
}

function guarded(read: () => void): void {
  try {
    read();
  } catch {
    // A malformed answer is relayed as it is; its usage is simply not known.
  }
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function decoderFor(contentType: string, reader: UsageReader, usageKey: RegExp, limits: TapLimits): Decoder | undefined {
  let first = true;
  const addText = (text: string) => {
    if (text === '[DONE]' || !(first || usageKey.test(text))) return;
    first = false;
    reader.add(parsed(text));
  };
  if (contentType.startsWith('text/event-stream')) {
    const sse = new SseData(new LineSplitter(limits.maxEventBytes));
    return { push: (c) => [...sse.push(c)].forEach(addText), end: () => [...sse.end()].forEach(addText) };
  }
  if (contentType.includes('ndjson') || contentType.includes('stream+json') || contentType.includes('jsonl')) {
    const lines = new LineSplitter(limits.maxEventBytes);
    return { push: (c) => [...lines.push(c)].forEach(addText), end: () => [...lines.end()].forEach(addText) };
  }
  if (contentType.startsWith('application/vnd.amazon.eventstream')) {
    const frames = new EventStreamFrames(limits.maxEventBytes);
    const text = new TextDecoder();
    return {
      push: (c) => {
        for (const frame of frames.push(c)) {
          const payload = parsed(text.decode(frame.payload)) as Record<string, unknown> | undefined;
          // InvokeModelWithResponseStream wraps the model's own events: `{"bytes": base64(json)}`.
          if (frame.eventType === 'chunk' && typeof payload?.bytes === 'string') reader.add(parsed(Buffer.from(payload.bytes, 'base64').toString('utf8')));
          else reader.add(payload);
        }
      },
      end: () => undefined,
    };
  }
  if (contentType.includes('json') || contentType === '') {
    const parts: Uint8Array[] = [];
    let bytes = 0;
    let over = false;
    return {
      push: (c) => {
        if (over) return;
        bytes += c.length;
        if (bytes > limits.maxJsonBytes) {
          over = true;
          parts.length = 0;
        } else parts.push(c.slice());
      },
      end: () => {
        if (!over) reader.add(parsed(Buffer.concat(parts).toString('utf8')));
      },
    };
  }
  return undefined;
}
