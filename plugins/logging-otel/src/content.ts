/**
 * The call's content in the shapes span attributes use: OTel GenAI's `{role, parts: [{type,
 * content}]}` messages (LiteLLM's _transform_messages_to_otel_semantic_conventions) read from any
 * of the gateway's wire formats (chat choices, text completions, Anthropic content blocks,
 * Responses API output items).
 */
import type { JsonValue } from '@sluice/plugin-sdk';

export interface GenAiMessage {
  role: string;
  parts: unknown[];
  finish_reason?: string;
  tool_calls?: unknown;
  tool_call_id?: unknown;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function parts(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (Array.isArray(content)) return content.map((p) => (obj(p) ? p : { type: 'text', content: String(p) }));
  if (content === null || content === undefined) return [];
  return [{ type: 'text', content: JSON.stringify(content) }];
}

/** Input messages: a chat `messages` list, or a prompt / input string or list (as one user message each). */
export function inputMessages(messages: JsonValue | undefined): GenAiMessage[] {
  if (messages === null || messages === undefined) return [];
  if (typeof messages === 'string') return [{ role: 'user', parts: parts(messages) }];
  if (!Array.isArray(messages)) return [{ role: 'user', parts: parts(messages) }];
  return messages.map((m) => {
    const msg = obj(m);
    if (!msg || typeof msg.role !== 'string') return { role: 'user', parts: parts(m) };
    const out: GenAiMessage = { role: msg.role, parts: parts(msg.content) };
    if (msg.tool_calls !== undefined) out.tool_calls = msg.tool_calls;
    if (msg.tool_call_id !== undefined) out.tool_call_id = msg.tool_call_id;
    return out;
  });
}

/** Output messages of a response in any of the gateway's formats; empty when it has none (embeddings). */
export function outputMessages(response: unknown): GenAiMessage[] {
  const r = obj(response);
  if (!r) return [];
  if (Array.isArray(r.choices)) {
    return r.choices.map((c) => {
      const choice = obj(c) ?? {};
      const message = obj(choice.message);
      const out: GenAiMessage = message
        ? { role: typeof message.role === 'string' ? message.role : 'assistant', parts: parts(message.content) }
        : { role: 'assistant', parts: parts(choice.text) };
      if (message?.tool_calls !== undefined) out.tool_calls = message.tool_calls;
      if (typeof choice.finish_reason === 'string') out.finish_reason = choice.finish_reason;
      return out;
    });
  }
  // Anthropic Messages: one assistant message of content blocks.
  if (r.type === 'message' && Array.isArray(r.content)) {
    const text = r.content.map(obj).filter((b) => b?.type === 'text').map((b) => ({ type: 'text', content: b!.text }));
    const out: GenAiMessage = { role: 'assistant', parts: text };
    if (typeof r.stop_reason === 'string') out.finish_reason = r.stop_reason;
    return [out];
  }
  // Responses API: message items of the output list.
  if (Array.isArray(r.output)) {
    return r.output
      .map(obj)
      .filter((i) => i?.type === 'message')
      .map((i) => ({
        role: typeof i!.role === 'string' ? i!.role : 'assistant',
        parts: (Array.isArray(i!.content) ? i!.content : []).map(obj).filter((c) => typeof c?.text === 'string').map((c) => ({ type: 'text', content: c!.text })),
      }));
  }
  return [];
}

/** The text of a message's parts (OpenInference's message.content, input.value). */
export function messageText(message: GenAiMessage | undefined): string {
  if (!message) return '';
  return message.parts
    .map((p) => {
      const part = obj(p);
      if (!part) return '';
      if (typeof part.content === 'string') return part.content;
      if (typeof part.text === 'string') return part.text;
      return '';
    })
    .join('');
}
