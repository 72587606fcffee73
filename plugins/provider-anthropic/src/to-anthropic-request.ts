/**
 * An OpenAI chat completions body → an Anthropic Messages request. Every key is either
 * translated, accepted because its value is OpenAI's default (so dropping it changes nothing), or
 * refused: a parameter Anthropic cannot honour is a 400 naming it, unless the operator chose
 * `drop_params`, as in LiteLLM. Nothing is silently lost.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import type { MessagesRequest, ToolChoice, ToolParam } from './anthropic-wire.js';
import { AnthropicRequestErrors, invalid } from './request-errors.js';
import { isObject, toAnthropicMessages } from './to-anthropic-messages.js';

export interface RequestOptions {
  /** max_tokens when the request has none: Anthropic requires it. */
  defaultMaxTokens: number;
  /** Drop parameters Anthropic cannot honour instead of refusing the request. */
  dropParams: boolean;
}

/** Keys translated below (stream_options is read by the stream translator). */
const TRANSLATED = new Set([
  'model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k',
  'stop', 'tools', 'tool_choice', 'parallel_tool_calls', 'user', 'response_format',
]);

/** OpenAI defaults: a request that states them asks for nothing Anthropic would not do anyway. */
const HARMLESS_DEFAULTS: Record<string, JsonValue> = { n: 1, presence_penalty: 0, frequency_penalty: 0, logprobs: false };

export function toAnthropicRequest(body: JsonObject, stream: boolean, options: RequestOptions): MessagesRequest {
  refuseUnsupported(body, options.dropParams);
  const { system, messages } = toAnthropicMessages(body.messages);
  const out: MessagesRequest = { model: String(body.model), max_tokens: maxTokens(body, options.defaultMaxTokens), messages };
  if (system !== undefined) out.system = system;
  for (const key of ['temperature', 'top_p', 'top_k'] as const) {
    const value = body[key];
    if (value == null) continue;
    if (typeof value !== 'number') throw invalid(key, 'must be a number');
    out[key] = value;
  }
  const stop = stopSequences(body.stop);
  if (stop) out.stop_sequences = stop;
  if (body.user != null) {
    if (typeof body.user !== 'string') throw invalid('user', 'must be a string');
    out.metadata = { user_id: body.user };
  }
  Object.assign(out, toolsOf(body));
  if (stream) out.stream = true;
  return out;
}

function refuseUnsupported(body: JsonObject, dropParams: boolean): void {
  const unsupported: string[] = [];
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (value == null || TRANSLATED.has(key)) continue;
    if (key in HARMLESS_DEFAULTS && value === HARMLESS_DEFAULTS[key]) continue;
    unsupported.push(key);
  }
  // JSON mode and structured outputs have no counterpart in this API version, and emulating them
  // with a forced tool call would answer something else than what was asked.
  const format = body.response_format;
  if (format != null && !(isObject(format) && format.type === 'text')) unsupported.push('response_format');
  if (unsupported.length === 0 || dropParams) return;
  throw AnthropicRequestErrors.UNSUPPORTED_PARAMS({ params: unsupported.join(', ') }, { param: unsupported[0] });
}

function maxTokens(body: JsonObject, fallback: number): number {
  // max_completion_tokens is OpenAI's current name; max_tokens its deprecated one.
  for (const key of ['max_completion_tokens', 'max_tokens'] as const) {
    const value = body[key];
    if (value == null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid(key, 'must be a non-negative integer');
    return value;
  }
  return fallback;
}

function stopSequences(stop: JsonValue | undefined): string[] | undefined {
  if (stop == null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return stop as string[];
  throw invalid('stop', 'must be a string or an array of strings');
}

/** tools, tool_choice and parallel_tool_calls together: Anthropic folds the last two into one object. */
function toolsOf(body: JsonObject): Pick<MessagesRequest, 'tools' | 'tool_choice'> {
  const choice = body.tool_choice;
  // Anthropic's way to forbid tool use here is not to offer any.
  if (choice === 'none' || body.tools == null) return {};
  if (!Array.isArray(body.tools)) throw invalid('tools', 'must be an array');
  const tools = body.tools.map((tool, i) => toolParam(tool, `tools[${i}]`));
  let toolChoice: ToolChoice | undefined;
  if (choice == null) toolChoice = undefined;
  else if (choice === 'auto') toolChoice = { type: 'auto' };
  else if (choice === 'required') toolChoice = { type: 'any' };
  else if (isObject(choice) && choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string') {
    toolChoice = { type: 'tool', name: choice.function.name };
  } else throw invalid('tool_choice', 'must be "auto", "none", "required" or {type: "function", function: {name}}');
  if (body.parallel_tool_calls === false) toolChoice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return toolChoice ? { tools, tool_choice: toolChoice } : { tools };
}

function toolParam(tool: JsonValue, at: string): ToolParam {
  if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function) || typeof tool.function.name !== 'string') {
    throw invalid(at, 'only {type: "function", function: {name, description?, parameters?}} tools are supported');
  }
  const fn = tool.function;
  // A function without parameters takes none; Anthropic wants that said as an empty object schema.
  const out: ToolParam = { name: fn.name as string, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
  if (typeof fn.description === 'string') out.description = fn.description;
  if (isObject(tool.cache_control)) out.cache_control = tool.cache_control;
  return out;
}
