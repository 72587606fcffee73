/**
 * Anthropic's stream events → OpenAI `chat.completion.chunk`s, one batch per network read.
 *
 *   message_start            → first chunk, delta.role 'assistant'
 *   content_block_start      → tool_use: a tool call delta with index, id, type, function.name
 *   content_block_delta      → text_delta: delta.content; input_json_delta: function.arguments
 *   message_delta            → the finish_reason chunk (and the final output token count)
 *   message_stop             → the usage chunk `{choices: [], usage}` when include_usage is set
 *   ping                     → nothing;  error → UpstreamError
 */
import { readSse, UpstreamError, type JsonObject, type SseMessage, type StreamEvent } from '@sluice/plugin-sdk';
import type { Usage } from './anthropic-wire.js';
import { finishReasonOf, usageOf } from './from-anthropic-message.js';
import { streamErrorOf } from './upstream-errors.js';

export interface StreamOptions {
  model: string;
  created: number;
  includeUsage: boolean;
  secret: string | undefined;
}

export async function* chatChunkBatches(body: AsyncIterable<Uint8Array>, options: StreamOptions): AsyncGenerator<StreamEvent[]> {
  const translator = new StreamTranslator(options);
  for await (const messages of readSse(body)) {
    const batch: StreamEvent[] = [];
    try {
      for (const message of messages) translator.push(message, batch);
    } catch (err) {
      // What arrived before the error is still the client's.
      if (batch.length > 0) yield batch;
      throw err;
    }
    if (batch.length > 0) yield batch;
  }
  if (!translator.stopped) throw new UpstreamError('the anthropic stream ended before message_stop', { status: 0 });
}

interface EventData {
  type?: string;
  message?: { id?: string; usage?: Usage };
  index?: number;
  content_block?: { type?: string; id?: string; name?: string; text?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: Usage;
}

class StreamTranslator {
  stopped = false;
  private id = '';
  private usage: Usage = {};
  private toolCount = 0;
  /** Anthropic content block index → OpenAI tool call index, and whether arguments were sent yet. */
  private readonly tools = new Map<number, { index: number; sentArguments: boolean }>();

  constructor(private readonly options: StreamOptions) {}

  push(message: SseMessage, out: StreamEvent[]): void {
    if (message.event === 'ping' || message.data.length === 0) return;
    if (message.event === 'error') throw streamErrorOf(message.data, this.options.secret);
    const event = JSON.parse(message.data) as EventData;
    switch (event.type) {
      case 'message_start':
        this.id = event.message?.id ?? '';
        this.usage = { ...event.message?.usage };
        out.push(this.chunk({ role: 'assistant', content: '' }));
        break;
      case 'content_block_start':
        this.blockStart(event, out);
        break;
      case 'content_block_delta':
        this.blockDelta(event, out);
        break;
      case 'content_block_stop': {
        // A tool called without arguments streams no input_json_delta; OpenAI clients parse '{}'.
        const tool = this.tools.get(event.index ?? -1);
        if (tool && !tool.sentArguments) out.push(this.toolDelta(tool.index, { function: { arguments: '{}' } }));
        break;
      }
      case 'message_delta':
        // The counts here are cumulative and final; input counts are only present on newer models.
        for (const [key, value] of Object.entries(event.usage ?? {})) if (typeof value === 'number') this.usage[key as keyof Usage] = value;
        out.push(this.chunk({}, finishReasonOf(event.delta?.stop_reason)));
        break;
      case 'message_stop':
        this.stopped = true;
        if (this.options.includeUsage) {
          const json: JsonObject = { id: this.id, object: 'chat.completion.chunk', created: this.options.created, model: this.options.model, choices: [], usage: usageOf(this.usage) };
          out.push({ data: JSON.stringify(json), json });
        }
        break;
      case 'ping':
        break;
      case 'error':
        throw streamErrorOf(message.data, this.options.secret);
      default:
        // Anthropic may add event types; unknown ones are skipped, as its docs ask.
        break;
    }
  }

  private blockStart(event: EventData, out: StreamEvent[]): void {
    const block = event.content_block;
    if (block?.type === 'text' && block.text) out.push(this.chunk({ content: block.text }));
    else if (block?.type === 'tool_use') {
      const index = this.toolCount++;
      this.tools.set(event.index ?? -1, { index, sentArguments: false });
      out.push(this.toolDelta(index, { id: block.id ?? '', type: 'function', function: { name: block.name ?? '', arguments: '' } }));
    }
    // thinking and server-tool blocks are never asked for by this plugin.
  }

  private blockDelta(event: EventData, out: StreamEvent[]): void {
    const delta = event.delta;
    if (delta?.type === 'text_delta' && delta.text) out.push(this.chunk({ content: delta.text }));
    else if (delta?.type === 'input_json_delta' && delta.partial_json) {
      const tool = this.tools.get(event.index ?? -1);
      if (!tool) return;
      tool.sentArguments = true;
      out.push(this.toolDelta(tool.index, { function: { arguments: delta.partial_json } }));
    }
  }

  private toolDelta(index: number, call: JsonObject): StreamEvent {
    return this.chunk({ tool_calls: [{ index, ...call }] });
  }

  private chunk(delta: JsonObject, finishReason: string | null = null): StreamEvent {
    const json: JsonObject = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.options.created,
      model: this.options.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    };
    return { data: JSON.stringify(json), json };
  }
}
