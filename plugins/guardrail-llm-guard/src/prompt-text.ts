/**
 * The text LLM Guard analyses, taken from the request as LiteLLM's `get_formatted_prompt` takes it:
 * chat messages (string content, the text parts of multi-part content, tool-call arguments), the
 * completions `prompt`, the embeddings `input`. Pieces are joined with a newline where LiteLLM
 * glues them together, so scanners do not see words that span two messages.
 */
import type { CallEndpoint, JsonObject, JsonValue } from '@sluice/plugin-sdk';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageTexts(message: JsonObject, into: string[]): void {
  const content = message.content;
  if (typeof content === 'string') into.push(content);
  else if (Array.isArray(content)) {
    for (const part of content) if (isObject(part) && part.type === 'text' && typeof part.text === 'string') into.push(part.text);
  }
  // Tool-call arguments are text the model reads back; a prompt can hide in them.
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const args = isObject(call) && isObject(call.function) ? call.function.arguments : undefined;
      if (typeof args === 'string') into.push(args);
    }
  }
}

/** Strings of a `prompt` / `input` value; token-id arrays carry no text. */
function stringsOf(value: JsonValue | undefined, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') into.push(item);
}

export function promptText(endpoint: CallEndpoint, body: JsonObject): string {
  const texts: string[] = [];
  if (endpoint === 'chat') {
    if (Array.isArray(body.messages)) for (const m of body.messages) if (isObject(m)) messageTexts(m, texts);
  } else if (endpoint === 'completions') stringsOf(body.prompt, texts);
  else stringsOf(body.input, texts);
  return texts.filter((t) => t.length > 0).join('\n');
}
