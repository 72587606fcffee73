/**
 * What LlamaGuard is asked about: the last message of a chat (LiteLLM sends only that one, since
 * LlamaGuard reads a few thousand tokens at most), or the completions prompt. Text parts of
 * multi-part content are joined; images are not something LlamaGuard 7B can read.
 */
import type { CallEndpoint, JsonObject, JsonValue } from '@sluice/plugin-sdk';

export interface ModeratedMessage {
  /** `assistant` for a model turn (a prefill); everything else is the user's side of the conversation. */
  role: 'user' | 'assistant';
  text: string;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isObject(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter((t) => t.length > 0)
    .join('\n');
}

export function moderatedMessage(endpoint: CallEndpoint, body: JsonObject): ModeratedMessage | undefined {
  let message: ModeratedMessage | undefined;
  if (endpoint === 'chat' && Array.isArray(body.messages)) {
    const last = body.messages.at(-1);
    if (isObject(last)) message = { role: last.role === 'assistant' ? 'assistant' : 'user', text: textOf(last.content) };
  } else if (endpoint === 'completions') {
    const prompt = body.prompt;
    const text = typeof prompt === 'string' ? prompt : Array.isArray(prompt) ? prompt.filter((p): p is string => typeof p === 'string').join('\n') : '';
    message = { role: 'user', text };
  }
  return message && message.text.length > 0 ? message : undefined;
}
