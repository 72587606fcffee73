/**
 * Cohere v2 stream events → OpenAI `chat.completion.chunk`s, one batch per network read.
 *
 *   message-start     → first chunk, delta.role 'assistant'
 *   content-delta     → delta.content
 *   tool-call-start   → a tool call delta with index, id, type, function.name (and any arguments)
 *   tool-call-delta   → function.arguments
 *   message-end       → the finish_reason chunk, then `{choices: [], usage}` when include_usage is set
 *   content-start/-end, tool-plan-delta, tool-call-end, citation-*, debug → nothing
 */
import { readSse, UpstreamError, type JsonObject, type SseMessage, type StreamEvent } from '@sluice/plugin-sdk';
import { finishReasonOf, usageOf } from './chat-response.js';

export interface StreamOptions {
  model: string;
  created: number;
  includeUsage: boolean;
}

export async function* chatChunkBatches(body: AsyncIterable<Uint8Array>, options: StreamOptions): AsyncGenerator<StreamEvent[]> {
  const translator = new StreamTranslator(options);
  for await (const messages of readSse(body)) {
    const batch: StreamEvent[] = [];
    for (const message of messages) translator.push(message, batch);
    if (batch.length > 0) yield batch;
  }
  if (!translator.ended) throw new UpstreamError('the cohere stream ended before message-end', { status: 0 });
}

interface EventData {
  type?: string;
  id?: string;
  index?: number;
  delta?: {
    message?: {
      content?: { text?: string };
      tool_calls?: { id?: string; type?: string; function?: { name?: string; arguments?: string } };
    };
    finish_reason?: string;
    error?: string;
    usage?: JsonObject;
  };
}

class StreamTranslator {
  ended = false;
  private id = '';
  private sawToolCall = false;

  constructor(private readonly options: StreamOptions) {}

  push(message: SseMessage, out: StreamEvent[]): void {
    if (message.data.length === 0 || message.data === '[DONE]') return;
    let data: EventData;
    try {
      data = JSON.parse(message.data) as EventData;
    } catch {
      throw new UpstreamError(`cohere sent an unreadable stream event: ${message.data.slice(0, 200)}`, { status: 502 });
    }
    switch (data.type ?? message.event) {
      case 'message-start':
        this.id = data.id ?? `chatcmpl-${this.options.created}`;
        this.emit(out, { role: 'assistant', content: '' }, null);
        return;
      case 'content-delta': {
        const text = data.delta?.message?.content?.text;
        if (text) this.emit(out, { content: text }, null);
        return;
      }
      case 'tool-call-start': {
        this.sawToolCall = true;
        const call = data.delta?.message?.tool_calls ?? {};
        const fn = call.function ?? {};
        this.emit(out, { tool_calls: [{ index: data.index ?? 0, id: call.id ?? '', type: 'function', function: { name: fn.name ?? '', arguments: fn.arguments ?? '' } }] }, null);
        return;
      }
      case 'tool-call-delta': {
        const args = data.delta?.message?.tool_calls?.function?.arguments;
        if (args) this.emit(out, { tool_calls: [{ index: data.index ?? 0, function: { arguments: args } }] }, null);
        return;
      }
      case 'message-end': {
        this.ended = true;
        const reason = data.delta?.finish_reason;
        if (reason === 'ERROR' && data.delta?.error) throw new UpstreamError(`cohere: ${data.delta.error}`, { status: 502, body: { error: { message: `CohereException - ${data.delta.error}`, type: 'api_error', param: null, code: '502' } } });
        this.emit(out, {}, this.sawToolCall && reason === 'COMPLETE' ? 'tool_calls' : finishReasonOf(reason));
        if (this.options.includeUsage) {
          const chunk: JsonObject = { id: this.id, object: 'chat.completion.chunk', created: this.options.created, model: this.options.model, choices: [], usage: usageOf(data.delta?.usage) };
          out.push({ data: JSON.stringify(chunk), json: chunk });
        }
        return;
      }
      default:
        return;
    }
  }

  private emit(out: StreamEvent[], delta: JsonObject, finishReason: string | null): void {
    const chunk: JsonObject = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.options.created,
      model: this.options.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    out.push({ data: JSON.stringify(chunk), json: chunk });
  }
}
