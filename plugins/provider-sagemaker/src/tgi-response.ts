/**
 * A sagemaker/ text-generation answer → an OpenAI chat completion, plain or streamed. Endpoints
 * answer `[{"generated_text": …}]` (TGI) or `[{"generation": …}]` (JumpStart Llama 2); streams
 * are TGI's server-sent events (`data:{"token": {...}}`) carried in event-stream PayloadParts,
 * possibly cut anywhere. Token counts come from TGI's `details` when it sends them; otherwise
 * they are estimated from the text (about 4 characters a token), as LiteLLM counts them itself.
 */
import { UpstreamError, type JsonObject, type StreamEvent } from '@sluice/plugin-sdk';
import { payloadText, readEventStream, stringHeader } from './event-stream-frames.js';
import { sagemakerError } from './sagemaker-errors.js';

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

function usage(promptTokens: number, completionTokens: number): JsonObject {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** TGI's `details.finish_reason` (`length`, `eos_token`, `stop_sequence`) in OpenAI's terms. */
function finishReason(details: unknown): string {
  const reason = (details as { finish_reason?: unknown } | undefined)?.finish_reason;
  return reason === 'length' ? 'length' : 'stop';
}

export function toChatCompletion(raw: unknown, prompt: string, meta: CompletionMeta): JsonObject {
  const first = (Array.isArray(raw) ? raw[0] : raw) as JsonObject | undefined;
  let text: string | undefined;
  if (first && typeof first === 'object') {
    if (typeof first.generation === 'string') text = first.generation;
    else if (typeof first.generated_text === 'string') text = first.generated_text;
    else if (!('generation' in first) && !('generated_text' in first)) text = '';
  }
  if (text === undefined) {
    throw new UpstreamError('sagemaker answered in an unknown format', {
      status: 502,
      body: { error: { message: `SagemakerException - Unable to parse sagemaker RAW RESPONSE ${JSON.stringify(raw).slice(0, 1000)}`, type: 'api_error', param: null, code: '502' } },
    });
  }
  // An echoed prompt (return_full_text) is cut when it carries a template's <s>, as LiteLLM does.
  if (text.startsWith(prompt) && prompt.includes('<s>')) text = text.slice(prompt.length);
  const details = first?.details as JsonObject | undefined;
  const generated = typeof details?.generated_tokens === 'number' ? details.generated_tokens : estimateTokens(text);
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason(details), logprobs: null }],
    usage: usage(estimateTokens(prompt), generated),
  };
}

/**
 * PayloadPart bytes → TGI events → OpenAI chunks. The bytes of one SSE event may span parts, so
 * text is gathered until a complete `data:` line parses; special tokens (`</s>`) are not text.
 */
export async function* tgiStreamBatches(body: AsyncIterable<Uint8Array>, prompt: string, meta: CompletionMeta, includeUsage: boolean): AsyncGenerator<StreamEvent[]> {
  const chunk = (delta: JsonObject, finish: string | null = null): StreamEvent => {
    const json: JsonObject = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
    return { data: JSON.stringify(json), json };
  };
  // One decoder for the stream: a character's bytes may be split between two parts.
  const decoder = new TextDecoder();
  let pending = '';
  let roleSent = false;
  let tokens = 0;
  let finish = 'stop';
  const handle = (event: JsonObject, batch: StreamEvent[]) => {
    const token = event.token as JsonObject | undefined;
    if (token && typeof token.text === 'string') {
      tokens++;
      if (token.special !== true && token.text !== '<|endoftext|>') {
        batch.push(chunk(roleSent ? { content: token.text } : { role: 'assistant', content: token.text }));
        roleSent = true;
      }
    }
    const details = event.details as JsonObject | undefined;
    if (details) {
      finish = finishReason(details);
      if (typeof details.generated_tokens === 'number') tokens = details.generated_tokens;
    }
  };
  for await (const messages of readEventStream(body)) {
    const batch: StreamEvent[] = [];
    for (const message of messages) {
      const failure = streamFailure(message);
      if (failure) {
        // What arrived before the failure still reaches the client, then the stream fails.
        if (batch.length > 0) yield batch;
        throw failure;
      }
      if (stringHeader(message, ':event-type') !== 'PayloadPart') continue;
      pending += decoder.decode(message.body, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const event = parseLine(pending.slice(0, newline).trim());
        pending = pending.slice(newline + 1);
        if (event) handle(event, batch);
      }
      // Containers that send bare JSON objects without newlines: a complete one is an event.
      const whole = parseLine(pending.trim());
      if (whole) {
        pending = '';
        handle(whole, batch);
      }
    }
    if (batch.length > 0) yield batch;
  }
  const end: StreamEvent[] = [chunk(roleSent ? {} : { role: 'assistant', content: '' }, finish)];
  if (includeUsage) {
    const json: JsonObject = { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage: usage(estimateTokens(prompt), tokens) };
    end.push({ data: JSON.stringify(json), json });
  }
  yield end;
}

/** One TGI event line: `data:{...}` (SSE) or the bare JSON some containers send. */
function parseLine(line: string): JsonObject | undefined {
  if (!line) return undefined;
  const json = line.startsWith('data:') ? line.slice(5).trim() : line;
  if (!json || json === '[DONE]') return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/** ModelStreamError / InternalStreamFailure exception events, and protocol errors. */
export function streamFailure(message: Parameters<typeof stringHeader>[0]): UpstreamError | undefined {
  const kind = stringHeader(message, ':message-type');
  if (kind === 'exception') {
    const name = stringHeader(message, ':exception-type') ?? 'InternalStreamFailure';
    let text = payloadText(message);
    try {
      const parsed = JSON.parse(text) as { Message?: unknown; message?: unknown };
      text = typeof parsed.Message === 'string' ? parsed.Message : typeof parsed.message === 'string' ? parsed.message : text;
    } catch {
      // keep the raw payload as the message
    }
    // ModelStreamError is the container failing (LiteLLM: 424 → 400); InternalStreamFailure is SageMaker's own.
    return sagemakerError(name === 'ModelStreamError' ? 424 : 500, `${name}: ${text}`, name);
  }
  if (kind === 'error') return sagemakerError(500, `${stringHeader(message, ':error-code') ?? 'error'}: ${stringHeader(message, ':error-message') ?? ''}`);
  return undefined;
}
