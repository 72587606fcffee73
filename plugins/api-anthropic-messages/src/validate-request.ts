/**
 * What `/v1/messages` and `/v1/messages/count_tokens` accept, checked before anything runs:
 * the fields Anthropic requires (with its own error wording: "max_tokens: Field required"), the
 * shapes the translation reads, and the gateway's bounds (messages, content blocks; the server
 * bounds size and nesting).
 * Unknown top-level fields pass: Anthropic adds fields, and a native call forwards them.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { invalid, MessagesErrors } from './errors.js';

export interface RequestLimits {
  maxMessages: number;
  maxBlocksPerMessage: number;
}

/** A request that passed `validateMessagesRequest`: the fields below are present and typed. */
export interface MessagesRequest extends JsonObject {
  model: string;
  messages: JsonObject[];
}

const ROLES = new Set(['user', 'assistant']);
const TOOL_CHOICES = new Set(['auto', 'any', 'tool', 'none']);
const SAMPLING_KEYS = ['temperature', 'top_p', 'top_k'] as const;

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/v1/messages`: model, max_tokens and messages are required. */
export function validateMessagesRequest(body: unknown, limits: RequestLimits): MessagesRequest {
  const request = validateCommon(body, limits);
  const maxTokens = request.max_tokens;
  if (maxTokens === undefined || maxTokens === null) throw invalid('max_tokens', 'Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) throw invalid('max_tokens', 'Input should be a valid integer');
  if (maxTokens < 1) throw invalid('max_tokens', 'Input should be greater than or equal to 1');
  if (request.stream !== undefined && request.stream !== null && typeof request.stream !== 'boolean') throw invalid('stream', 'Input should be a valid boolean');
  for (const key of SAMPLING_KEYS) {
    const v = request[key];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw invalid(key, 'Input should be a valid number');
  }
  const stops = request.stop_sequences;
  if (stops !== undefined && stops !== null && !(Array.isArray(stops) && stops.every((s) => typeof s === 'string'))) {
    throw invalid('stop_sequences', 'Input should be a valid list of strings');
  }
  const metadata = request.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!isObject(metadata)) throw invalid('metadata', 'Input should be a valid dictionary');
    if (metadata.user_id !== undefined && metadata.user_id !== null && typeof metadata.user_id !== 'string') throw invalid('metadata.user_id', 'Input should be a valid string');
  }
  const thinking = request.thinking;
  if (thinking !== undefined && thinking !== null && !(isObject(thinking) && typeof thinking.type === 'string')) {
    throw invalid('thinking', 'Input should be an object with a type (enabled, disabled, adaptive)');
  }
  return request;
}

/** `/v1/messages/count_tokens`: model and messages (LiteLLM: "model parameter is required"). */
export function validateCountTokensRequest(body: unknown, limits: RequestLimits): MessagesRequest {
  return validateCommon(body, limits);
}

function validateCommon(body: unknown, limits: RequestLimits): MessagesRequest {
  if (!isObject(body as JsonValue)) throw invalid('body', 'Input should be a valid JSON object');
  const request = body as JsonObject;
  if (request.model === undefined || request.model === null) throw invalid('model', 'Field required');
  if (typeof request.model !== 'string' || request.model.length === 0) throw invalid('model', 'Input should be a non-empty string');
  const messages = request.messages;
  if (messages === undefined || messages === null) throw invalid('messages', 'Field required');
  if (!Array.isArray(messages)) throw invalid('messages', 'Input should be a valid list');
  if (messages.length === 0) throw invalid('messages', 'at least one message is required');
  if (messages.length > limits.maxMessages) {
    throw MessagesErrors.TOO_LARGE({ detail: `messages: ${messages.length} messages is more than this gateway takes (${limits.maxMessages})` });
  }
  for (let i = 0; i < messages.length; i++) checkMessage(messages[i]!, i, limits);
  checkSystem(request.system);
  checkTools(request.tools, request.tool_choice);
  return request as MessagesRequest;
}

function checkMessage(message: JsonValue, i: number, limits: RequestLimits): void {
  const at = `messages.${i}`;
  if (!isObject(message)) throw invalid(at, 'Input should be a valid dictionary');
  if (typeof message.role !== 'string' || !ROLES.has(message.role)) throw invalid(`${at}.role`, "Input should be 'user' or 'assistant'");
  const content = message.content;
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw invalid(`${at}.content`, 'Input should be a valid string or a list of content blocks');
  if (content.length > limits.maxBlocksPerMessage) {
    throw MessagesErrors.TOO_LARGE({ detail: `${at}.content: ${content.length} content blocks is more than this gateway takes (${limits.maxBlocksPerMessage})` });
  }
  content.forEach((block, j) => checkBlock(block, `${at}.content.${j}`));
}

function checkBlock(block: JsonValue, at: string): void {
  if (!isObject(block) || typeof block.type !== 'string') throw invalid(at, 'Input should be a content block with a type');
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw invalid(`${at}.text`, 'Field required');
      return;
    case 'image':
    case 'document':
      if (!isObject(block.source)) throw invalid(`${at}.source`, 'Field required');
      return;
    case 'tool_use':
      if (typeof block.id !== 'string') throw invalid(`${at}.id`, 'Field required');
      if (typeof block.name !== 'string') throw invalid(`${at}.name`, 'Field required');
      if (block.input !== undefined && !isObject(block.input)) throw invalid(`${at}.input`, 'Input should be a valid dictionary');
      return;
    case 'tool_result':
      if (typeof block.tool_use_id !== 'string') throw invalid(`${at}.tool_use_id`, 'Field required');
      if (block.content !== undefined && block.content !== null && typeof block.content !== 'string' && !Array.isArray(block.content)) {
        throw invalid(`${at}.content`, 'Input should be a valid string or a list of content blocks');
      }
      return;
    default:
      // thinking, redacted_thinking, server tool blocks…: forwarded natively, skipped in translation.
      return;
  }
}

function checkSystem(system: JsonValue | undefined): void {
  if (system === undefined || system === null || typeof system === 'string') return;
  if (!Array.isArray(system)) throw invalid('system', 'Input should be a valid string or a list of text blocks');
  system.forEach((b, i) => {
    if (!isObject(b) || b.type !== 'text' || typeof b.text !== 'string') throw invalid(`system.${i}`, 'Input should be a text block');
  });
}

function checkTools(tools: JsonValue | undefined, choice: JsonValue | undefined): void {
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw invalid('tools', 'Input should be a valid list');
    tools.forEach((t, i) => {
      if (!isObject(t)) throw invalid(`tools.${i}`, 'Input should be a valid dictionary');
      if (typeof t.name !== 'string') throw invalid(`tools.${i}.name`, 'Field required');
      if (t.input_schema !== undefined && !isObject(t.input_schema)) throw invalid(`tools.${i}.input_schema`, 'Input should be a valid dictionary');
    });
  }
  if (choice === undefined || choice === null) return;
  if (!isObject(choice) || typeof choice.type !== 'string' || !TOOL_CHOICES.has(choice.type)) {
    throw invalid('tool_choice', "Input should be an object with type 'auto', 'any', 'tool' or 'none'");
  }
  if (choice.type === 'tool' && typeof choice.name !== 'string') throw invalid('tool_choice.name', 'Field required');
}
