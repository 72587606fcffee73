/**
 * A chat deployment answered (OpenAI and every other provider without a native Messages API):
 * its completion becomes an Anthropic message, its chunks Anthropic stream events.
 */
import { readOpenAIStream, type JsonObject, type ProviderResponse, type StreamEvent } from '@sluice/plugin-sdk';
import { ChatToMessagesStream } from './chat-stream-translator.js';
import { MessagesErrors } from './errors.js';
import { toAnthropicMessage } from './from-chat-completion.js';
import type { AnswerOutcome } from './native-answer.js';
import { errorEvent } from './sse-events.js';
import type { ToolNameMap } from './tool-names.js';
import { chatSpendUsage } from './usage-mapping.js';
import { isObject } from './validate-request.js';

export function chatJsonAnswer(completion: JsonObject, toolNames: ToolNameMap): { message: JsonObject; outcome: AnswerOutcome } {
  if (!Array.isArray(completion.choices)) throw MessagesErrors.BAD_UPSTREAM_ANSWER({ detail: 'the deployment answered with something that is not a chat completion' });
  const message = toAnthropicMessage(completion, toolNames);
  return { message, outcome: { usage: chatSpendUsage(completion.usage), responseId: message.id as string } };
}

/** OpenAI chunks, whichever way the provider delivered them (parsed batches, or its SSE bytes). */
async function* chunkBatches(response: ProviderResponse): AsyncGenerator<StreamEvent[]> {
  if (response.kind === 'stream') yield* response.batches;
  else if (response.kind === 'sse') yield* readOpenAIStream(response.body);
  else throw MessagesErrors.BAD_UPSTREAM_ANSWER({ detail: `the deployment answered a streamed call with a ${response.kind} body` });
}

/** An upstream `{"error": …}` chunk inside a 200 stream, as an error to end the Anthropic stream with. */
class StreamedError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function* translateChatStream(
  response: ProviderResponse,
  model: string,
  toolNames: ToolNameMap,
  onEnd: (outcome: AnswerOutcome) => void,
): AsyncGenerator<Uint8Array> {
  const translator = new ChatToMessagesStream(model, toolNames);
  let failure: AnswerOutcome['failure'];
  try {
    for await (const batch of chunkBatches(response)) {
      let out = '';
      for (const event of batch) {
        const chunk = event.json ?? (JSON.parse(event.data) as JsonObject);
        if (isObject(chunk.error)) {
          const code = Number(chunk.error.code);
          throw new StreamedError(typeof chunk.error.message === 'string' ? chunk.error.message : 'the upstream stream failed', code >= 400 && code < 600 ? code : 500);
        }
        out += translator.push(chunk);
      }
      if (out) yield Buffer.from(out);
    }
    yield Buffer.from(translator.finish());
  } catch (err) {
    const { text, status } = errorEvent(err);
    failure = { status, code: 'ANTHROPIC_MESSAGES_UPSTREAM_STREAM_FAILED' };
    yield Buffer.from(text);
  } finally {
    onEnd({ usage: translator.spendUsage(), responseId: translator.id || undefined, ...(failure && { failure }) });
  }
}
