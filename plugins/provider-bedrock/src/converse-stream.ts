/**
 * ConverseStream events → OpenAI `chat.completion.chunk`s. Text and tool-input deltas pass
 * straight through as they arrive; the stop reason becomes the finishing chunk and the `metadata`
 * event the usage-only chunk (`choices: []`) the kernel reads spend from.
 */
import type { JsonObject, JsonValue, StreamEvent } from '@sluice/plugin-sdk';
import { bedrockError, exceptionEventName } from './bedrock-errors.js';
import { object } from './converse-content.js';
import { finishReason, toOpenAIUsage, type CompletionMeta } from './converse-response.js';
import { payloadText, readEventStream, stringHeader, type EventStreamMessage } from './event-stream-frames.js';

export async function* converseStreamBatches(body: AsyncIterable<Uint8Array>, meta: CompletionMeta, includeUsage: boolean): AsyncGenerator<StreamEvent[]> {
  const chunks = new ChunkTranslator(meta, includeUsage);
  for await (const messages of readEventStream(body)) {
    const batch: StreamEvent[] = [];
    let failure: Error | undefined;
    for (const message of messages) {
      failure = failureOf(message);
      if (failure) break;
      if (stringHeader(message, ':message-type') !== 'event') continue;
      const payload = JSON.parse(payloadText(message)) as JsonObject;
      for (const json of chunks.translate(stringHeader(message, ':event-type') ?? '', payload)) batch.push({ data: JSON.stringify(json), json });
    }
    // What arrived before an exception still reaches the client, then the stream fails.
    if (batch.length > 0) yield batch;
    if (failure) throw failure;
  }
}

/** Exception events (`throttlingException`…) and protocol errors carried in the stream. */
function failureOf(message: EventStreamMessage): Error | undefined {
  const kind = stringHeader(message, ':message-type');
  if (kind === 'exception') {
    const name = exceptionEventName(stringHeader(message, ':exception-type') ?? 'InternalServerException');
    let text = payloadText(message);
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') text = parsed.message;
    } catch {
      // keep the raw payload as the message
    }
    return bedrockError(name, 500, text);
  }
  if (kind === 'error') return bedrockError(stringHeader(message, ':error-code'), 500, stringHeader(message, ':error-message') ?? '');
  return undefined;
}

class ChunkTranslator {
  private roleSent = false;
  /** Content block index → OpenAI tool call index (tool calls are numbered apart from text blocks). */
  private readonly toolIndex = new Map<number, number>();

  constructor(
    private readonly meta: CompletionMeta,
    private readonly includeUsage: boolean,
  ) {}

  translate(event: string, payload: JsonObject): JsonObject[] {
    switch (event) {
      case 'messageStart':
        return [this.chunk({ content: '' })];
      case 'contentBlockStart': {
        const toolUse = object(object(payload.start)?.toolUse);
        if (!toolUse) return [];
        const index = this.toolIndex.size;
        this.toolIndex.set(blockIndex(payload), index);
        return [this.chunk({ tool_calls: [{ index, id: String(toolUse.toolUseId), type: 'function', function: { name: String(toolUse.name), arguments: '' } }] })];
      }
      case 'contentBlockDelta':
        return this.delta(payload);
      case 'messageStop':
        return [this.chunk({}, finishReason(payload.stopReason))];
      case 'metadata':
        if (!this.includeUsage) return [];
        return [{ id: this.meta.id, object: 'chat.completion.chunk', created: this.meta.created, model: this.meta.model, choices: [], usage: toOpenAIUsage(payload.usage) }];
      default:
        // contentBlockStop and events newer than this code carry nothing a client sees.
        return [];
    }
  }

  private delta(payload: JsonObject): JsonObject[] {
    const delta = object(payload.delta);
    if (!delta) return [];
    if (typeof delta.text === 'string') return [this.chunk({ content: delta.text })];
    const input = object(delta.toolUse)?.input;
    if (typeof input === 'string') {
      const index = this.toolIndex.get(blockIndex(payload));
      if (index === undefined) return [];
      return [this.chunk({ tool_calls: [{ index, function: { arguments: input } }] })];
    }
    const reasoning = object(delta.reasoningContent)?.text;
    if (typeof reasoning === 'string') return [this.chunk({ reasoning_content: reasoning })];
    return [];
  }

  /** The first chunk of the stream carries the assistant role, whichever event produced it. */
  private chunk(delta: JsonObject, finish: string | null = null): JsonObject {
    if (!this.roleSent) {
      delta = { role: 'assistant', ...delta };
      this.roleSent = true;
    }
    return {
      id: this.meta.id,
      object: 'chat.completion.chunk',
      created: this.meta.created,
      model: this.meta.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    };
  }
}

function blockIndex(payload: JsonObject): number {
  const value: JsonValue | undefined = payload.contentBlockIndex;
  return typeof value === 'number' ? value : 0;
}
