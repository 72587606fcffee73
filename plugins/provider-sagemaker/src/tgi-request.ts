/**
 * OpenAI chat request → the body of a sagemaker/ text-generation endpoint (Hugging Face TGI and
 * JumpStart containers): `{inputs: <prompt>, parameters: {...}, stream?}`, with LiteLLM's
 * parameter mapping. Parameters that are not OpenAI's go into `parameters` as given (top_k,
 * repetition_penalty, do_sample, return_full_text…), as LiteLLM passes provider-specific ones.
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import type { SagemakerSettings } from './deployment-settings.js';
import { buildPrompt, contentText, type PromptMessage } from './prompt-templates.js';
import { unsupported } from './sagemaker-errors.js';

/** OpenAI parameters sagemaker/ has no equivalent for: refused with LiteLLM's message unless drop_params. */
const UNSUPPORTED = new Set([
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'response_format',
  'seed',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'functions',
  'function_call',
  'reasoning_effort',
  'modalities',
  'audio',
  'prediction',
  'web_search_options',
  'service_tier',
  'store',
  'verbosity',
]);
/** Read elsewhere or meaningless to a text-generation endpoint. */
const NOT_FORWARDED = new Set(['model', 'messages', 'stream', 'stream_options', 'user', 'hf_model_name', 'metadata']);

export interface TgiRequest {
  body: JsonObject;
  /** The prompt, to cut an echoed prompt from the output and to estimate prompt tokens. */
  prompt: string;
}

export function toTgiRequest(body: JsonObject, endpointName: string, settings: SagemakerSettings, stream: boolean): TgiRequest {
  const parameters: JsonObject = {};
  const refused: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === null || NOT_FORWARDED.has(key)) continue;
    switch (key) {
      case 'temperature':
        // TGI refuses 0 ("`temperature` must be strictly positive"); LiteLLM sends 0.01 instead.
        parameters.temperature = value === 0 && !settings.allowZeroTemp ? 0.01 : value;
        break;
      case 'top_p':
      case 'stop':
        parameters[key] = value;
        break;
      case 'n':
        parameters.best_of = value;
        parameters.do_sample = true;
        break;
      case 'max_tokens':
        parameters.max_new_tokens = value === 0 ? 1 : value;
        break;
      case 'max_completion_tokens':
        parameters.max_new_tokens = value;
        break;
      default:
        if (UNSUPPORTED.has(key)) {
          if (!settings.dropParams) refused.push(key);
        } else parameters[key] = value;
    }
  }
  if (refused.length > 0) {
    throw unsupported(
      `sagemaker does not support parameters: ${JSON.stringify(refused)}, for model=${endpointName}. To drop these, set \`litellm.drop_params=True\` or for proxy:\n\n\`litellm_settings:\n drop_params: true\`\n`,
      refused[0],
    );
  }
  const messages = promptMessages(body.messages);
  const hfModelName = typeof body.hf_model_name === 'string' ? body.hf_model_name : settings.hfModelName;
  const prompt = buildPrompt(endpointName, hfModelName, settings.customPrompt, messages);
  // LiteLLM's key order: parameters, stream, inputs.
  const out: JsonObject = { parameters };
  if (stream) out.stream = true;
  out.inputs = prompt;
  return { body: out, prompt };
}

function promptMessages(value: JsonValue | undefined): PromptMessage[] {
  if (!Array.isArray(value)) return [];
  return value.map((m) => {
    const o = (m ?? {}) as JsonObject;
    return { role: String(o.role ?? 'user'), content: contentText(o.content) };
  });
}
