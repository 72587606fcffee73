/**
 * OpenAI chat request → Cohere v2 `/v2/chat` body. Cohere v2 takes OpenAI-shaped messages and
 * function tools, so most fields carry over; the renamed ones are `top_p` → `p`, `stop` →
 * `stop_sequences`, `max_completion_tokens` → `max_tokens`, `tool_choice` → `REQUIRED` / `NONE`,
 * `response_format` → `json_object` with `json_schema`. Parameters that are not OpenAI's
 * (`documents`, `citation_options`, `safety_mode`, `k`, `thinking`…) pass as they are, as LiteLLM
 * passes provider-specific parameters.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { CohereErrors, invalid } from './cohere-errors.js';

/** OpenAI parameters that have no Cohere field and change the answer: refused unless drop_params. */
const UNSUPPORTED = new Set(['logit_bias', 'logprobs', 'top_logprobs', 'functions', 'function_call', 'audio', 'modalities', 'prediction', 'reasoning_effort', 'web_search_options', 'best_of', 'echo', 'suffix']);
/** OpenAI parameters that do not change Cohere's answer: never sent (LiteLLM skips them too). */
const IGNORED = new Set(['user', 'stream', 'stream_options', 'parallel_tool_calls', 'service_tier', 'store', 'metadata', 'safety_identifier', 'prompt_cache_key', 'verbosity', 'n', 'model', 'messages']);
/** OpenAI parameters handled below. */
const MAPPED = new Set(['temperature', 'max_tokens', 'max_completion_tokens', 'top_p', 'frequency_penalty', 'presence_penalty', 'stop', 'seed', 'tools', 'tool_choice', 'response_format']);

export function toCohereChatRequest(body: JsonObject, model: string, stream: boolean, dropParams: boolean): JsonObject {
  const unsupported = Object.keys(body).filter((k) => UNSUPPORTED.has(k) && body[k] !== null && body[k] !== false);
  if (typeof body.n === 'number' && body.n > 1) unsupported.push('n');
  if (unsupported.length > 0 && !dropParams) throw CohereErrors.UNSUPPORTED_PARAMS({ params: JSON.stringify(unsupported), model }, { param: unsupported[0] });

  const out: JsonObject = { model, messages: toCohereMessages(body.messages) };
  if (stream) out.stream = true;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) out.max_tokens = maxTokens;
  if (body.temperature != null) out.temperature = body.temperature;
  if (body.top_p != null) out.p = body.top_p;
  if (body.frequency_penalty != null) out.frequency_penalty = body.frequency_penalty;
  if (body.presence_penalty != null) out.presence_penalty = body.presence_penalty;
  if (body.seed != null) out.seed = body.seed;
  if (body.stop != null) out.stop_sequences = typeof body.stop === 'string' ? [body.stop] : body.stop;
  Object.assign(out, toolFields(body.tools, body.tool_choice));
  const format = responseFormat(body.response_format);
  if (format) out.response_format = format;
  // Cohere's own parameters, as the client sent them.
  for (const key of Object.keys(body)) {
    if (UNSUPPORTED.has(key) || IGNORED.has(key) || MAPPED.has(key)) continue;
    if (body[key] !== undefined) out[key] = body[key]!;
  }
  return out;
}

function toCohereMessages(messages: JsonValue | undefined): JsonValue[] {
  const list = messages as JsonValue[];
  return list.map((value, index) => {
    const m = value as JsonObject;
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textContent(m.content, index) };
      case 'user':
        return { role: 'user', content: userContent(m.content, index) };
      case 'assistant': {
        const out: JsonObject = { role: 'assistant' };
        const text = m.content == null ? '' : textContent(m.content, index);
        if (text !== '') out.content = text;
        if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
          out.tool_calls = m.tool_calls.map((c) => {
            const call = c as JsonObject;
            const fn = (call.function ?? {}) as JsonObject;
            if (typeof fn.name !== 'string') throw invalid(`messages[${index}].tool_calls`, 'a tool call without function.name');
            const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
            return { id: String(call.id ?? fn.name), type: 'function', function: { name: fn.name, arguments: args } };
          });
          // Cohere wants the plan a tool-calling turn was made with; clients that never saw one send none.
          if (typeof m.tool_plan === 'string') out.tool_plan = m.tool_plan;
        }
        if (out.content === undefined && out.tool_calls === undefined) out.content = '';
        return out;
      }
      case 'tool':
        if (typeof m.tool_call_id !== 'string') throw invalid(`messages[${index}].tool_call_id`, 'a tool message needs the tool_call_id it answers');
        return { role: 'tool', tool_call_id: m.tool_call_id, content: textContent(m.content, index) };
      default:
        throw invalid(`messages[${index}].role`, `role ${JSON.stringify(m.role)} is not supported by Cohere (system, developer, user, assistant and tool are)`);
    }
  });
}

/** System, assistant and tool content: text only; parts are joined as one text. */
function textContent(content: JsonValue | undefined, index: number): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(`messages[${index}].content`, 'content must be a string or an array of parts');
  return content
    .map((part) => {
      const p = part as JsonObject;
      if (p?.type === 'text' && typeof p.text === 'string') return p.text;
      throw invalid(`messages[${index}].content`, `a ${JSON.stringify(p?.type)} part where Cohere takes text only`);
    })
    .join('');
}

/** User content: text and image_url parts, which Cohere v2 takes in OpenAI's own shape. */
function userContent(content: JsonValue | undefined, index: number): JsonValue {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalid(`messages[${index}].content`, 'content must be a string or an array of parts');
  return content.map((part): JsonValue => {
    const p = part as JsonObject;
    if (p?.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
    if (p?.type === 'image_url') {
      const image = p.image_url;
      const url = typeof image === 'string' ? image : (image as JsonObject | undefined)?.url;
      if (typeof url !== 'string') throw invalid(`messages[${index}].content`, 'an image_url part without a url');
      const detail = typeof image === 'object' && image !== null ? (image as JsonObject).detail : undefined;
      return { type: 'image_url', image_url: detail ? { url, detail } : { url } };
    }
    throw invalid(`messages[${index}].content`, `content part type ${JSON.stringify(p?.type)} is not supported by Cohere (text and image_url are)`);
  });
}

/** Function tools as Cohere v2 takes them; tool_choice narrowed to what Cohere can express. */
function toolFields(tools: JsonValue | undefined, choice: JsonValue | undefined): JsonObject {
  // tool_choice none: the tools are left out, so no call can be made.
  if (!Array.isArray(tools) || tools.length === 0 || choice === 'none') return {};
  const cleaned = tools.map((t, i) => {
    const tool = t as JsonObject;
    const fn = tool?.function as JsonObject | undefined;
    if (tool?.type !== 'function' || !fn || typeof fn.name !== 'string') throw invalid(`tools[${i}]`, 'only function tools with a name');
    const f: JsonObject = { name: fn.name };
    if (fn.description != null) f.description = fn.description;
    if (fn.parameters != null) f.parameters = fn.parameters;
    return { type: 'function', function: f };
  });
  const out: JsonObject = { tools: cleaned };
  if (choice === 'required') out.tool_choice = 'REQUIRED';
  const named = ((choice as JsonObject | undefined)?.function as JsonObject | undefined)?.name;
  if (typeof named === 'string') {
    // Cohere cannot force one function: it gets only that tool, and must call a tool.
    out.tools = cleaned.filter((t) => ((t as JsonObject).function as JsonObject).name === named);
    out.tool_choice = 'REQUIRED';
  }
  return out;
}

function responseFormat(format: JsonValue | undefined): JsonObject | undefined {
  const f = format as JsonObject | undefined;
  if (!f || typeof f !== 'object' || f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type === 'json_schema') {
    const schema = (f.json_schema as JsonObject | undefined)?.schema;
    return schema ? { type: 'json_object', json_schema: schema } : { type: 'json_object' };
  }
  throw invalid('response_format', `type ${JSON.stringify(f.type)} is not supported (text, json_object and json_schema are)`);
}
