/** Answers of chat deployments, turned into the Responses API's object and stream events. */
import { readOpenAIStream, type JsonObject, type ProviderResponse, type RouteResult, type StreamEvent } from '@sluice/plugin-sdk';
import { ChatStreamToEvents } from './chat-stream-to-events.js';
import { answerHeaders, chargeCall, keepResponse, type CallFinish } from './call-finish.js';
import { translatedResponseId } from './response-id.js';
import { finishResponse, outputItemsOf, responseSkeleton, usageOfChat } from './response-object.js';

const NO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function translateChatJson(f: CallFinish): Promise<RouteResult> {
  const response = f.result.response;
  if (response.kind !== 'json') throw new Error(`api-responses: a ${response.kind} answer to a non-streamed call`);
  const id = translatedResponseId();
  const usage = usageOfChat(response.body.usage);
  const { items, finishReason } = outputItemsOf(response.body);
  const body = finishResponse(responseSkeleton(id, f.conv.create.body, f.startedAt), items, finishReason, usage);
  const cost = chargeCall(f, usage ?? NO_USAGE, id, { ok: true, httpStatus: 200 });
  await keepResponse(f, id, body, false);
  return { status: 200, headers: answerHeaders(f, cost), body };
}

export function translateChatStream(f: CallFinish): RouteResult {
  const id = translatedResponseId();
  const events = new ChatStreamToEvents(responseSkeleton(id, f.conv.create.body, f.startedAt));
  const encoder = new TextEncoder();
  async function* translate(): AsyncGenerator<Uint8Array> {
    yield encoder.encode(events.start());
    try {
      for await (const batch of chunkBatches(f.result.response)) {
        let text = '';
        for (const e of batch) {
          const chunk = e.json ?? parseChunk(e.data);
          if (!chunk) continue;
          if (isObject(chunk.error)) throw new Error(typeof chunk.error.message === 'string' ? chunk.error.message : 'upstream error');
          text += events.chunk(chunk);
        }
        if (text) yield encoder.encode(text);
      }
    } catch (err) {
      yield encoder.encode(events.fail(`upstream stream failed: ${(err as Error).message}`));
      chargeCall(f, events.usage ?? NO_USAGE, id, { ok: false, httpStatus: 502, errorCode: 'upstream_stream_error' });
      return;
    }
    yield encoder.encode(events.finish());
    chargeCall(f, events.usage ?? NO_USAGE, id, { ok: true, httpStatus: 200 });
    await keepResponse(f, id, events.final, false);
  }
  return { status: 200, headers: { ...answerHeaders(f), 'cache-control': 'no-cache' }, contentType: 'text/event-stream', stream: translate() };
}

/** Chat chunks of either stream form an adapter returns. */
async function* chunkBatches(response: ProviderResponse): AsyncGenerator<StreamEvent[]> {
  if (response.kind === 'stream') yield* response.batches;
  else if (response.kind === 'sse' || response.kind === 'bytes') yield* readOpenAIStream(response.body);
  else throw new Error('a non-streamed answer to a streamed call');
}

function parseChunk(data: string): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
