/**
 * `count_tokens` for deployments that cannot count natively: an estimate in the spirit of
 * LiteLLM's `token_counter` fallback (a BPE tokenizer's counting rules, no vocabulary): a run of
 * letters is one token per up to six letters, digits go three to a token, every other visible
 * character is its own token; each message adds 3 tokens of framing and the reply 3 more (OpenAI's
 * counting recipe), an image or document 250 (LiteLLM's DEFAULT_IMAGE_TOKEN_COUNT). Tools count
 * their name, description and schema as text. Linear in the request's size.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { isObject, type MessagesRequest } from './validate-request.js';

const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
const PER_IMAGE = 250;
const PIECE = /(\p{L}+)|(\p{N}+)|[^\s\p{L}\p{N}]/gu;

export function estimateTextTokens(text: string): number {
  let tokens = 0;
  for (const match of text.matchAll(PIECE)) {
    if (match[1] !== undefined) tokens += Math.ceil(match[1].length / 6);
    else if (match[2] !== undefined) tokens += Math.ceil(match[2].length / 3);
    else tokens += 1;
  }
  return tokens;
}

export function estimateInputTokens(request: MessagesRequest): number {
  let tokens = REPLY_PRIMING;
  const system = request.system;
  if (typeof system === 'string' && system) tokens += PER_MESSAGE + estimateTextTokens(system);
  else if (Array.isArray(system) && system.length > 0) tokens += PER_MESSAGE + blocksTokens(system);
  for (const message of request.messages) {
    tokens += PER_MESSAGE + (typeof message.content === 'string' ? estimateTextTokens(message.content) : blocksTokens(message.content));
  }
  if (Array.isArray(request.tools)) {
    for (const tool of request.tools) if (isObject(tool)) tokens += estimateTextTokens(JSON.stringify(tool));
  }
  return tokens;
}

function blocksTokens(blocks: JsonValue | undefined): number {
  if (typeof blocks === 'string') return estimateTextTokens(blocks);
  if (!Array.isArray(blocks)) return 0;
  let tokens = 0;
  for (const block of blocks) {
    if (typeof block === 'string') tokens += estimateTextTokens(block);
    else if (isObject(block)) tokens += blockTokens(block);
  }
  return tokens;
}

function blockTokens(block: JsonObject): number {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? estimateTextTokens(block.text) : 0;
    case 'image':
    case 'document':
      return PER_IMAGE;
    case 'tool_use':
      return estimateTextTokens(String(block.name ?? '')) + estimateTextTokens(JSON.stringify(block.input ?? {}));
    case 'tool_result':
      return blocksTokens(block.content);
    case 'thinking':
      return typeof block.thinking === 'string' ? estimateTextTokens(block.thinking) : 0;
    default:
      return 0;
  }
}
