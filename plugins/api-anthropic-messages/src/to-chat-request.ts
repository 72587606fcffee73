/**
 * An Anthropic Messages request → an OpenAI chat completions body, as LiteLLM's
 * `LiteLLMAnthropicMessagesAdapter` maps it:
 * - `system` (string or text blocks) → a leading system message;
 * - user text/image/document blocks → content parts (images and PDFs as `image_url` data URLs);
 * - `tool_result` blocks → `tool` messages, placed before the rest of that user turn;
 * - assistant text → one string (parts when a block has cache_control), `tool_use` → `tool_calls`;
 * - tools' `input_schema` → function `parameters` (names over 64 characters truncated),
 *   `web_search_*` tools → `web_search_options`, other hosted tools kept as they are;
 * - tool_choice any/auto/tool/none → required/auto/{function}/none;
 * - max_tokens, temperature, top_p as they are, stop_sequences → stop, metadata.user_id → user,
 *   output_format / output_config.format → a strict json_schema response_format.
 * `top_k` and Anthropic-only fields have no chat counterpart and are not sent; `thinking` is
 * mapped per deployment (chat-call-body.ts).
 *
 * The result doubles as the chat-format view the preCall chain (guardrails) reads. Every text it
 * holds is recorded as a `TextSlot` with the way to write a changed text back into the native
 * request, so a redaction reaches a native call too (admitted-request.ts).
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { truncateToolName } from './tool-names.js';
import { isObject, type MessagesRequest } from './validate-request.js';

/** A text of the chat view: where it is, what it was, and how to put a new value in the native request. */
export interface TextSlot {
  /** Index in the view's `messages`. */
  message: number;
  /** Index of the content part, or -1 when the text is the message's whole `content`. */
  part: number;
  original: string;
  write(text: string): void;
}

export interface ChatTranslation {
  body: JsonObject;
  slots: TextSlot[];
  /** Truncated tool name → original (a shared empty map until a name is truncated). */
  toolNames: ReadonlyMap<string, string>;
  /** Whether any part, message or tool carries `cache_control` (kept for Claude deployments only). */
  cacheControl: boolean;
}

/** Most requests truncate no tool name: they share this one rather than make a Map each. */
const NO_TOOL_NAMES: ReadonlyMap<string, string> = new Map();

export function toChatRequest(request: MessagesRequest, stream: boolean): ChatTranslation {
  const t: ChatTranslation = { body: {}, slots: [], toolNames: NO_TOOL_NAMES, cacheControl: false };
  const messages: JsonObject[] = [];
  addSystem(request, messages, t);
  for (const message of request.messages) {
    if (message.role === 'user') addUser(message, messages, t);
    else addAssistant(message, messages, t);
  }
  const body: JsonObject = { model: request.model, messages };
  if (typeof request.max_tokens === 'number') body.max_tokens = request.max_tokens;
  if (typeof request.temperature === 'number') body.temperature = request.temperature;
  if (typeof request.top_p === 'number') body.top_p = request.top_p;
  if (Array.isArray(request.stop_sequences) && request.stop_sequences.length > 0) body.stop = request.stop_sequences;
  const metadata = request.metadata;
  if (isObject(metadata) && typeof metadata.user_id === 'string') body.user = metadata.user_id;
  addTools(request, body, t);
  const format = responseFormat(request);
  if (format) body.response_format = format;
  if (stream) {
    body.stream = true;
    // The Anthropic stream's message_delta carries usage: ask every chat upstream for it.
    body.stream_options = { include_usage: true };
  }
  t.body = body;
  return t;
}

function addSystem(request: MessagesRequest, out: JsonObject[], t: ChatTranslation): void {
  const system = request.system;
  if (typeof system === 'string') {
    if (system.length === 0) return;
    t.slots.push({ message: out.length, part: -1, original: system, write: (s) => (request.system = s) });
    out.push({ role: 'system', content: system });
  } else if (Array.isArray(system) && system.length > 0) {
    const parts: JsonObject[] = [];
    for (const block of system as JsonObject[]) {
      t.slots.push({ message: out.length, part: parts.length, original: block.text as string, write: (s) => (block.text = s) });
      parts.push(textPart(block.text as string, block, t));
    }
    out.push({ role: 'system', content: parts });
  }
}

function addUser(message: JsonObject, out: JsonObject[], t: ChatTranslation): void {
  const content = message.content;
  if (typeof content === 'string') {
    // LiteLLM skips an empty string turn.
    if (content.length === 0) return;
    t.slots.push({ message: out.length, part: -1, original: content, write: (s) => (message.content = s) });
    out.push({ role: 'user', content });
    return;
  }
  const blocks = content as JsonObject[];
  // Where each kept user part came from, for the slots recorded once the message's index is known.
  const parts: JsonObject[] = [];
  const partTexts: { block: JsonObject; index: number }[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        partTexts.push({ block, index: parts.length });
        parts.push(textPart(block.text as string, block, t));
        break;
      case 'image':
      case 'document': {
        const url = imageUrl(block.source);
        if (url) parts.push(withCacheControl({ type: 'image_url', image_url: { url } }, block, t));
        break;
      }
      case 'tool_result':
        out.push(toolMessage(block, out.length, t));
        break;
      default:
        break;
    }
  }
  if (parts.length === 0) return;
  const index = out.length;
  for (const { block, index: part } of partTexts) t.slots.push({ message: index, part, original: block.text as string, write: (s) => (block.text = s) });
  out.push({ role: 'user', content: parts });
}

function toolMessage(block: JsonObject, index: number, t: ChatTranslation): JsonObject {
  const message: JsonObject = { role: 'tool', tool_call_id: block.tool_use_id as string, content: '' };
  const content = block.content;
  if (typeof content === 'string') {
    message.content = content;
    t.slots.push({ message: index, part: -1, original: content, write: (s) => (block.content = s) });
  } else if (Array.isArray(content) && content.length === 1) {
    // One item: sent as a plain string (its text, or an image's URL), as LiteLLM does.
    const only = content[0]!;
    if (typeof only === 'string') {
      message.content = only;
      t.slots.push({ message: index, part: -1, original: only, write: (s) => ((block.content as JsonValue[])[0] = s) });
    } else if (isObject(only) && only.type === 'text' && typeof only.text === 'string') {
      message.content = only.text;
      t.slots.push({ message: index, part: -1, original: only.text, write: (s) => (only.text = s) });
    } else if (isObject(only) && only.type === 'image') {
      message.content = imageUrl(only.source) ?? '';
    }
  } else if (Array.isArray(content) && content.length > 1) {
    const parts: JsonObject[] = [];
    content.forEach((item, k) => {
      if (typeof item === 'string') {
        t.slots.push({ message: index, part: parts.length, original: item, write: (s) => ((block.content as JsonValue[])[k] = s) });
        parts.push({ type: 'text', text: item });
      } else if (isObject(item) && item.type === 'text' && typeof item.text === 'string') {
        t.slots.push({ message: index, part: parts.length, original: item.text, write: (s) => (item.text = s) });
        parts.push({ type: 'text', text: item.text });
      } else if (isObject(item) && item.type === 'image') {
        const url = imageUrl(item.source);
        if (url) parts.push({ type: 'image_url', image_url: { url } });
      }
    });
    if (parts.length > 0) message.content = parts;
  }
  return withCacheControl(message, block, t);
}

function addAssistant(message: JsonObject, out: JsonObject[], t: ChatTranslation): void {
  const content = message.content;
  if (typeof content === 'string') {
    t.slots.push({ message: out.length, part: -1, original: content, write: (s) => (message.content = s) });
    out.push({ role: 'assistant', content });
    return;
  }
  const blocks = content as JsonObject[];
  const texts: JsonObject[] = [];
  const toolCalls: JsonObject[] = [];
  for (const block of blocks) {
    if (block.type === 'text') texts.push(block);
    else if (block.type === 'tool_use') {
      const name = typeof block.name === 'string' && block.name.trim() ? block.name : 'litellm_unnamed_tool';
      const call: JsonObject = { id: block.id as string, type: 'function', function: { name: truncateToolName(name), arguments: JSON.stringify(block.input ?? {}) } };
      toolCalls.push(withCacheControl(call, block, t));
    }
    // thinking / redacted_thinking blocks carry a provider signature no chat upstream can check: not sent.
  }
  if (texts.length === 0 && toolCalls.length === 0) return;
  const index = out.length;
  const reply: JsonObject = { role: 'assistant', content: null };
  if (texts.some((b) => isObject(b.cache_control))) {
    reply.content = texts.map((b, part) => {
      t.slots.push({ message: index, part, original: b.text as string, write: (s) => (b.text = s) });
      return textPart(b.text as string, b, t);
    });
  } else if (texts.length > 0) {
    const joined = texts.map((b) => b.text as string).join('');
    reply.content = joined;
    // One string stands for several blocks: a changed text goes into the first and the others go.
    t.slots.push({
      message: index,
      part: -1,
      original: joined,
      write: (s) => {
        texts[0]!.text = s;
        if (texts.length > 1) message.content = blocks.filter((b) => b.type !== 'text' || b === texts[0]);
      },
    });
  }
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  out.push(reply);
}

function textPart(text: string, block: JsonObject, t: ChatTranslation): JsonObject {
  return withCacheControl({ type: 'text', text }, block, t);
}

function withCacheControl<T extends JsonObject>(target: T, source: JsonObject, t: ChatTranslation): T {
  if (isObject(source.cache_control)) {
    (target as JsonObject).cache_control = source.cache_control;
    t.cacheControl = true;
  }
  return target;
}

/** An image or document source → the URL a chat upstream takes: a base64 data URL or the source's URL. */
function imageUrl(source: JsonValue | undefined): string | undefined {
  if (!isObject(source)) return undefined;
  if (source.type === 'base64' && typeof source.data === 'string' && source.data) {
    const mediaType = typeof source.media_type === 'string' ? source.media_type : 'image/jpeg';
    return `data:${mediaType};base64,${source.data}`;
  }
  if (source.type === 'url' && typeof source.url === 'string') return source.url;
  return undefined;
}

/** Tool types Anthropic runs itself (`web_search_20250305`, `bash_…`): not functions. */
function isHostedTool(tool: JsonObject): boolean {
  return typeof tool.type === 'string' && tool.type !== 'custom';
}

function addTools(request: MessagesRequest, body: JsonObject, t: ChatTranslation): void {
  const choice = request.tool_choice;
  if (isObject(choice)) {
    if (choice.type === 'any') body.tool_choice = 'required';
    else if (choice.type === 'auto') body.tool_choice = 'auto';
    else if (choice.type === 'none') body.tool_choice = 'none';
    else if (choice.type === 'tool') body.tool_choice = { type: 'function', function: { name: truncateToolName(choice.name as string) } };
    // Anthropic's per-choice switch is OpenAI's request-wide one.
    if (choice.disable_parallel_tool_use === true && choice.type !== 'none') body.parallel_tool_calls = false;
  }
  if (!Array.isArray(request.tools) || request.tools.length === 0) return;
  const tools: JsonValue[] = [];
  (request.tools as JsonObject[]).forEach((tool, i) => {
    const toolType = typeof tool.type === 'string' ? tool.type : '';
    if (toolType.startsWith('web_search') || tool.name === 'web_search') {
      body.web_search_options = {};
      return;
    }
    if (isHostedTool(tool)) {
      tools.push(tool);
      return;
    }
    const original = typeof tool.name === 'string' && tool.name.trim() ? tool.name : `litellm_unnamed_tool_${i}`;
    const name = truncateToolName(original);
    if (name !== original) {
      if (t.toolNames === NO_TOOL_NAMES) t.toolNames = new Map();
      (t.toolNames as Map<string, string>).set(name, original);
    }
    const fn: JsonObject = { name };
    if (tool.description !== undefined) fn.description = tool.description;
    fn.parameters = isObject(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} };
    tools.push(withCacheControl({ type: 'function', function: fn }, tool, t));
  });
  if (tools.length > 0) body.tools = tools;
}

/** `output_format` (or the newer `output_config.format`) `{type: 'json_schema', schema}` → OpenAI's strict json_schema. */
function responseFormat(request: MessagesRequest): JsonObject | undefined {
  let format = request.output_format;
  if (!isObject(format) && isObject(request.output_config)) format = request.output_config.format;
  if (!isObject(format) || format.type !== 'json_schema' || !isObject(format.schema)) return undefined;
  return { type: 'json_schema', json_schema: { name: 'structured_output', schema: strictSchema(format.schema), strict: true } };
}

/** OpenAI's strict mode wants every object closed and every property required (a copy; the request is not changed). */
function strictSchema(schema: JsonValue): JsonValue {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strictSchema(s)]));
    else if ((k === '$defs' || k === 'definitions') && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strictSchema(s)]));
    else if (k === 'items' || k === 'anyOf' || k === 'oneOf' || k === 'allOf') out[k] = strictSchema(v);
    else out[k] = v;
  }
  if (out.type === 'object' && isObject(out.properties)) {
    out.additionalProperties = false;
    out.required = Object.keys(out.properties);
  }
  return out;
}
