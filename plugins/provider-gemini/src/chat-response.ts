/** A Gemini `GenerateContentResponse` → an OpenAI `chat.completion`. Shared pieces serve the stream too. */
import { randomUUID } from 'node:crypto';
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { contentPolicyError } from './google-errors.js';
import { isObject } from './gemini-schema.js';
import { toolCallId } from './tool-call-ids.js';

const FINISH_REASONS: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

export function finishReasonOf(geminiReason: JsonValue | undefined, calledFunction: boolean): string {
  if (calledFunction) return 'tool_calls';
  // OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL…: the model stopped for its own reasons.
  return (typeof geminiReason === 'string' && FINISH_REASONS[geminiReason]) || 'stop';
}

export function completionId(response: JsonObject): string {
  return `chatcmpl-${typeof response.responseId === 'string' ? response.responseId : randomUUID()}`;
}

/** Throws the content-policy error when Gemini refused the prompt and produced no candidate. */
export function throwIfPromptBlocked(response: JsonObject): void {
  const feedback = response.promptFeedback;
  const candidates = response.candidates;
  if (isObject(feedback) && typeof feedback.blockReason === 'string' && (!Array.isArray(candidates) || candidates.length === 0)) {
    throw contentPolicyError(feedback.blockReason, typeof feedback.blockReasonMessage === 'string' ? feedback.blockReasonMessage : undefined);
  }
}

/** An OpenAI tool call for the `index`-th function call of a candidate. */
export function toolCallOf(part: JsonObject, index: number): JsonObject {
  const call = part.functionCall as JsonObject;
  const name = String(call.name);
  const args = JSON.stringify(call.args ?? {});
  const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined;
  return { id: toolCallId(index, name, args, signature), type: 'function', function: { name, arguments: args } };
}

export function toUsage(metadata: JsonValue | undefined): JsonObject {
  const m = isObject(metadata) ? metadata : {};
  const n = (v: JsonValue | undefined) => (typeof v === 'number' ? v : 0);
  const prompt = n(m.promptTokenCount);
  const reasoning = n(m.thoughtsTokenCount);
  // Thinking tokens are billed as output, as OpenAI counts reasoning tokens in completion_tokens.
  const completion = n(m.candidatesTokenCount) + reasoning;
  const usage: JsonObject = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: typeof m.totalTokenCount === 'number' ? m.totalTokenCount : prompt + completion };
  if (typeof m.cachedContentTokenCount === 'number') {
    usage.prompt_tokens_details = { cached_tokens: m.cachedContentTokenCount };
    usage.cache_read_input_tokens = m.cachedContentTokenCount;
  }
  if (reasoning > 0) usage.completion_tokens_details = { reasoning_tokens: reasoning };
  return usage;
}

export function toChatCompletion(response: JsonObject, model: string, created: number): JsonObject {
  throwIfPromptBlocked(response);
  const candidates = Array.isArray(response.candidates) ? response.candidates.filter(isObject) : [];
  const choices = candidates.map((candidate, i) => {
    const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts.filter(isObject) : [];
    let text: string | null = null;
    let reasoning: string | null = null;
    const toolCalls: JsonObject[] = [];
    for (const part of parts) {
      if (isObject(part.functionCall)) toolCalls.push(toolCallOf(part, toolCalls.length));
      else if (typeof part.text === 'string') {
        if (part.thought === true) reasoning = (reasoning ?? '') + part.text;
        else text = (text ?? '') + part.text;
      }
    }
    const message: JsonObject = { role: 'assistant', content: text };
    if (reasoning !== null) message.reasoning_content = reasoning;
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return {
      index: typeof candidate.index === 'number' ? candidate.index : i,
      message,
      finish_reason: finishReasonOf(candidate.finishReason, toolCalls.length > 0),
      logprobs: null,
    };
  });
  return { id: completionId(response), object: 'chat.completion', created, model, choices, usage: toUsage(response.usageMetadata) };
}
