/**
 * Cohere's v1 chat API (`POST /v1/chat`), LiteLLM's route for a `v1/` model
 * (`cohere_chat/v1/command-r`). The conversation is split as LiteLLM splits it: the last user turn
 * is `message`, trailing tool results are `tool_results`, everything before is `chat_history`
 * (`SYSTEM` / `USER` / `CHATBOT` / `TOOL`); function tools become `parameter_definitions`. The
 * answer's `text` / `tool_calls` / `meta.billed_units` become a `chat.completion`; the stream is
 * newline-delimited JSON (`text-generation`, `tool-calls-generation`, `stream-end`).
 */
import { readNdjsonLines } from './ndjson.js';
import type { JsonObject, JsonValue, StreamEvent } from '@sluice/plugin-sdk';
import { UpstreamError } from '@sluice/plugin-sdk';
import { CohereErrors, invalid } from './cohere-errors.js';
import { finishReasonOf } from './chat-response.js';

const UNSUPPORTED = new Set(['logit_bias', 'logprobs', 'top_logprobs', 'functions', 'function_call', 'audio', 'modalities', 'prediction', 'reasoning_effort', 'web_search_options', 'response_format', 'best_of', 'echo', 'suffix']);
const IGNORED = new Set(['user', 'stream', 'stream_options', 'parallel_tool_calls', 'service_tier', 'store', 'metadata', 'safety_identifier', 'prompt_cache_key', 'verbosity', 'tool_choice', 'model', 'messages']);
const MAPPED: Record<string, string> = { temperature: 'temperature', max_tokens: 'max_tokens', max_completion_tokens: 'max_tokens', n: 'num_generations', top_p: 'p', frequency_penalty: 'frequency_penalty', presence_penalty: 'presence_penalty', seed: 'seed' };

export function toCohereV1Request(body: JsonObject, model: string, stream: boolean, dropParams: boolean): JsonObject {
  const unsupported = Object.keys(body).filter((k) => UNSUPPORTED.has(k) && body[k] !== null && body[k] !== false);
  if (unsupported.length > 0 && !dropParams) throw CohereErrors.UNSUPPORTED_PARAMS({ params: JSON.stringify(unsupported), model }, { param: unsupported[0] });
  const out: JsonObject = { model, ...splitConversation(body.messages as JsonValue[]) };
  if (stream) out.stream = true;
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined || UNSUPPORTED.has(key) || IGNORED.has(key)) continue;
    if (key in MAPPED) out[MAPPED[key]!] = value;
    else if (key === 'stop') out.stop_sequences = typeof value === 'string' ? [value] : value;
    else if (key === 'tools') out.tools = (value as JsonValue[]).map(toV1Tool);
    else out[key] = value; // Cohere's own: preamble, connectors, documents, prompt_truncation, k…
  }
  if (body.max_completion_tokens != null) out.max_tokens = body.max_completion_tokens;
  return out;
}

function text(content: JsonValue | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => String((p as JsonObject)?.text ?? '')).join('');
  return JSON.stringify(content);
}

function parseArguments(args: JsonValue | undefined): JsonObject {
  if (args && typeof args === 'object' && !Array.isArray(args)) return args;
  try {
    const parsed: unknown = JSON.parse(typeof args === 'string' ? args : '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as JsonObject) : {};
  } catch {
    return {};
  }
}

/** A tool result's output: the JSON object it holds, else `{result: <text>}`. */
function outputOf(content: JsonValue | undefined): JsonObject {
  const s = text(content);
  try {
    const parsed: unknown = JSON.parse(s);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
  } catch {
    // plain text
  }
  return { result: s };
}

function splitConversation(messages: JsonValue[]): JsonObject {
  // tool_call_id → the call it answers, from the assistant turns seen so far.
  const calls = new Map<string, JsonObject>();
  const history: JsonObject[] = [];
  for (const [index, value] of messages.entries()) {
    const m = value as JsonObject;
    switch (m.role) {
      case 'system':
      case 'developer':
        history.push({ role: 'SYSTEM', message: text(m.content) });
        break;
      case 'user':
        history.push({ role: 'USER', message: text(m.content) });
        break;
      case 'assistant': {
        const entry: JsonObject = { role: 'CHATBOT', message: text(m.content) };
        if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
          entry.tool_calls = m.tool_calls.map((c) => {
            const fn = ((c as JsonObject).function ?? {}) as JsonObject;
            const call: JsonObject = { name: String(fn.name ?? ''), parameters: parseArguments(fn.arguments) };
            if (typeof (c as JsonObject).id === 'string') calls.set((c as JsonObject).id as string, call);
            return call;
          });
        }
        history.push(entry);
        break;
      }
      case 'tool': {
        const call = typeof m.tool_call_id === 'string' ? calls.get(m.tool_call_id) : undefined;
        if (!call) throw invalid(`messages[${index}].tool_call_id`, 'a tool result must answer a tool call of an earlier assistant message');
        const result = { call, outputs: [outputOf(m.content)] };
        const last = history.at(-1);
        if (last?.role === 'TOOL') (last.tool_results as JsonValue[]).push(result);
        else history.push({ role: 'TOOL', tool_results: [result] });
        break;
      }
      default:
        throw invalid(`messages[${index}].role`, `role ${JSON.stringify(m.role)} is not supported by Cohere`);
    }
  }
  const out: JsonObject = {};
  const last = history.pop();
  if (last?.role === 'TOOL') {
    out.message = '';
    out.tool_results = last.tool_results!;
  } else if (last?.role === 'USER') {
    out.message = last.message!;
  } else {
    if (last) history.push(last);
    out.message = '';
  }
  out.chat_history = history;
  // LiteLLM: tool results answering a user turn need force_single_step, or Cohere refuses them.
  if (out.tool_results && history.at(-1)?.role === 'USER') out.force_single_step = true;
  return out;
}

function toV1Tool(value: JsonValue): JsonObject {
  const fn = ((value as JsonObject)?.function ?? {}) as JsonObject;
  if (typeof fn.name !== 'string') throw invalid('tools', 'only function tools with a name');
  const params = (fn.parameters ?? {}) as JsonObject;
  const required = new Set(Array.isArray(params.required) ? params.required.map(String) : []);
  const definitions: JsonObject = {};
  for (const [name, def] of Object.entries((params.properties ?? {}) as JsonObject)) {
    const d = def as JsonObject;
    definitions[name] = { description: typeof d.description === 'string' ? d.description : '', type: typeof d.type === 'string' ? d.type : 'str', required: required.has(name) };
  }
  return { name: fn.name, description: typeof fn.description === 'string' ? fn.description : '', parameter_definitions: definitions };
}

function usageOfMeta(meta: JsonValue | undefined): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const billed = (((meta ?? {}) as JsonObject).billed_units ?? {}) as JsonObject;
  const prompt = typeof billed.input_tokens === 'number' ? billed.input_tokens : 0;
  const completion = typeof billed.output_tokens === 'number' ? billed.output_tokens : 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function toolCallsOf(res: JsonObject): JsonObject[] {
  const list = Array.isArray(res.tool_calls) ? res.tool_calls : [];
  const generation = typeof res.generation_id === 'string' ? res.generation_id : '';
  return list.map((c, i) => {
    const call = c as JsonObject;
    return { id: `call_${generation}${list.length > 1 ? `_${i}` : ''}`, type: 'function', function: { name: String(call.name ?? ''), arguments: JSON.stringify(call.parameters ?? {}) } };
  });
}

export function fromCohereV1Response(res: JsonObject, model: string, created: number): JsonObject {
  const toolCalls = toolCallsOf(res);
  const message: JsonObject = { role: 'assistant', content: toolCalls.length > 0 ? null : String(res.text ?? '') };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: typeof res.response_id === 'string' ? res.response_id : `chatcmpl-${created}`,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, finish_reason: toolCalls.length > 0 ? 'tool_calls' : finishReasonOf(res.finish_reason), logprobs: null }],
    usage: usageOfMeta(res.meta),
  };
}

/** The v1 stream (one JSON object per line) → OpenAI chunks, one batch per network read. */
export async function* v1ChunkBatches(body: AsyncIterable<Uint8Array>, opts: { model: string; created: number; includeUsage: boolean }): AsyncGenerator<StreamEvent[]> {
  let id = `chatcmpl-${opts.created}`;
  let ended = false;
  let toolCallsSeen = false;
  const chunk = (delta: JsonObject, finish: string | null): StreamEvent => {
    const json: JsonObject = { id, object: 'chat.completion.chunk', created: opts.created, model: opts.model, choices: [{ index: 0, delta, finish_reason: finish }] };
    return { data: JSON.stringify(json), json };
  };
  for await (const lines of readNdjsonLines(body)) {
    const batch: StreamEvent[] = [];
    for (const line of lines) {
      let e: JsonObject;
      try {
        e = JSON.parse(line) as JsonObject;
      } catch {
        throw new UpstreamError(`cohere sent an unreadable stream line: ${line.slice(0, 200)}`, { status: 502 });
      }
      switch (e.event_type) {
        case 'stream-start':
          if (typeof e.generation_id === 'string') id = e.generation_id;
          batch.push(chunk({ role: 'assistant', content: '' }, null));
          break;
        case 'text-generation':
          if (typeof e.text === 'string' && e.text) batch.push(chunk({ content: e.text }, null));
          break;
        case 'tool-calls-generation': {
          const calls = toolCallsOf({ tool_calls: e.tool_calls ?? [], generation_id: id });
          if (calls.length > 0) {
            toolCallsSeen = true;
            batch.push(chunk({ tool_calls: calls.map((c, index) => ({ index, ...c })) }, null));
          }
          break;
        }
        case 'stream-end': {
          ended = true;
          const response = (e.response ?? {}) as JsonObject;
          batch.push(chunk({}, toolCallsSeen ? 'tool_calls' : finishReasonOf(e.finish_reason)));
          if (opts.includeUsage) {
            const json: JsonObject = { id, object: 'chat.completion.chunk', created: opts.created, model: opts.model, choices: [], usage: usageOfMeta(response.meta) };
            batch.push({ data: JSON.stringify(json), json });
          }
          break;
        }
        default:
          break;
      }
    }
    if (batch.length > 0) yield batch;
  }
  if (!ended) throw new UpstreamError('the cohere stream ended before stream-end', { status: 0 });
}
