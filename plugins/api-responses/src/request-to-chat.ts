/**
 * A Responses request's parameters in chat-completions form (LiteLLM's bridge): flat function
 * tools → `{type: 'function', function}`, `max_output_tokens` → `max_tokens`, `text.format` →
 * `response_format`, `reasoning.effort` → `reasoning_effort`. Only what the client set is sent,
 * so a provider that refuses a parameter is only asked for what the client asked.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSet = (v: JsonValue | undefined): v is JsonValue => v !== undefined && v !== null;

/** Chat parameters of a Responses body, without `model`, `messages` and `stream`. */
export function chatParams(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  const tools = chatTools(body.tools);
  if (tools.length > 0) out.tools = tools;
  const toolChoice = chatToolChoice(body.tool_choice);
  if (toolChoice !== undefined && tools.length > 0) out.tool_choice = toolChoice;
  if (isSet(body.parallel_tool_calls) && tools.length > 0) out.parallel_tool_calls = body.parallel_tool_calls;
  if (isSet(body.max_output_tokens)) out.max_tokens = body.max_output_tokens;
  for (const key of ['temperature', 'top_p', 'user'] as const) if (isSet(body[key])) out[key] = body[key];
  const format = isObject(body.text) ? responseFormat(body.text.format) : undefined;
  if (format) out.response_format = format;
  if (isObject(body.reasoning) && typeof body.reasoning.effort === 'string') out.reasoning_effort = body.reasoning.effort;
  return out;
}

/** Responses tools are flat (`{type: 'function', name, parameters}`); built-in tools have no chat form. */
function chatTools(tools: JsonValue | undefined): JsonObject[] {
  if (!Array.isArray(tools)) return [];
  const out: JsonObject[] = [];
  for (const t of tools) {
    if (!isObject(t) || t.type !== 'function' || typeof t.name !== 'string') continue;
    const fn: JsonObject = { name: t.name };
    if (isSet(t.description)) fn.description = t.description;
    fn.parameters = isObject(t.parameters) ? t.parameters : { type: 'object', properties: {} };
    if (typeof t.strict === 'boolean') fn.strict = t.strict;
    out.push({ type: 'function', function: fn });
  }
  return out;
}

function chatToolChoice(choice: JsonValue | undefined): JsonValue | undefined {
  if (typeof choice === 'string') return choice;
  if (isObject(choice) && choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  return undefined;
}

function responseFormat(format: JsonValue | undefined): JsonObject | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type !== 'json_schema') return undefined;
  const schema: JsonObject = { name: String(format.name ?? 'response') };
  if (isSet(format.schema)) schema.schema = format.schema;
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  if (typeof format.description === 'string') schema.description = format.description;
  return { type: 'json_schema', json_schema: schema };
}
