/**
 * Turning a chat/completions stream into one response and back, for plugins that inspect streamed
 * responses whole (`streaming: buffer`).
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

interface ToolCallAcc {
  index: number;
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

interface ChoiceAcc {
  index: number;
  role: string;
  content: string | null;
  text: string;
  toolCalls: Map<number, ToolCallAcc>;
  finishReason: JsonValue;
}

export function assembleStream(chunks: JsonObject[], endpoint: 'chat' | 'completions'): JsonObject {
  const choices = new Map<number, ChoiceAcc>();
  let head: JsonObject | undefined;
  let usage: JsonValue | undefined;
  for (const chunk of chunks) {
    head ??= chunk;
    if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage;
    for (const c of (Array.isArray(chunk.choices) ? chunk.choices : []) as JsonObject[]) {
      const index = typeof c.index === 'number' ? c.index : 0;
      let acc = choices.get(index);
      if (!acc) {
        acc = { index, role: 'assistant', content: null, text: '', toolCalls: new Map(), finishReason: null };
        choices.set(index, acc);
      }
      if (c.finish_reason !== undefined && c.finish_reason !== null) acc.finishReason = c.finish_reason;
      if (typeof c.text === 'string') acc.text += c.text;
      const delta = c.delta as JsonObject | undefined;
      if (!delta) continue;
      if (typeof delta.role === 'string') acc.role = delta.role;
      if (typeof delta.content === 'string') acc.content = (acc.content ?? '') + delta.content;
      for (const tc of (Array.isArray(delta.tool_calls) ? delta.tool_calls : []) as JsonObject[]) {
        const ti = typeof tc.index === 'number' ? tc.index : 0;
        let t = acc.toolCalls.get(ti);
        if (!t) {
          t = { index: ti, function: { name: '', arguments: '' } };
          acc.toolCalls.set(ti, t);
        }
        if (typeof tc.id === 'string') t.id = tc.id;
        if (typeof tc.type === 'string') t.type = tc.type;
        const fn = tc.function as JsonObject | undefined;
        if (fn && typeof fn.name === 'string') t.function.name += fn.name;
        if (fn && typeof fn.arguments === 'string') t.function.arguments += fn.arguments;
      }
    }
  }
  const out: JsonObject = {
    id: head?.id ?? null,
    object: endpoint === 'chat' ? 'chat.completion' : 'text_completion',
    created: head?.created ?? Math.floor(Date.now() / 1000),
    model: head?.model ?? null,
    choices: [...choices.values()]
      .sort((a, b) => a.index - b.index)
      .map((c): JsonObject => {
        if (endpoint === 'completions') return { index: c.index, text: c.text, finish_reason: c.finishReason, logprobs: null };
        const message: JsonObject = { role: c.role, content: c.content };
        if (c.toolCalls.size > 0) {
          message.tool_calls = [...c.toolCalls.values()].sort((a, b) => a.index - b.index).map((t) => ({ id: t.id ?? null, type: t.type ?? 'function', function: t.function }));
        }
        return { index: c.index, message, finish_reason: c.finishReason };
      }),
  };
  if (head?.system_fingerprint !== undefined) out.system_fingerprint = head.system_fingerprint;
  if (usage !== undefined) out.usage = usage;
  return out;
}

/** A whole response as stream chunks: one chunk per choice carrying its full content. */
export function responseToChunks(response: JsonObject, endpoint: 'chat' | 'completions'): JsonObject[] {
  const base = { id: response.id ?? null, object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: response.created ?? 0, model: response.model ?? null };
  const chunks: JsonObject[] = [];
  for (const c of (Array.isArray(response.choices) ? response.choices : []) as JsonObject[]) {
    if (endpoint === 'completions') {
      chunks.push({ ...base, choices: [{ index: c.index ?? 0, text: c.text ?? '', finish_reason: c.finish_reason ?? null, logprobs: null }] });
      continue;
    }
    const m = (c.message ?? {}) as JsonObject;
    const delta: JsonObject = { role: m.role ?? 'assistant', content: m.content ?? null };
    if (Array.isArray(m.tool_calls)) delta.tool_calls = (m.tool_calls as JsonObject[]).map((t, i) => ({ index: i, ...t }));
    chunks.push({ ...base, choices: [{ index: c.index ?? 0, delta, finish_reason: c.finish_reason ?? null }] });
  }
  if (response.usage !== undefined) chunks.push({ ...base, choices: [], usage: response.usage });
  return chunks;
}
