/** Ollama's native API shapes (github.com/ollama/ollama docs/api.md), as far as Sluice uses them. */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

export interface OllamaToolCall {
  /** Newer Ollama versions name their calls; older ones do not. */
  id?: string;
  function: { index?: number; name: string; arguments: JsonObject | string };
}

export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Base64 images, without a `data:` prefix. */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** The function a tool result answers. */
  tool_name?: string;
  thinking?: string;
}

/** What /api/chat and /api/generate share in the body of a request. */
export interface OllamaRequestCommon {
  model: string;
  stream: boolean;
  options?: JsonObject;
  format?: JsonValue;
  keep_alive?: JsonValue;
  think?: JsonValue;
}

export interface OllamaChatRequest extends OllamaRequestCommon {
  messages: OllamaMessage[];
  tools?: JsonValue[];
}

export interface OllamaGenerateRequest extends OllamaRequestCommon {
  prompt: string;
  system?: string;
  suffix?: string;
  images?: string[];
}

/** One /api/chat or /api/generate answer, or one NDJSON line of their streams. */
export interface OllamaReply {
  model?: string;
  created_at?: string;
  /** /api/chat */
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  /** /api/generate */
  response?: string;
  thinking?: string;
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  /** A failure reported inside a stream. */
  error?: string;
}

export interface OllamaEmbedResponse {
  model?: string;
  embeddings?: number[][];
  prompt_eval_count?: number;
}

/** The part of a reply the translation needs, whichever API it came from. */
export interface ReplyPart {
  content: string;
  thinking: string;
  toolCalls: OllamaToolCall[];
  done: boolean;
  doneReason: string | undefined;
  promptTokens: number;
  completionTokens: number;
}

export function replyPart(r: OllamaReply): ReplyPart {
  return {
    content: r.message?.content ?? r.response ?? '',
    thinking: r.message?.thinking ?? r.thinking ?? '',
    toolCalls: r.message?.tool_calls ?? [],
    done: r.done === true,
    doneReason: r.done_reason,
    promptTokens: typeof r.prompt_eval_count === 'number' ? r.prompt_eval_count : 0,
    completionTokens: typeof r.eval_count === 'number' ? r.eval_count : 0,
  };
}
