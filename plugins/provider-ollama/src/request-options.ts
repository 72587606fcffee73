/**
 * OpenAI request parameters → Ollama's `options`, `format`, `think` and `keep_alive`. What Ollama
 * cannot do is refused with a 400 naming the parameter, or left out when drop_params is set (as in
 * LiteLLM); it is never dropped without the operator having asked for it.
 */
import type { DeploymentConfig, JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { OllamaErrors } from './ollama-errors.js';
import type { OllamaRequestCommon } from './ollama-wire.js';

/** Ollama runner options LiteLLM passes through by name, from litellm_params or the request body. */
const OLLAMA_OPTION_NAMES = [
  'num_ctx', 'num_keep', 'num_batch', 'num_gpu', 'main_gpu', 'num_thread', 'top_k', 'min_p', 'typical_p', 'repeat_last_n',
  'repeat_penalty', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'penalize_newline', 'use_mmap', 'numa', 'low_vram',
];

/** OpenAI's name → Ollama's, where the meaning is the same. */
const SAMPLING: [string, string][] = [
  ['temperature', 'temperature'],
  ['top_p', 'top_p'],
  ['seed', 'seed'],
  ['frequency_penalty', 'frequency_penalty'],
  ['presence_penalty', 'presence_penalty'],
];

/** OpenAI's reasoning effort → Ollama's `think` (a level for models that have levels, like gpt-oss). */
const THINK_FOR_EFFORT: Record<string, JsonValue> = { none: false, minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'high' };

export interface DeploymentDefaults {
  options: JsonObject;
  keepAlive: JsonValue | undefined;
  /** LiteLLM's drop_params: leave out what Ollama cannot do instead of refusing the request. */
  dropParams: boolean;
}

/** What a deployment's litellm_params add to every request; computed once per deployment. */
export function deploymentDefaults(d: DeploymentConfig, dropParams: boolean): DeploymentDefaults {
  const options: JsonObject = {};
  for (const name of OLLAMA_OPTION_NAMES) if (d.params[name] !== undefined) options[name] = d.params[name] as JsonValue;
  return {
    options,
    keepAlive: d.params.keep_alive as JsonValue | undefined,
    dropParams: typeof d.params.drop_params === 'boolean' ? d.params.drop_params : dropParams,
  };
}

export function commonFields(body: JsonObject, defaults: DeploymentDefaults): Omit<OllamaRequestCommon, 'model' | 'stream'> {
  if (!defaults.dropParams) refuseUnsupported(body);
  const options: JsonObject = { ...defaults.options };
  for (const name of OLLAMA_OPTION_NAMES) if (body[name] !== undefined) options[name] = body[name]!;
  for (const [from, to] of SAMPLING) if (body[from] != null) options[to] = body[from]!;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) options.num_predict = maxTokens;
  if (typeof body.stop === 'string') options.stop = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) options.stop = body.stop;

  const out: Omit<OllamaRequestCommon, 'model' | 'stream'> = {};
  if (Object.keys(options).length > 0) out.options = options;
  const format = formatOf(body.response_format);
  if (format !== undefined) out.format = format;
  const think = body.think ?? (typeof body.reasoning_effort === 'string' ? THINK_FOR_EFFORT[body.reasoning_effort] : undefined);
  if (think !== undefined) out.think = think;
  const keepAlive = body.keep_alive ?? defaults.keepAlive;
  if (keepAlive !== undefined) out.keep_alive = keepAlive;
  return out;
}

/** `json_object` → `"json"`; `json_schema` → the schema itself, which Ollama enforces. */
function formatOf(responseFormat: JsonValue | undefined): JsonValue | undefined {
  if (!responseFormat || typeof responseFormat !== 'object' || Array.isArray(responseFormat)) return undefined;
  if (responseFormat.type === 'json_object') return 'json';
  if (responseFormat.type === 'json_schema') {
    const spec = responseFormat.json_schema;
    const schema = spec && typeof spec === 'object' && !Array.isArray(spec) ? spec.schema : undefined;
    if (!schema || typeof schema !== 'object') throw OllamaErrors.UNSUPPORTED_INPUT({ param: 'response_format', reason: 'json_schema needs json_schema.schema' }, { param: 'response_format' });
    return schema;
  }
  return undefined;
}

function refuseUnsupported(body: JsonObject): void {
  const refuse = (param: string, reason: string) => {
    throw OllamaErrors.UNSUPPORTED_PARAM({ param, reason }, { param });
  };
  if (typeof body.n === 'number' && body.n > 1) refuse('n', 'it returns one choice per request');
  if (typeof body.best_of === 'number' && body.best_of > 1) refuse('best_of', 'it returns one choice per request');
  if (body.echo === true) refuse('echo', 'it does not echo the prompt');
  if (body.logprobs === true || (typeof body.logprobs === 'number' && body.logprobs > 0)) refuse('logprobs', 'Sluice does not translate log probabilities');
  if (typeof body.top_logprobs === 'number' && body.top_logprobs > 0) refuse('top_logprobs', 'Sluice does not translate log probabilities');
  if (body.logit_bias && typeof body.logit_bias === 'object' && Object.keys(body.logit_bias).length > 0) refuse('logit_bias', 'it has no token biasing');
  if (body.functions !== undefined || body.function_call !== undefined) refuse('functions', 'use tools and tool_choice instead');
  if (body.audio != null || (Array.isArray(body.modalities) && body.modalities.includes('audio'))) refuse('audio', 'it produces text only');
  if (body.prediction != null) refuse('prediction', 'it has no predicted outputs');
}
