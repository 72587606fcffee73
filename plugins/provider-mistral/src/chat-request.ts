/**
 * OpenAI chat request → Mistral's `/v1/chat/completions` body, as LiteLLM's MistralConfig shapes
 * it: `max_completion_tokens` → `max_tokens`, `seed` → `random_seed`, `tool_choice: "required"`
 * → `"any"`; tool schemas without `$id` / `$schema` / `additionalProperties: false` / `strict`;
 * messages with text-only content lists joined into a string, `name` kept on tool messages only,
 * empty assistant turns left out, nulls removed (Mistral refuses unknown or null fields).
 * Mistral's own parameters (`safe_prompt`, `random_seed`, `prompt_mode`…) pass as they are.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { invalid, MistralErrors } from './mistral-errors.js';

/** OpenAI parameters Mistral has no field for: refused unless drop_params. */
const UNSUPPORTED = new Set(['logit_bias', 'logprobs', 'top_logprobs', 'functions', 'function_call', 'audio', 'modalities', 'web_search_options', 'best_of', 'echo', 'suffix']);
/**
 * Never sent, as LiteLLM does not send them: fields that do not change Mistral's answer, and
 * `reasoning_effort` / `thinking` (LiteLLM drops them, or for reasoning models prepends its own
 * system prompt; Magistral models reason without it).
 */
const IGNORED = new Set(['user', 'stream_options', 'store', 'metadata', 'safety_identifier', 'verbosity', 'reasoning_effort', 'thinking']);

export interface ChatDefaults {
  dropParams: boolean;
  /** Mistral parameters set on the deployment (`safe_prompt`, `random_seed`, `prompt_mode`); the request's win. */
  params: JsonObject;
}

export function toMistralChatRequest(body: JsonObject, model: string, stream: boolean, defaults: ChatDefaults): JsonObject {
  const unsupported = Object.keys(body).filter((k) => UNSUPPORTED.has(k) && body[k] !== null && body[k] !== false);
  if (unsupported.length > 0 && !defaults.dropParams) throw MistralErrors.UNSUPPORTED_PARAMS({ params: JSON.stringify(unsupported), model }, { param: unsupported[0] });
  const out: JsonObject = { ...defaults.params };
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (value === null || value === undefined || UNSUPPORTED.has(key) || IGNORED.has(key)) continue;
    switch (key) {
      case 'messages':
        out.messages = toMistralMessages(value);
        break;
      case 'max_completion_tokens':
        out.max_tokens = value;
        break;
      case 'max_tokens':
        if (body.max_completion_tokens == null) out.max_tokens = value;
        break;
      case 'seed':
        out.random_seed = value;
        break;
      case 'tool_choice':
        out.tool_choice = value === 'required' ? 'any' : value;
        break;
      case 'tools':
        out.tools = cleanTools(value);
        break;
      case 'stream':
        if (value === true) out.stream = true;
        break;
      default:
        out[key] = value;
    }
  }
  out.model = model;
  if (stream) out.stream = true;
  return out;
}

function toMistralMessages(value: JsonValue): JsonValue[] {
  const out: JsonValue[] = [];
  (value as JsonValue[]).forEach((v, index) => {
    const m = { ...(v as JsonObject) };
    const content = contentOf(m.content, index);
    if (content === undefined) delete m.content;
    else m.content = content;
    // Mistral takes `name` on tool messages only (LiteLLM issue 6696).
    if (m.role !== 'tool' || (typeof m.name === 'string' && m.name.trim() === '')) delete m.name;
    if (Array.isArray(m.tool_calls)) {
      m.tool_calls = m.tool_calls.map((c) => {
        const call = c as JsonObject;
        const out: JsonObject = { type: 'function', function: call.function ?? {} };
        if (call.id != null) out.id = call.id;
        return out;
      });
    }
    for (const key of Object.keys(m)) if (m[key] === null || m[key] === undefined) delete m[key];
    if (m.role === 'assistant' && isEmptyAssistant(m)) return;
    out.push(m);
  });
  return out;
}

/** Text-only part lists become one string; lists with images or files stay lists (`file` → `file_id`). */
function contentOf(content: JsonValue | undefined, index: number): JsonValue | undefined {
  if (!Array.isArray(content)) return content ?? undefined;
  if (content.some((p) => ['image_url', 'file'].includes(String((p as JsonObject)?.type)))) {
    return content.map((p): JsonValue => {
      const part = p as JsonObject;
      if (part.type !== 'file') return part;
      const fileId = (part.file as JsonObject | undefined)?.file_id;
      if (typeof fileId !== 'string') throw invalid(`messages[${index}].content`, 'Mistral takes files by file_id only');
      return { type: 'file', file_id: fileId };
    });
  }
  return content.map((p) => String((p as JsonObject)?.text ?? '')).join('');
}

function isEmptyAssistant(m: JsonObject): boolean {
  return Object.keys(m).every((k) => k === 'role' || (k === 'content' && m.content === ''));
}

/** Tool schemas without the fields Mistral's grammar refuses. */
function cleanTools(tools: JsonValue): JsonValue {
  if (!Array.isArray(tools)) return tools;
  return tools.map((t) => {
    const tool = t as JsonObject;
    const fn = tool.function as JsonObject | undefined;
    if (!fn) return tool;
    const { strict: _strict, ...rest } = fn;
    if (rest.parameters !== undefined) rest.parameters = cleanSchema(rest.parameters);
    return { ...tool, function: rest };
  });
}

function cleanSchema(value: JsonValue, depth = 0): JsonValue {
  if (depth > 10 || !value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cleanSchema(v, depth + 1));
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$id' || k === '$schema' || (k === 'additionalProperties' && v === false)) continue;
    out[k] = cleanSchema(v, depth + 1);
  }
  return out;
}
