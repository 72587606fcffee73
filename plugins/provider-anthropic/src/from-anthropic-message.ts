/** An Anthropic Message → an OpenAI `chat.completion`, and the finish reason and usage both forms share. */
import type { JsonObject } from '@sluice/plugin-sdk';
import type { MessagesResponse, Usage } from './anthropic-wire.js';

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A server tool loop paused; the turn ends here as far as the client can tell.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: string | null | undefined): string {
  return (stopReason && FINISH_REASONS[stopReason]) ?? 'stop';
}

/**
 * Anthropic counts cached input apart from `input_tokens`; OpenAI's prompt_tokens is all input,
 * with the cached share in prompt_tokens_details. LiteLLM's own two fields keep the split.
 */
export function usageOf(usage: Usage): JsonObject {
  const input = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const prompt = input + cacheRead + cacheWrite;
  const out: JsonObject = { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output };
  if (typeof usage.cache_read_input_tokens === 'number') out.prompt_tokens_details = { cached_tokens: cacheRead };
  if (typeof usage.cache_creation_input_tokens === 'number') out.cache_creation_input_tokens = cacheWrite;
  if (typeof usage.cache_read_input_tokens === 'number') out.cache_read_input_tokens = cacheRead;
  return out;
}

export function toChatCompletion(message: MessagesResponse, model: string, created: number): JsonObject {
  let text = '';
  let sawText = false;
  const toolCalls: JsonObject[] = [];
  for (const block of message.content ?? []) {
    if (block.type === 'text' && 'text' in block) {
      text += block.text;
      sawText = true;
    } else if (block.type === 'tool_use' && 'input' in block) {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  // OpenAI's convention: a reply made only of tool calls has content null.
  const reply: JsonObject = { role: 'assistant', content: sawText || toolCalls.length === 0 ? text : null };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  return {
    id: message.id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: reply, finish_reason: finishReasonOf(message.stop_reason), logprobs: null }],
    usage: usageOf(message.usage ?? {}),
  };
}
