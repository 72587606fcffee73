/**
 * The text sent to Google: every chat message's text (LiteLLM concatenates the string contents of
 * all messages; text parts count here too), or the completions prompt. One message per line, so
 * words of two messages do not run together.
 */
import type { CallEndpoint, JsonObject, JsonValue } from '@sluice/plugin-sdk';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contentTexts(content: JsonValue | undefined, into: string[]): void {
  if (typeof content === 'string') into.push(content);
  else if (Array.isArray(content)) for (const part of content) if (isObject(part) && part.type === 'text' && typeof part.text === 'string') into.push(part.text);
}

export function moderatedText(endpoint: CallEndpoint, body: JsonObject): string {
  const texts: string[] = [];
  if (endpoint === 'chat' && Array.isArray(body.messages)) {
    for (const m of body.messages) if (isObject(m)) contentTexts(m.content, texts);
  } else if (endpoint === 'completions') {
    const prompt = body.prompt;
    if (typeof prompt === 'string') texts.push(prompt);
    else if (Array.isArray(prompt)) for (const p of prompt) if (typeof p === 'string') texts.push(p);
  }
  return texts.filter((t) => t.length > 0).join('\n');
}
