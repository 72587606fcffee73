/**
 * sagemaker_chat/: endpoints serving the Hugging Face Messages API (TGI's OpenAI-compatible chat),
 * and sagemaker_nova/: Amazon Nova models, whose API is the same without `model`. The request is
 * the OpenAI body with the endpoint name as `model` (`stream: true` when streamed, which TGI and
 * Nova need to stream); plain answers are OpenAI chat
 * completions already, streamed ones are OpenAI SSE chunks carried in event-stream PayloadParts.
 */
import type { JsonObject, StreamEvent } from '@sluice/plugin-sdk';
import { readEventStream, stringHeader } from './event-stream-frames.js';
import { streamFailure } from './tgi-response.js';

export function toMessagesRequest(body: JsonObject, endpointName: string, stream: boolean, withModel: boolean): JsonObject {
  const out: JsonObject = { ...body, model: endpointName };
  // Nova endpoints (sagemaker_nova/) refuse a `model` field.
  if (!withModel) delete out.model;
  delete out.hf_model_name;
  if (stream) out.stream = true;
  else delete out.stream;
  return out;
}

/** PayloadPart bytes → `data: {chunk}` lines → chunks, relayed as the container wrote them. */
export async function* messagesStreamBatches(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent[]> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const messages of readEventStream(body)) {
    const batch: StreamEvent[] = [];
    for (const message of messages) {
      const failure = streamFailure(message);
      if (failure) {
        if (batch.length > 0) yield batch;
        throw failure;
      }
      if (stringHeader(message, ':event-type') !== 'PayloadPart') continue;
      pending += decoder.decode(message.body, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        const event = chunkOf(line);
        if (event) batch.push(event);
      }
    }
    if (batch.length > 0) yield batch;
  }
  const last = chunkOf(pending.trim());
  if (last) yield [last];
}

function chunkOf(line: string): StreamEvent | undefined {
  if (!line) return undefined;
  const data = line.startsWith('data:') ? line.slice(5).trim() : line;
  if (!data || data === '[DONE]') return undefined;
  try {
    const json = JSON.parse(data) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
    return { data, json: json as JsonObject };
  } catch {
    return undefined;
  }
}
