/**
 * The part of Anthropic's Messages API (`anthropic-version: 2023-06-01`) this plugin speaks,
 * written out here rather than imported from @anthropic-ai/sdk: the SDK is a dev dependency and
 * its current major targets a newer API version with different fields.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

export const ANTHROPIC_VERSION = '2023-06-01';
export const DEFAULT_API_BASE = 'https://api.anthropic.com';

export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: JsonObject;
}

export type ImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

export interface ImageBlock {
  type: 'image';
  source: ImageSource;
  cache_control?: JsonObject;
}

export interface DocumentBlock {
  type: 'document';
  source: { type: 'base64'; media_type: 'application/pdf'; data: string };
  cache_control?: JsonObject;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: JsonValue;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | (TextBlock | ImageBlock)[];
}

export type RequestBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock;

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | RequestBlock[];
}

export interface ToolParam {
  name: string;
  description?: string;
  input_schema: JsonValue;
  cache_control?: JsonObject;
}

export type ToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean };

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: string | TextBlock[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  tools?: ToolParam[];
  tool_choice?: ToolChoice;
  metadata?: { user_id: string };
  stream?: true;
}

export interface Usage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** A response content block. Only `text` and `tool_use` are requested by this plugin; others are skipped. */
export type ResponseBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: JsonValue } | { type: string };

export interface MessagesResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ResponseBlock[];
  stop_reason: string | null;
  stop_sequence: string | null;
  usage: Usage;
}
