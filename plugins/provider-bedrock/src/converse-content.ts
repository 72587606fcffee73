/** OpenAI message content (strings, text and image parts, tool calls, tool results) → Converse content blocks. */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { unsupported } from './bedrock-errors.js';

export type ContentBlock = JsonObject;

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const DATA_URL = /^data:image\/([a-z0-9.+-]+);base64,/i;

/** A message's `content`: a string, or parts; `role` decides which parts are allowed. */
export function toContentBlocks(content: JsonValue | undefined, where: string, role: 'system' | 'user' | 'assistant'): ContentBlock[] {
  if (content === undefined || content === null) return [];
  // An assistant turn that only calls tools often carries `content: ""`; Converse refuses blank text.
  if (typeof content === 'string') return role === 'assistant' && content.length === 0 ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw unsupported(`${where} must be a string or an array of parts`, where);
  const blocks: ContentBlock[] = [];
  content.forEach((raw, j) => {
    const part = object(raw);
    const at = `${where}[${j}]`;
    if (part?.type === 'text' && typeof part.text === 'string') {
      if (!(role === 'assistant' && part.text.length === 0)) blocks.push({ text: part.text });
    } else if (part?.type === 'image_url' && role === 'user') {
      blocks.push(imageBlock(part.image_url, `${at}.image_url`));
    } else {
      const allowed = role === 'user' ? 'text and image_url' : 'text';
      throw unsupported(`${at}: parts of type ${JSON.stringify(part?.type)} are not supported in ${role} messages (${allowed})`, at);
    }
    // LiteLLM's prompt caching: `cache_control` on a part puts a cache point right after it.
    if (part?.cache_control) blocks.push({ cachePoint: { type: 'default' } });
  });
  return blocks;
}

/** Bedrock takes image bytes inline only: a data: URL is unpacked, a web URL is refused. */
function imageBlock(value: JsonValue | undefined, where: string): ContentBlock {
  const url = typeof value === 'string' ? value : object(value)?.url;
  if (typeof url !== 'string') throw unsupported(`${where}.url is missing`, where);
  const m = DATA_URL.exec(url);
  if (!m) {
    if (/^https?:\/\//i.test(url)) {
      throw unsupported(`${where}: Bedrock does not fetch images from URLs; send the image inline as a base64 data: URL (data:image/png;base64,…)`, where);
    }
    throw unsupported(`${where}: only base64 data: URLs of images are supported`, where);
  }
  const subtype = m[1]!.toLowerCase();
  const format = subtype === 'jpg' ? 'jpeg' : subtype;
  if (!IMAGE_FORMATS.has(format)) throw unsupported(`${where}: image/${subtype} is not supported by Bedrock (png, jpeg, gif, webp)`, where);
  // The base64 text goes as it is: Converse's JSON protocol carries blob bytes base64-encoded.
  return { image: { format, source: { bytes: url.slice(m[0].length) } } };
}

/** An assistant's `tool_calls` → `toolUse` blocks (the arguments string becomes the JSON input). */
export function toToolUseBlocks(value: JsonValue | undefined, where: string): ContentBlock[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unsupported(`${where} must be an array`, where);
  return value.map((raw, k) => {
    const call = object(raw);
    const fn = object(call?.function);
    const at = `${where}[${k}]`;
    if (!call || typeof call.id !== 'string' || !fn || typeof fn.name !== 'string') {
      throw unsupported(`${at} must be {id, type: "function", function: {name, arguments}}`, at);
    }
    return { toolUse: { toolUseId: call.id, name: fn.name, input: parseArguments(fn.arguments, `${at}.function.arguments`) } };
  });
}

function parseArguments(value: JsonValue | undefined, where: string): JsonValue {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    throw unsupported(`${where} is not valid JSON; Bedrock takes tool input as a JSON document`, where);
  }
}

/** A `tool` message → a `toolResult` block (Converse carries tool results in the user's turn). */
export function toToolResultBlock(m: JsonObject, where: string): ContentBlock {
  if (typeof m.tool_call_id !== 'string') throw unsupported(`${where}.tool_call_id is missing`, `${where}.tool_call_id`);
  let content: ContentBlock[];
  if (typeof m.content === 'string') content = [{ text: m.content }];
  else if (Array.isArray(m.content)) {
    content = m.content.map((raw, j) => {
      const part = object(raw);
      if (part?.type !== 'text' || typeof part.text !== 'string') {
        throw unsupported(`${where}.content[${j}]: tool results may hold text parts only`, `${where}.content[${j}]`);
      }
      return { text: part.text };
    });
  } else throw unsupported(`${where}.content must be a string or text parts`, `${where}.content`);
  return { toolResult: { toolUseId: m.tool_call_id, content } };
}

/** The value when it is a JSON object (not an array, not null). */
export function object(value: JsonValue | undefined): JsonObject | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}
