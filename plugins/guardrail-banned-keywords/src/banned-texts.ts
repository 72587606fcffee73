/**
 * Which texts of a request and a response are checked for banned keywords. LiteLLM checks the
 * string `content` of each message and the first choice of a response; this also reads text parts
 * of multi-part messages, the completions `prompt` and every choice, since a keyword in any of
 * them reaches the model or the user just the same.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import type { KeywordMatcher } from './keyword-matcher.js';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first listed keyword in the first text that has one (LiteLLM checks message by message). */
function firstIn(matcher: KeywordMatcher, text: JsonValue | undefined): string | undefined {
  return typeof text === 'string' ? matcher.find(text) : undefined;
}

function inContent(matcher: KeywordMatcher, content: JsonValue | undefined): string | undefined {
  if (typeof content === 'string') return matcher.find(content);
  if (!Array.isArray(content)) return undefined;
  for (const part of content) {
    const found = isObject(part) && part.type === 'text' ? firstIn(matcher, part.text) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

export function bannedInRequest(matcher: KeywordMatcher, body: JsonObject): string | undefined {
  const messages = body.messages;
  if (Array.isArray(messages)) {
    for (const message of messages) {
      const found = isObject(message) ? inContent(matcher, message.content) : undefined;
      if (found !== undefined) return found;
    }
  }
  const prompt = body.prompt;
  if (typeof prompt === 'string') return matcher.find(prompt);
  if (Array.isArray(prompt)) {
    for (const p of prompt) {
      const found = firstIn(matcher, p); // token-id prompts (numbers) carry no text to check
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A whole response: each choice's message content (chat) or text (completions). */
export function bannedInResponse(matcher: KeywordMatcher, response: JsonObject): string | undefined {
  const choices = response.choices;
  if (!Array.isArray(choices)) return undefined;
  for (const choice of choices) {
    if (!isObject(choice)) continue;
    const found = isObject(choice.message) ? inContent(matcher, choice.message.content) : firstIn(matcher, choice.text);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * One streamed chunk. `states` holds, per choice index, where the automaton stopped at the end of
 * that choice's previous chunk, so a keyword split across chunks ("hel" + "lo") is still found.
 */
export function bannedInChunk(matcher: KeywordMatcher, chunk: JsonObject, states: Map<number, number>): string | undefined {
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return undefined;
  for (const choice of choices) {
    if (!isObject(choice)) continue;
    const text = isObject(choice.delta) ? choice.delta.content : choice.text;
    if (typeof text !== 'string' || text.length === 0) continue;
    const index = typeof choice.index === 'number' ? choice.index : 0;
    const scan = matcher.scan(text, states.get(index));
    if (scan.index !== -1) return matcher.keywords[scan.index];
    states.set(index, scan.state);
  }
  return undefined;
}
