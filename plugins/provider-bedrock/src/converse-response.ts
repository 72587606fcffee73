/** Bedrock Converse response → OpenAI `chat.completion`; the stop reason and usage mappings streams share. */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { object } from './converse-content.js';

export interface CompletionMeta {
  id: string;
  /** Seconds since the epoch. */
  created: number;
  /** The model the request named. */
  model: string;
}

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

/** Unknown reasons (`malformed_model_output`, `malformed_tool_use`, future ones) end the turn as `stop`. */
export function finishReason(stopReason: JsonValue | undefined): string {
  return typeof stopReason === 'string' && Object.hasOwn(FINISH_REASONS, stopReason) ? FINISH_REASONS[stopReason]! : 'stop';
}

/**
 * Converse counts cache reads and writes apart from `inputTokens`; OpenAI's `prompt_tokens` is the
 * whole prompt, with the cached part in `prompt_tokens_details.cached_tokens` (LiteLLM's reading).
 */
export function toOpenAIUsage(value: JsonValue | undefined): JsonObject {
  const u = object(value) ?? {};
  const num = (v: JsonValue | undefined) => (typeof v === 'number' ? v : 0);
  const cacheRead = u.cacheReadInputTokens;
  const cacheWrite = u.cacheWriteInputTokens;
  const prompt = num(u.inputTokens) + num(cacheRead) + num(cacheWrite);
  const completion = num(u.outputTokens);
  const usage: JsonObject = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: typeof u.totalTokens === 'number' ? u.totalTokens : prompt + completion,
  };
  if (typeof cacheRead === 'number' || typeof cacheWrite === 'number') {
    usage.prompt_tokens_details = { cached_tokens: num(cacheRead) };
    usage.cache_creation_input_tokens = num(cacheWrite);
    usage.cache_read_input_tokens = num(cacheRead);
  }
  return usage;
}

export function toChatCompletion(response: JsonObject, meta: CompletionMeta): JsonObject {
  const content = asArray(object(object(response.output)?.message)?.content);
  let text = '';
  let reasoning = '';
  let sawText = false;
  const toolCalls: JsonObject[] = [];
  for (const raw of content) {
    const block = object(raw);
    if (!block) continue;
    if (typeof block.text === 'string') {
      text += block.text;
      sawText = true;
    }
    const toolUse = object(block.toolUse);
    if (toolUse) {
      toolCalls.push({
        id: String(toolUse.toolUseId),
        type: 'function',
        function: { name: String(toolUse.name), arguments: JSON.stringify(toolUse.input ?? {}) },
      });
    }
    const reasoningText = object(object(block.reasoningContent)?.reasoningText)?.text;
    if (typeof reasoningText === 'string') reasoning += reasoningText;
  }
  // OpenAI sends `content: null` when the turn is only tool calls.
  const message: JsonObject = { role: 'assistant', content: sawText ? text : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, finish_reason: finishReason(response.stopReason), logprobs: null }],
    usage: toOpenAIUsage(response.usage),
  };
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}
