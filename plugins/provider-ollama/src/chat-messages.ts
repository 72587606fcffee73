/**
 * OpenAI chat messages → Ollama messages. The differences: images travel as base64 beside the
 * text, tool-call arguments are objects rather than JSON text, and a tool result names its
 * function (`tool_name`) where OpenAI gives the call's id.
 */
import type { AbortSignalLike, JsonObject, JsonValue } from '@sluice/plugin-sdk';
import type { ImageLoader } from './images.js';
import { OllamaErrors } from './ollama-errors.js';
import type { OllamaMessage, OllamaToolCall } from './ollama-wire.js';

interface MessageContent {
  text: string;
  imageUrls: string[];
}

/** Text parts joined by newlines (they are separate paragraphs to the client); image URLs in order. */
function readContent(content: JsonValue | undefined, index: number): MessageContent {
  if (content == null) return { text: '', imageUrls: [] };
  if (typeof content === 'string') return { text: content, imageUrls: [] };
  if (!Array.isArray(content)) throw OllamaErrors.INVALID_MESSAGE({ index, reason: 'content must be a string or an array of parts' });
  const texts: string[] = [];
  const imageUrls: string[] = [];
  for (const part of content) {
    const p = asObject(part);
    if (p?.type === 'text' || p?.type === 'refusal') texts.push(String(p.text ?? p.refusal ?? ''));
    else if (p?.type === 'image_url') {
      const image = p.image_url;
      const url = typeof image === 'string' ? image : asObject(image)?.url;
      if (typeof url !== 'string') throw OllamaErrors.INVALID_MESSAGE({ index, reason: 'image_url part without a url' });
      imageUrls.push(url);
    } else throw OllamaErrors.INVALID_MESSAGE({ index, reason: `content part type ${JSON.stringify(p?.type)} is not supported by Ollama (text and image_url are)` });
  }
  return { text: texts.join('\n'), imageUrls };
}

export async function toOllamaMessages(messages: JsonValue | undefined, loadImage: ImageLoader, signal: AbortSignalLike): Promise<OllamaMessage[]> {
  if (!Array.isArray(messages)) throw OllamaErrors.INVALID_MESSAGE({ index: 0, reason: 'messages must be an array' });
  // tool_call_id → function name, from the assistant turns seen so far.
  const toolNames = new Map<string, string>();
  // Every message is translated before any image is fetched: a bad message fails the call at once.
  const translated = messages.map((value, index) => {
    const m = asObject(value);
    if (!m) throw OllamaErrors.INVALID_MESSAGE({ index, reason: 'a message must be an object' });
    const { text, imageUrls } = readContent(m.content, index);
    const out: OllamaMessage = { role: 'user', content: text };
    switch (m.role) {
      case 'system':
      case 'developer':
        out.role = 'system';
        break;
      case 'user':
        break;
      case 'assistant': {
        out.role = 'assistant';
        if (typeof m.reasoning_content === 'string' && m.reasoning_content) out.thinking = m.reasoning_content;
        const calls = Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => toOllamaToolCall(c, index, toolNames)) : [];
        if (calls.length > 0) out.tool_calls = calls;
        break;
      }
      case 'tool': {
        out.role = 'tool';
        const name = typeof m.tool_call_id === 'string' ? toolNames.get(m.tool_call_id) : undefined;
        if (name) out.tool_name = name;
        break;
      }
      case 'function': // the deprecated form of a tool result
        out.role = 'tool';
        if (typeof m.name === 'string') out.tool_name = m.name;
        break;
      default:
        throw OllamaErrors.INVALID_MESSAGE({ index, reason: `role ${JSON.stringify(m.role)} is not supported` });
    }
    return { out, imageUrls };
  });
  // Images of all messages are fetched concurrently.
  return Promise.all(
    translated.map(async ({ out, imageUrls }) => {
      if (imageUrls.length > 0) out.images = await Promise.all(imageUrls.map((url) => loadImage(url, signal)));
      return out;
    }),
  );
}

function toOllamaToolCall(value: JsonValue, index: number, toolNames: Map<string, string>): OllamaToolCall {
  const fn = asObject(asObject(value)?.function);
  if (!fn || typeof fn.name !== 'string') throw OllamaErrors.INVALID_MESSAGE({ index, reason: 'a tool call without function.name' });
  const id = asObject(value)?.id;
  if (typeof id === 'string') toolNames.set(id, fn.name);
  return { function: { name: fn.name, arguments: parseArguments(fn.arguments, index) } };
}

function parseArguments(args: JsonValue | undefined, index: number): JsonObject {
  if (args == null || args === '') return {};
  if (typeof args === 'object' && !Array.isArray(args)) return args;
  if (typeof args === 'string') {
    try {
      const parsed: unknown = JSON.parse(args);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
    } catch {
      // reported below
    }
  }
  throw OllamaErrors.INVALID_MESSAGE({ index, reason: 'tool call arguments must be a JSON object (Ollama takes them as an object)' });
}

/** OpenAI's tools, narrowed by tool_choice as far as Ollama can honour it (it cannot force a call). */
export function toOllamaTools(tools: JsonValue | undefined, toolChoice: JsonValue | undefined): JsonValue[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0 || toolChoice === 'none') return undefined;
  for (const t of tools) {
    if (asObject(t)?.type !== 'function') throw OllamaErrors.UNSUPPORTED_INPUT({ param: 'tools', reason: 'only function tools' }, { param: 'tools' });
  }
  const chosen = asObject(asObject(toolChoice)?.function)?.name;
  if (typeof chosen === 'string') return tools.filter((t) => asObject(asObject(t)?.function)?.name === chosen);
  return tools;
}

export function asObject(value: JsonValue | undefined): JsonObject | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}
