/**
 * Gemini's SSE stream (`streamGenerateContent?alt=sse`, one `GenerateContentResponse` per event)
 * → OpenAI `chat.completion.chunk`s, one batch per network read. Gemini sends whole function
 * calls, never fragments; each becomes the OpenAI pair of deltas (id, type and name first, then
 * the arguments), so clients that assemble fragments work unchanged.
 */
import { readSse, type JsonObject, type StreamEvent } from '@sluice/plugin-sdk';
import { completionId, finishReasonOf, throwIfPromptBlocked, toUsage, toolCallOf } from './chat-response.js';
import { streamedGoogleError } from './google-errors.js';
import { isObject } from './gemini-schema.js';

export interface StreamOptions {
  model: string;
  created: number;
  includeUsage: boolean;
  /** Scrubbed from in-band error messages. */
  secrets: readonly string[];
}

interface ChoiceState {
  started: boolean;
  toolCalls: number;
}

export async function* toChunkBatches(body: AsyncIterable<Uint8Array>, o: StreamOptions): AsyncGenerator<StreamEvent[]> {
  const choices = new Map<number, ChoiceState>();
  let id: string | undefined;
  let usageMetadata: JsonObject | undefined;

  for await (const messages of readSse(body)) {
    const batch: StreamEvent[] = [];
    for (const message of messages) {
      if (message.data.length === 0) continue;
      const response = JSON.parse(message.data) as JsonObject;
      if (isObject(response.error)) throw streamedGoogleError(response.error, o.secrets);
      throwIfPromptBlocked(response);
      id ??= completionId(response);
      if (isObject(response.usageMetadata)) usageMetadata = response.usageMetadata;
      const emit = (index: number, delta: JsonObject, finishReason: string | null) => {
        const json: JsonObject = { id: id!, object: 'chat.completion.chunk', created: o.created, model: o.model, choices: [{ index, delta, finish_reason: finishReason, logprobs: null }] };
        batch.push({ data: JSON.stringify(json), json });
      };
      const candidates = Array.isArray(response.candidates) ? response.candidates.filter(isObject) : [];
      for (const candidate of candidates) {
        const index = typeof candidate.index === 'number' ? candidate.index : 0;
        let state = choices.get(index);
        if (!state) choices.set(index, (state = { started: false, toolCalls: 0 }));
        const st = state;
        // The first delta of each choice names the role, as OpenAI's streams do.
        const opening = (delta: JsonObject): JsonObject => {
          if (st.started) return delta;
          st.started = true;
          return { role: 'assistant', ...delta };
        };
        const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts.filter(isObject) : [];
        for (const part of parts) {
          if (isObject(part.functionCall)) {
            const call = toolCallOf(part, st.toolCalls);
            const fn = call.function as JsonObject;
            emit(index, opening({ content: null, tool_calls: [{ index: st.toolCalls, id: call.id!, type: 'function', function: { name: fn.name!, arguments: '' } }] }), null);
            emit(index, { tool_calls: [{ index: st.toolCalls, function: { arguments: fn.arguments! } }] }, null);
            st.toolCalls++;
          } else if (typeof part.text === 'string' && part.text.length > 0) {
            emit(index, opening(part.thought === true ? { reasoning_content: part.text } : { content: part.text }), null);
          }
        }
        if (typeof candidate.finishReason === 'string') emit(index, opening({}), finishReasonOf(candidate.finishReason, st.toolCalls > 0));
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (o.includeUsage && id !== undefined) {
    const json: JsonObject = { id, object: 'chat.completion.chunk', created: o.created, model: o.model, choices: [], usage: toUsage(usageMetadata) };
    yield [{ data: JSON.stringify(json), json }];
  }
}
