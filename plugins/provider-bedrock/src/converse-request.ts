/**
 * OpenAI chat request → Bedrock Converse request. What Converse cannot express is refused with a
 * 400 naming the parameter (or dropped when the deployment sets LiteLLM's `drop_params`), never
 * silently changed.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { unsupported } from './bedrock-errors.js';
import { object, toContentBlocks, toToolResultBlock, toToolUseBlocks, type ContentBlock } from './converse-content.js';

/** A type, not an interface, so that it is a JsonValue as it is. */
type Turn = { role: 'user' | 'assistant'; content: ContentBlock[] };

export function toConverseRequest(body: JsonObject, dropParams: boolean): JsonObject {
  refuseWhatConverseLacks(body, dropParams);
  const { system, messages } = toMessages(body.messages);
  const out: JsonObject = { messages };
  if (system.length > 0) out.system = system;
  const inference = inferenceConfig(body);
  if (inference) out.inferenceConfig = inference;
  const tools = toolConfig(body);
  if (tools) out.toolConfig = tools;
  const output = outputConfig(body.response_format, dropParams);
  if (output) out.outputConfig = output;
  return out;
}

function toMessages(value: JsonValue | undefined): { system: ContentBlock[]; messages: Turn[] } {
  if (!Array.isArray(value)) throw unsupported('messages must be an array', 'messages');
  const system: ContentBlock[] = [];
  const messages: Turn[] = [];
  // Converse wants strictly alternating turns: consecutive messages of one role (parallel tool
  // results, a user note after them) become one turn, keeping every block in order.
  const push = (role: Turn['role'], blocks: ContentBlock[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  value.forEach((raw, i) => {
    const m = object(raw);
    const where = `messages[${i}]`;
    if (!m) throw unsupported(`${where} is not an object`, where);
    switch (m.role) {
      case 'system':
      case 'developer':
        // Converse takes the system prompt apart from the turns; a later system message joins it.
        system.push(...toContentBlocks(m.content, `${where}.content`, 'system'), ...cachePointFor(m));
        break;
      case 'user':
        push('user', [...toContentBlocks(m.content, `${where}.content`, 'user'), ...cachePointFor(m)]);
        break;
      case 'assistant':
        push('assistant', [...toContentBlocks(m.content, `${where}.content`, 'assistant'), ...toToolUseBlocks(m.tool_calls, `${where}.tool_calls`), ...cachePointFor(m)]);
        break;
      case 'tool':
        push('user', [toToolResultBlock(m, where)]);
        break;
      default:
        throw unsupported(`${where}.role ${JSON.stringify(m.role)} is not supported (system, developer, user, assistant, tool)`, `${where}.role`);
    }
  });
  return { system, messages };
}

/** LiteLLM's prompt caching: `cache_control` on a message marks a cache point after it. */
function cachePointFor(m: JsonObject): ContentBlock[] {
  return m.cache_control ? [{ cachePoint: { type: 'default' } }] : [];
}

function inferenceConfig(body: JsonObject): JsonObject | undefined {
  const out: JsonObject = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === 'number') out.maxTokens = maxTokens;
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.topP = body.top_p;
  // Converse refuses empty stop sequences; OpenAI treats them as none.
  const stop = typeof body.stop === 'string' ? [body.stop] : Array.isArray(body.stop) ? body.stop : [];
  const stopSequences = stop.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (stopSequences.length > 0) out.stopSequences = stopSequences;
  return Object.keys(out).length > 0 ? out : undefined;
}

function toolConfig(body: JsonObject): JsonObject | undefined {
  if (!Array.isArray(body.tools) || body.tools.length === 0) return undefined;
  // Converse has no "none": the only way to keep the model from calling tools is to offer none.
  if (body.tool_choice === 'none') return undefined;
  const tools = body.tools.map((raw, i) => {
    const tool = object(raw);
    const fn = object(tool?.function);
    if (!tool || tool.type !== 'function' || !fn || typeof fn.name !== 'string') {
      throw unsupported(`tools[${i}] must be {type: "function", function: {name, …}}`, `tools[${i}]`);
    }
    const spec: JsonObject = { name: fn.name, inputSchema: { json: fn.parameters ?? { type: 'object', properties: {} } } };
    if (typeof fn.description === 'string') spec.description = fn.description;
    if (typeof fn.strict === 'boolean') spec.strict = fn.strict;
    return { toolSpec: spec };
  });
  const out: JsonObject = { tools };
  const choice = toolChoice(body.tool_choice);
  if (choice) out.toolChoice = choice;
  return out;
}

function toolChoice(value: JsonValue | undefined): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto') return { auto: {} };
  if (value === 'required') return { any: {} };
  const name = object(object(value)?.function)?.name;
  if (typeof name === 'string') return { tool: { name } };
  throw unsupported(`tool_choice ${JSON.stringify(value)} is not supported (auto, required, none or {type: "function", function: {name}})`, 'tool_choice');
}

/** `json_schema` has a native Converse form; `json_object` (any JSON, no schema) has none. */
function outputConfig(value: JsonValue | undefined, dropParams: boolean): JsonObject | undefined {
  const format = object(value);
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_schema') {
    const spec = object(format.json_schema);
    if (!spec) throw unsupported('response_format.json_schema is missing', 'response_format');
    const jsonSchema: JsonObject = { schema: JSON.stringify(spec.schema ?? {}) };
    if (typeof spec.name === 'string') jsonSchema.name = spec.name;
    if (typeof spec.description === 'string') jsonSchema.description = spec.description;
    return { textFormat: { type: 'json_schema', structure: { jsonSchema } } };
  }
  if (dropParams) return undefined;
  throw unsupported(
    `response_format ${JSON.stringify(format.type)} is not supported: Converse constrains output only to a JSON schema (use response_format json_schema)`,
    'response_format',
  );
}

/** OpenAI parameters with no Converse equivalent, checked only when set to something other than their default. */
const WITHOUT_EQUIVALENT: [name: string, isSet: (v: JsonValue) => boolean][] = [
  ['n', (v) => typeof v === 'number' && v !== 1],
  ['logprobs', (v) => v === true],
  ['top_logprobs', (v) => typeof v === 'number'],
  ['logit_bias', (v) => !!object(v) && Object.keys(object(v)!).length > 0],
  ['frequency_penalty', (v) => typeof v === 'number' && v !== 0],
  ['presence_penalty', (v) => typeof v === 'number' && v !== 0],
  ['seed', (v) => typeof v === 'number'],
  ['parallel_tool_calls', (v) => v === false],
  ['reasoning_effort', (v) => typeof v === 'string'],
  ['audio', (v) => v !== null],
  ['modalities', (v) => Array.isArray(v) && v.includes('audio')],
  ['prediction', (v) => v !== null],
  ['functions', (v) => Array.isArray(v) && v.length > 0],
  ['function_call', (v) => v !== null],
];

function refuseWhatConverseLacks(body: JsonObject, dropParams: boolean): void {
  if (dropParams) return;
  for (const [name, isSet] of WITHOUT_EQUIVALENT) {
    const value = body[name];
    if (value !== undefined && isSet(value)) {
      throw unsupported(`${name}=${JSON.stringify(value)} has no equivalent in the Converse API (set litellm_params.drop_params: true to drop it)`, name);
    }
  }
}
