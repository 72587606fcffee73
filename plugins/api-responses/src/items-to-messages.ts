/**
 * Responses input items → chat `messages` (LiteLLM's responses→chat bridge): messages with
 * input_text / input_image / input_file / output_text parts, `function_call` items as an
 * assistant turn's `tool_calls`, `function_call_output` items as `tool` messages. Items chat has
 * no form for (reasoning, item references, built-in tool calls) are left out.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function itemsToMessages(instructions: string | undefined, items: readonly JsonObject[]): JsonObject[] {
  const messages: JsonObject[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  for (const item of items) {
    switch (item.type) {
      case 'message': {
        const role = String(item.role);
        messages.push({ role: role === 'developer' ? 'system' : role, content: chatContent(role, item.content ?? '') });
        break;
      }
      case 'function_call': {
        const call: JsonObject = { id: String(item.call_id), type: 'function', function: { name: String(item.name ?? ''), arguments: String(item.arguments ?? '') } };
        // Parallel calls (and text said before them) are one assistant turn in chat; Anthropic insists.
        const last = messages[messages.length - 1];
        if (last && last.role === 'assistant') {
          const calls = Array.isArray(last.tool_calls) ? last.tool_calls : [];
          last.tool_calls = [...calls, call];
        } else {
          messages.push({ role: 'assistant', content: null, tool_calls: [call] });
        }
        break;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: outputText(item.output) });
        break;
      default:
        break;
    }
  }
  return messages;
}

/** A message's content in chat's form: text only for assistant and system turns, parts for user turns. */
function chatContent(role: string, content: JsonValue): JsonValue {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  if (role !== 'user') return content.map(partText).join('');
  const parts: JsonObject[] = [];
  for (const part of content) {
    if (!isObject(part)) continue;
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        parts.push({ type: 'text', text: String(part.text ?? '') });
        break;
      case 'input_image':
        if (typeof part.image_url === 'string') {
          parts.push({ type: 'image_url', image_url: { url: part.image_url, ...(typeof part.detail === 'string' && { detail: part.detail }) } });
        }
        break;
      case 'input_file': {
        const file: JsonObject = {};
        for (const k of ['file_data', 'file_id', 'filename'] as const) if (typeof part[k] === 'string') file[k] = part[k];
        parts.push({ type: 'file', file });
        break;
      }
      default:
        break;
    }
  }
  return parts;
}

function partText(part: JsonValue): string {
  if (!isObject(part)) return '';
  if (typeof part.text === 'string') return part.text;
  if (typeof part.refusal === 'string') return part.refusal;
  return '';
}

function outputText(output: JsonValue | undefined): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.map(partText).join('');
  return output === undefined || output === null ? '' : JSON.stringify(output);
}
