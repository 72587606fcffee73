/**
 * An OpenAI `chat.completion` → an Anthropic message (LiteLLM's
 * `translate_openai_response_to_anthropic`): reasoning → a `thinking` block, the text → a `text`
 * block, tool calls → `tool_use` blocks with their arguments parsed into `input`, the finish
 * reason → `stop_reason`, usage → Anthropic's with the cache fields.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { anthropicUsageOf } from './usage-mapping.js';
import { originalToolName, type ToolNameMap } from './tool-names.js';
import { isObject } from './validate-request.js';

const STOP_REASONS: Record<string, string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', function_call: 'tool_use' };

/** OpenAI's finish_reason → Anthropic's stop_reason; anything else ends the turn, as in LiteLLM. */
export function stopReasonOf(finishReason: JsonValue | undefined): string {
  return (typeof finishReason === 'string' && STOP_REASONS[finishReason]) || 'end_turn';
}

/** Anthropic ids are `msg_…`; a chat upstream's id is kept after the prefix so the two can be matched. */
export function messageIdOf(chatId: JsonValue | undefined): string {
  if (typeof chatId !== 'string' || chatId.length === 0) return `msg_${randomUUID().replaceAll('-', '')}`;
  return chatId.startsWith('msg_') ? chatId : `msg_${chatId}`;
}

/** Tool-use ids must match `^[a-zA-Z0-9_-]+$`; other upstreams' ids (`functions.Bash:0`) are made to. */
export function toolUseIdOf(id: JsonValue | undefined): string {
  if (typeof id !== 'string' || id.length === 0) return `toolu_${randomUUID().replaceAll('-', '')}`;
  return /^[a-zA-Z0-9_-]+$/.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** A tool call's JSON arguments as an object; text that is not a JSON object is kept under `raw_arguments`. */
export function toolInputOf(args: JsonValue | undefined): JsonObject {
  if (typeof args !== 'string' || args.trim().length === 0) return {};
  try {
    const parsed = JSON.parse(args) as JsonValue;
    return isObject(parsed) ? parsed : { raw_arguments: args };
  } catch {
    return { raw_arguments: args };
  }
}

export function toAnthropicMessage(completion: JsonObject, toolNames: ToolNameMap): JsonObject {
  const content: JsonObject[] = [];
  const choices = Array.isArray(completion.choices) ? completion.choices : [];
  let finishReason: JsonValue | undefined;
  for (const choice of choices) {
    if (!isObject(choice) || !isObject(choice.message)) continue;
    finishReason ??= choice.finish_reason;
    const message = choice.message;
    if (typeof message.reasoning_content === 'string' && message.reasoning_content) {
      content.push({ type: 'thinking', thinking: message.reasoning_content, signature: null });
    }
    if (typeof message.content === 'string') content.push({ type: 'text', text: message.content });
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (!isObject(call) || !isObject(call.function)) continue;
        const name = originalToolName(toolNames, typeof call.function.name === 'string' ? call.function.name : '');
        content.push({ type: 'tool_use', id: toolUseIdOf(call.id), name, input: toolInputOf(call.function.arguments) });
      }
    }
  }
  return {
    id: messageIdOf(completion.id),
    type: 'message',
    role: 'assistant',
    model: typeof completion.model === 'string' && completion.model ? completion.model : 'unknown-model',
    stop_sequence: null,
    usage: { ...anthropicUsageOf(completion.usage) },
    content,
    stop_reason: stopReasonOf(finishReason),
  };
}
