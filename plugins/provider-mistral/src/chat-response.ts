/**
 * Mistral's answers are OpenAI's format but for two things LiteLLM evens out: an empty `content`
 * string (→ null) and reasoning models' content lists (`[{type: 'thinking', thinking: […]},
 * {type: 'text', text}]` → `content` text and `reasoning_content`), in answers and stream deltas.
 */
import type { JsonObject, JsonValue, SseMessage, StreamEvent } from '@sluice/plugin-sdk';

export function normalizeCompletion(res: JsonObject): JsonObject {
  if (!Array.isArray(res.choices)) return res;
  for (const c of res.choices) {
    const message = (c as JsonObject)?.message as JsonObject | undefined;
    if (!message) continue;
    if (message.content === '') message.content = null;
    else if (Array.isArray(message.content)) {
      const { text, reasoning } = splitContent(message.content);
      message.content = text;
      if (reasoning) message.reasoning_content = reasoning;
    }
  }
  return res;
}

/** One stream event; only chunks whose delta carries a content list are parsed. */
export function normalizeStreamEvent(message: SseMessage): StreamEvent | undefined {
  const data = message.data;
  if (data.length === 0 || data === '[DONE]') return undefined;
  if (!data.includes('"content":[') && !data.includes('"content": [')) return { data };
  const chunk = JSON.parse(data) as JsonObject;
  for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
    const delta = (c as JsonObject)?.delta as JsonObject | undefined;
    if (!delta || !Array.isArray(delta.content)) continue;
    const { text, reasoning, thinkingBlocks } = splitContent(delta.content);
    delta.content = text;
    if (reasoning) {
      delta.reasoning_content = reasoning;
      delta.thinking_blocks = thinkingBlocks;
    }
  }
  return { data: JSON.stringify(chunk), json: chunk };
}

function splitContent(blocks: JsonValue[]): { text: string | null; reasoning: string | undefined; thinkingBlocks: JsonValue[] } {
  const texts: string[] = [];
  const thoughts: string[] = [];
  for (const b of blocks) {
    const block = b as JsonObject;
    if (block?.type === 'text') texts.push(String(block.text ?? ''));
    else if (block?.type === 'thinking' && Array.isArray(block.thinking)) {
      const thought = block.thinking.map((t) => ((t as JsonObject)?.type === 'text' ? String((t as JsonObject).text ?? '') : '')).join('');
      if (thought) thoughts.push(thought);
    }
  }
  return {
    text: texts.length > 0 ? texts.join('') : null,
    reasoning: thoughts.length > 0 ? thoughts.join('\n') : undefined,
    thinkingBlocks: thoughts.map((thinking) => ({ type: 'thinking', thinking, signature: 'mistral' })),
  };
}
