/**
 * The Responses API's `response` object as Sluice builds it for deployments that only speak chat:
 * the request's echoed settings, output items from a chat completion, usage in Responses' names.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue, Usage } from '@sluice/plugin-sdk';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Item ids in OpenAI's style: a type prefix and 48 hex digits. */
export const itemId = (prefix: 'msg' | 'fc' | 'fco' | 'rs'): string => `${prefix}_${randomBytes(24).toString('hex')}`;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The response with no output yet: what `response.created` carries, and the base of the final one. */
export function responseSkeleton(id: string, body: JsonObject, createdAt: number): JsonObject {
  const or = (v: JsonValue | undefined, fallback: JsonValue): JsonValue => (v === undefined || v === null ? fallback : v);
  return {
    id,
    object: 'response',
    created_at: Math.floor(createdAt / 1000),
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: or(body.instructions, null),
    max_output_tokens: or(body.max_output_tokens, null),
    model: String(body.model),
    output: [],
    parallel_tool_calls: or(body.parallel_tool_calls, true),
    previous_response_id: or(body.previous_response_id, null),
    reasoning: isObject(body.reasoning) ? { effort: or(body.reasoning.effort, null), summary: or(body.reasoning.summary, null) } : { effort: null, summary: null },
    store: or(body.store, true),
    temperature: or(body.temperature, 1),
    text: or(body.text, { format: { type: 'text' } }),
    tool_choice: or(body.tool_choice, 'auto'),
    tools: or(body.tools, []),
    top_p: or(body.top_p, 1),
    truncation: or(body.truncation, 'disabled'),
    usage: null,
    user: or(body.user, null),
    metadata: or(body.metadata, {}),
  };
}

/** Settles a skeleton: status from the chat finish reason, output items, usage. */
export function finishResponse(skeleton: JsonObject, output: JsonObject[], finishReason: string | undefined, usage: Usage | undefined): JsonObject {
  const incomplete = finishReason === 'length';
  return {
    ...skeleton,
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    output,
    usage: usage ? responsesUsage(usage) : null,
  };
}

/** A chat completion's first choice as output items: reasoning, the message, then its tool calls. */
export function outputItemsOf(completion: JsonObject): { items: JsonObject[]; finishReason: string | undefined } {
  const choice = Array.isArray(completion.choices) && isObject(completion.choices[0]) ? completion.choices[0] : {};
  const message = isObject(choice.message) ? choice.message : {};
  const items: JsonObject[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content) {
    items.push({ type: 'reasoning', id: itemId('rs'), summary: [{ type: 'summary_text', text: message.reasoning_content }] });
  }
  if (typeof message.content === 'string' && message.content) items.push(messageItem(itemId('msg'), message.content, 'completed'));
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call) || !isObject(call.function)) continue;
      items.push(functionCallItem(itemId('fc'), String(call.id ?? ''), String(call.function.name ?? ''), String(call.function.arguments ?? ''), 'completed'));
    }
  }
  return { items, finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined };
}

export function messageItem(id: string, text: string, status: 'in_progress' | 'completed'): JsonObject {
  return { id, type: 'message', status, role: 'assistant', content: status === 'completed' ? [outputText(text)] : [] };
}

export function outputText(text: string): JsonObject {
  return { type: 'output_text', text, annotations: [] };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: 'in_progress' | 'completed'): JsonObject {
  return { id, type: 'function_call', status, arguments: args, call_id: callId, name };
}

/** Chat usage (OpenAI's names, as the gateway reports it) in the Responses API's names. */
export function responsesUsage(u: Usage): JsonObject {
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const outDetails = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {};
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: num(details.cached_tokens) },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: num(outDetails.reasoning_tokens) },
    total_tokens: u.total_tokens || u.prompt_tokens + u.completion_tokens,
  };
}

/** A Responses `usage` object in OpenAI chat names, for spend. */
export function chatUsageOf(usage: JsonValue | undefined): Usage {
  if (!isObject(usage)) return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  const out: Usage = { prompt_tokens: input, completion_tokens: output, total_tokens: num(usage.total_tokens) || input + output };
  const cached = isObject(usage.input_tokens_details) ? num(usage.input_tokens_details.cached_tokens) : 0;
  if (cached > 0) out.prompt_tokens_details = { cached_tokens: cached };
  const reasoning = isObject(usage.output_tokens_details) ? num(usage.output_tokens_details.reasoning_tokens) : 0;
  if (reasoning > 0) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

/** Chat usage as a completion (or a stream's usage chunk) states it. */
export function usageOfChat(usage: JsonValue | undefined): Usage | undefined {
  if (!isObject(usage)) return undefined;
  const prompt = num(usage.prompt_tokens);
  const completion = num(usage.completion_tokens);
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: num(usage.total_tokens) || prompt + completion };
  for (const k of ['prompt_tokens_details', 'completion_tokens_details', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    if (usage[k] !== undefined && usage[k] !== null) out[k] = usage[k];
  }
  return out;
}

function num(v: JsonValue | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}
