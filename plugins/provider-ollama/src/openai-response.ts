/** Ollama replies → OpenAI `chat.completion` / `text_completion` objects. */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '@sluice/plugin-sdk';
import type { OllamaToolCall, ReplyPart } from './ollama-wire.js';

export type ResponseKind = 'chat' | 'text';

/** What every object of one response (or every chunk of one stream) carries. */
export interface ResponseIdentity {
  id: string;
  /** Seconds. */
  created: number;
  /** The model the request asked for. */
  model: string;
}

/** Ollama has no response ids: Sluice makes OpenAI-style ones. `created` is Ollama's `created_at`. */
export function responseIdentity(kind: ResponseKind, model: string, createdAt: string | undefined): ResponseIdentity {
  const parsed = createdAt ? Date.parse(createdAt) : NaN;
  return {
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`,
    created: Math.floor((Number.isFinite(parsed) ? parsed : Date.now()) / 1000),
    model,
  };
}

/** OpenAI tool calls carry an id and arguments as JSON text; Ollama's carry an object and, in newer versions, an id. */
export function openAIToolCall(call: OllamaToolCall): { id: string; type: 'function'; function: { name: string; arguments: string } } {
  const args = call.function.arguments;
  return {
    id: typeof call.id === 'string' && call.id ? call.id : `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    type: 'function',
    function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

/** `length` when Ollama hit num_predict; `tool_calls` when it called a tool; otherwise `stop`. */
export function finishReason(doneReason: string | undefined, calledTools: boolean): 'stop' | 'length' | 'tool_calls' {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

export function usageOf(promptTokens: number, completionTokens: number): JsonObject {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function chatCompletion(reply: ReplyPart, ident: ResponseIdentity): JsonObject {
  const toolCalls = reply.toolCalls.map(openAIToolCall);
  // OpenAI's content is null when the turn is only tool calls.
  const message: JsonObject = { role: 'assistant', content: reply.content || (toolCalls.length > 0 ? null : '') };
  if (reply.thinking) message.reasoning_content = reply.thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: ident.id,
    object: 'chat.completion',
    created: ident.created,
    model: ident.model,
    choices: [{ index: 0, message, finish_reason: finishReason(reply.doneReason, toolCalls.length > 0), logprobs: null }],
    usage: usageOf(reply.promptTokens, reply.completionTokens),
  };
}

export function textCompletion(reply: ReplyPart, ident: ResponseIdentity): JsonObject {
  return {
    id: ident.id,
    object: 'text_completion',
    created: ident.created,
    model: ident.model,
    choices: [{ index: 0, text: reply.content, finish_reason: finishReason(reply.doneReason, false), logprobs: null }],
    usage: usageOf(reply.promptTokens, reply.completionTokens),
  };
}
