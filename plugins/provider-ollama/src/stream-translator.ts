/**
 * Ollama's NDJSON stream → OpenAI chunks. The first chunk carries `role: assistant`; Ollama sends a
 * tool call whole, so each becomes OpenAI's pair of deltas (index, id, type and name with empty
 * arguments, then the arguments); the `done` line becomes the finish chunk and, when asked, the
 * usage-only chunk `{choices: [], usage}`.
 */
import { UpstreamError, type JsonObject, type StreamEvent } from '@sluice/plugin-sdk';
import { readNdjson } from './ndjson.js';
import { errorFromMessage } from './ollama-errors.js';
import { replyPart, type OllamaReply } from './ollama-wire.js';
import { finishReason, openAIToolCall, responseIdentity, usageOf, type ResponseKind } from './openai-response.js';

export interface StreamSpec {
  kind: ResponseKind;
  model: string;
  includeUsage: boolean;
}

export async function* translateStream(body: AsyncIterable<Uint8Array>, spec: StreamSpec): AsyncGenerator<StreamEvent[]> {
  let translator: StreamTranslator | undefined;
  for await (const lines of readNdjson<OllamaReply>(body)) {
    // The id and `created` come from the first line, so they are made when it arrives.
    translator ??= new StreamTranslator(spec, lines[0]?.created_at);
    const events: StreamEvent[] = [];
    let failure: unknown;
    try {
      for (const line of lines) translator.push(line, events);
    } catch (err) {
      failure = err;
    }
    // Chunks that came before an error line in the same read still reach the client, then the error.
    if (events.length > 0) yield events;
    if (failure !== undefined) throw failure;
  }
  if (!translator?.finished) throw new UpstreamError('the Ollama stream ended before its done line', { status: 0 });
}

export class StreamTranslator {
  finished = false;
  private started = false;
  private toolCalls = 0;
  private readonly base: JsonObject;

  constructor(private readonly spec: StreamSpec, createdAt: string | undefined) {
    const ident = responseIdentity(spec.kind, spec.model, createdAt);
    this.base = { id: ident.id, object: spec.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: ident.created, model: ident.model };
  }

  push(line: OllamaReply, out: StreamEvent[]): void {
    // Ollama reports a failure after the 200 as a line of its own.
    if (typeof line.error === 'string') throw errorFromMessage(500, line.error);
    const part = replyPart(line);
    if (this.spec.kind === 'chat') {
      if (!this.started || part.content || part.thinking) {
        const delta: JsonObject = {};
        if (!this.started) delta.role = 'assistant';
        if (part.content || !this.started) delta.content = part.content || (part.toolCalls.length > 0 ? null : '');
        if (part.thinking) delta.reasoning_content = part.thinking;
        this.emit(out, { index: 0, delta, finish_reason: null, logprobs: null });
        this.started = true;
      }
      for (const call of part.toolCalls) {
        const c = openAIToolCall(call);
        const index = this.toolCalls++;
        this.emit(out, { index: 0, delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, finish_reason: null, logprobs: null });
        this.emit(out, { index: 0, delta: { tool_calls: [{ index, function: { arguments: c.function.arguments } }] }, finish_reason: null, logprobs: null });
      }
    } else if (part.content) {
      this.emit(out, { index: 0, text: part.content, finish_reason: null, logprobs: null });
    }
    if (!part.done) return;
    const finish = finishReason(part.doneReason, this.toolCalls > 0);
    this.emit(out, this.spec.kind === 'chat' ? { index: 0, delta: {}, finish_reason: finish, logprobs: null } : { index: 0, text: '', finish_reason: finish, logprobs: null });
    if (this.spec.includeUsage) {
      const json: JsonObject = { ...this.base, choices: [], usage: usageOf(part.promptTokens, part.completionTokens) };
      out.push({ data: JSON.stringify(json), json });
    }
    this.finished = true;
  }

  private emit(out: StreamEvent[], choice: JsonObject): void {
    const json: JsonObject = { ...this.base, choices: [choice] };
    out.push({ data: JSON.stringify(json), json });
  }
}
