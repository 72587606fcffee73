/**
 * Chat `messages` → Responses input items: the way back, for a deployment that serves the
 * Responses API when a guardrail changed the messages (the redacted text must be what is sent).
 * System turns stay input items (role `system`), so `instructions` is no longer needed.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function messagesToItems(messages: readonly JsonValue[]): JsonObject[] {
  const items: JsonObject[] = [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    const role = String(m.role);
    if (role === 'tool') {
      items.push({ type: 'function_call_output', call_id: String(m.tool_call_id ?? ''), output: textOf(m.content) });
      continue;
    }
    const hasText = m.content !== null && m.content !== undefined && !(Array.isArray(m.content) && m.content.length === 0) && m.content !== '';
    if (role === 'assistant') {
      if (hasText) items.push({ type: 'message', role, content: [{ type: 'output_text', text: textOf(m.content), annotations: [] }] });
      if (Array.isArray(m.tool_calls)) {
        for (const call of m.tool_calls) {
          if (!isObject(call) || !isObject(call.function)) continue;
          items.push({ type: 'function_call', call_id: String(call.id ?? ''), name: String(call.function.name ?? ''), arguments: String(call.function.arguments ?? '') });
        }
      }
      continue;
    }
    items.push({ type: 'message', role, content: role === 'user' ? userParts(m.content) : textOf(m.content) });
  }
  return items;
}

function userParts(content: JsonValue | undefined): JsonValue {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content)) return [];
  const parts: JsonObject[] = [];
  for (const p of content) {
    if (!isObject(p)) continue;
    if (p.type === 'text') parts.push({ type: 'input_text', text: String(p.text ?? '') });
    else if (p.type === 'image_url' && isObject(p.image_url)) {
      parts.push({ type: 'input_image', image_url: String(p.image_url.url ?? ''), detail: typeof p.image_url.detail === 'string' ? p.image_url.detail : 'auto' });
    } else if (p.type === 'file' && isObject(p.file)) parts.push({ type: 'input_file', ...p.file });
  }
  return parts;
}

function textOf(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
  return '';
}
