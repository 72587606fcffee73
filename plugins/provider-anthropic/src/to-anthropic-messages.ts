/**
 * OpenAI `messages` → Anthropic `system` + `messages`. Anthropic takes the system prompt apart
 * from the turns and wants user and assistant turns to alternate, so system messages are hoisted,
 * `tool` messages become user `tool_result` blocks, and consecutive same-role messages merge.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import type { DocumentBlock, ImageBlock, MessageParam, RequestBlock, TextBlock, ToolResultBlock, ToolUseBlock } from './anthropic-wire.js';
import { invalid } from './request-errors.js';

export interface TranslatedMessages {
  system: string | TextBlock[] | undefined;
  messages: MessageParam[];
}

interface Turn {
  role: 'user' | 'assistant';
  blocks: RequestBlock[];
}

export function toAnthropicMessages(value: JsonValue | undefined): TranslatedMessages {
  if (!Array.isArray(value)) throw invalid('messages', 'must be an array of messages');
  const system: TextBlock[] = [];
  const turns: Turn[] = [];
  const append = (role: Turn['role'], blocks: RequestBlock[]) => {
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  };
  value.forEach((message, i) => {
    const at = `messages[${i}]`;
    if (!isObject(message)) throw invalid(at, 'must be an object');
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textOnlyBlocks(message.content, at));
        break;
      case 'user':
        append('user', userBlocks(message.content, at));
        break;
      case 'assistant': {
        const blocks = assistantBlocks(message, at);
        // An assistant turn with neither text nor tool calls says nothing; Anthropic refuses empty turns.
        if (blocks.length > 0) append('assistant', blocks);
        break;
      }
      case 'tool':
        append('user', [toolResultBlock(message, at)]);
        break;
      default:
        throw invalid(`${at}.role`, `role ${JSON.stringify(message.role)} is not supported (system, developer, user, assistant, tool)`);
    }
  });
  return { system: collapseSystem(system), messages: turns.map((t) => ({ role: t.role, content: collapse(t.blocks) })) };
}

/** A lone plain text block is sent as a string, the way a client writing Anthropic by hand would. */
function collapse(blocks: RequestBlock[]): string | RequestBlock[] {
  const only = blocks[0];
  return blocks.length === 1 && only?.type === 'text' && !only.cache_control ? only.text : blocks;
}

function collapseSystem(blocks: TextBlock[]): string | TextBlock[] | undefined {
  if (blocks.length === 0) return undefined;
  const only = blocks[0]!;
  return blocks.length === 1 && !only.cache_control ? only.text : blocks;
}

function textOnlyBlocks(content: JsonValue | undefined, at: string): TextBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`${at}.content`, 'must be a string or an array of text parts');
  return content.map((part, j) => {
    if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') throw invalid(`${at}.content[${j}]`, 'only text parts are allowed here');
    return textBlock(part.text, part);
  });
}

function userBlocks(content: JsonValue | undefined, at: string): RequestBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`${at}.content`, 'must be a string or an array of content parts');
  return content.map((part, j) => contentPart(part, `${at}.content[${j}]`));
}

function contentPart(part: JsonValue, at: string): TextBlock | ImageBlock | DocumentBlock {
  if (!isObject(part)) throw invalid(at, 'must be an object');
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw invalid(`${at}.text`, 'must be a string');
      return textBlock(part.text, part);
    case 'image_url':
      return withCacheControl(imageBlock(part.image_url, at), part);
    case 'file':
      return withCacheControl(documentBlock(part.file, at), part);
    default:
      throw invalid(`${at}.type`, `content parts of type ${JSON.stringify(part.type)} are not supported by anthropic (text, image_url, file with a PDF)`);
  }
}

function textBlock(text: string, part: JsonObject): TextBlock {
  return withCacheControl({ type: 'text', text }, part);
}

/** LiteLLM's prompt-caching syntax: a `cache_control` on an OpenAI content part is Anthropic's. */
function withCacheControl<B extends TextBlock | ImageBlock | DocumentBlock>(block: B, part: JsonObject): B {
  if (isObject(part.cache_control)) block.cache_control = part.cache_control;
  return block;
}

function imageBlock(value: JsonValue | undefined, at: string): ImageBlock {
  const url = typeof value === 'string' ? value : isObject(value) && typeof value.url === 'string' ? value.url : undefined;
  if (url === undefined) throw invalid(`${at}.image_url`, 'must carry a url');
  if (url.startsWith('data:')) {
    const { mediaType, data } = parseBase64DataUrl(url, `${at}.image_url.url`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw invalid(`${at}.image_url.url`, 'must be an http(s) URL or a base64 data: URL');
}

function documentBlock(value: JsonValue | undefined, at: string): DocumentBlock {
  if (!isObject(value)) throw invalid(`${at}.file`, 'must be an object');
  if (typeof value.file_data !== 'string') throw invalid(`${at}.file`, 'only inline file_data is supported (anthropic cannot read OpenAI file_id references)');
  const { mediaType, data } = parseBase64DataUrl(value.file_data, `${at}.file.file_data`);
  if (mediaType !== 'application/pdf') throw invalid(`${at}.file.file_data`, `files of type ${mediaType} are not supported (application/pdf only)`);
  return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } };
}

/** `data:<media type>[;param…];base64,<data>` → its parts. Anthropic takes images and PDFs as base64 only. */
function parseBase64DataUrl(url: string, at: string): { mediaType: string; data: string } {
  const comma = url.indexOf(',');
  const meta = comma === -1 ? [] : url.slice(5, comma).split(';');
  const mediaType = (meta[0] ?? '').trim().toLowerCase();
  if (comma === -1 || !mediaType || !meta.slice(1).some((p) => p.trim().toLowerCase() === 'base64')) {
    throw invalid(at, 'data: URLs must be base64 encoded with a media type (data:image/png;base64,…)');
  }
  return { mediaType, data: url.slice(comma + 1) };
}

function assistantBlocks(message: JsonObject, at: string): RequestBlock[] {
  if (message.function_call != null) throw invalid(`${at}.function_call`, 'legacy function_call is not supported; use tool_calls');
  const blocks: RequestBlock[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content.length > 0) blocks.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part, j) => {
      const partAt = `${at}.content[${j}]`;
      if (!isObject(part)) throw invalid(partAt, 'must be an object');
      // A refusal the client echoes back is what the assistant said.
      const text = part.type === 'text' ? part.text : part.type === 'refusal' ? part.refusal : undefined;
      if (typeof text !== 'string') throw invalid(partAt, 'assistant content parts must be text or refusal');
      if (text.length > 0) blocks.push(textBlock(text, part));
    });
  } else if (content != null) {
    throw invalid(`${at}.content`, 'must be a string, an array of text parts or null');
  }
  if (message.tool_calls != null) {
    if (!Array.isArray(message.tool_calls)) throw invalid(`${at}.tool_calls`, 'must be an array');
    message.tool_calls.forEach((call, j) => blocks.push(toolUseBlock(call, `${at}.tool_calls[${j}]`)));
  }
  return blocks;
}

function toolUseBlock(call: JsonValue, at: string): ToolUseBlock {
  if (!isObject(call) || typeof call.id !== 'string' || !isObject(call.function) || typeof call.function.name !== 'string') {
    throw invalid(at, 'a tool call needs an id and function.name');
  }
  const args = call.function.arguments;
  let input: JsonValue = {};
  if (typeof args === 'string' && args.trim().length > 0) {
    try {
      input = JSON.parse(args) as JsonValue;
    } catch {
      throw invalid(`${at}.function.arguments`, 'is not valid JSON');
    }
  } else if (args != null && typeof args !== 'string') {
    throw invalid(`${at}.function.arguments`, 'must be a JSON string');
  }
  return { type: 'tool_use', id: call.id, name: call.function.name, input };
}

function toolResultBlock(message: JsonObject, at: string): ToolResultBlock {
  if (typeof message.tool_call_id !== 'string') throw invalid(`${at}.tool_call_id`, 'is required on tool messages');
  const content = message.content;
  if (typeof content === 'string') return { type: 'tool_result', tool_use_id: message.tool_call_id, content };
  if (!Array.isArray(content)) throw invalid(`${at}.content`, 'must be a string or an array of content parts');
  const blocks = content.map((part, j) => {
    const block = contentPart(part, `${at}.content[${j}]`);
    if (block.type === 'document') throw invalid(`${at}.content[${j}]`, 'tool results may hold text and images only');
    return block;
  });
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content: blocks };
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
