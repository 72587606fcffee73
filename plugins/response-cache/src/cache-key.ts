/**
 * The cache key, computed as LiteLLM's `Cache.get_cache_key` computes it: for each request
 * parameter that is an LLM API parameter (OpenAI's chat, text completion, embedding, responses,
 * transcription and rerank parameters, Anthropic's messages parameters; never `metadata`), the text
 * `<name>: <value>` with the value as Python prints it (`str()` at the top, `repr()` inside lists and
 * dicts: `[{'role': 'user', 'content': 'hi'}]`, `True`, `None`), concatenated and hashed with SHA-256,
 * then prefixed `<namespace>:` when a namespace applies. `model` is the model group the client named
 * and comes first, as in LiteLLM's kwargs; the other parameters follow in the body's order. Null
 * values do not count. With `enable_caching_on_provider_specific_optional_params`, other body fields
 * count too (except the gateway's own: `cache`, `caching`, `metadata`…).
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';

/** LiteLLM's `ModelParamHelper.get_all_llm_api_params()`, minus `metadata` and `litellm_metadata`. */
const LLM_API_PARAMS: ReadonlySet<string> = new Set([
  // chat completions (OpenAI), incl. streaming and LiteLLM's `thinking`
  'audio', 'frequency_penalty', 'function_call', 'functions', 'logit_bias', 'logprobs', 'max_completion_tokens',
  'max_tokens', 'messages', 'modalities', 'model', 'n', 'parallel_tool_calls', 'prediction', 'presence_penalty',
  'prompt_cache_key', 'prompt_cache_retention', 'reasoning_effort', 'response_format', 'safety_identifier', 'seed',
  'service_tier', 'stop', 'store', 'stream', 'stream_options', 'temperature', 'tool_choice', 'tools', 'top_logprobs',
  'top_p', 'user', 'verbosity', 'web_search_options', 'thinking',
  // text completions
  'best_of', 'echo', 'prompt', 'suffix',
  // embeddings
  'input', 'dimensions', 'encoding_format',
  // responses
  'background', 'conversation', 'include', 'instructions', 'max_output_tokens', 'max_tool_calls',
  'previous_response_id', 'reasoning', 'text', 'truncation', 'context_management', 'prompt_cache_options',
  // transcription
  'file', 'language', 'timestamp_granularities', 'chunking_strategy',
  // rerank
  'query', 'documents', 'top_n', 'rank_fields', 'return_documents', 'max_chunks_per_doc', 'max_tokens_per_doc',
  // anthropic messages
  'system', 'stop_sequences', 'top_k', 'container', 'mcp_servers',
]);

/** Body fields that steer the gateway: never part of the key, even with provider-specific params on. */
const GATEWAY_FIELDS: ReadonlySet<string> = new Set([
  'cache', 'caching', 'metadata', 'litellm_metadata', 'proxy_server_request', 'tags', 'guardrails', 'fallbacks',
  'mock_response', 'extra_body', 'num_retries', 'context_window_fallbacks', 'user_api_key_alias',
]);

export interface KeyOptions {
  /** `cache.namespace` of the request, `metadata.redis_namespace`, or cache_params.namespace. */
  namespace: string | undefined;
  providerSpecificParams: boolean;
}

export function cacheKey(body: JsonObject, opts: KeyOptions): string {
  let source = `model: ${pyStr(body.model ?? null)}`;
  for (const name in body) {
    if (name === 'model') continue;
    const value = body[name];
    if (value === null || value === undefined) continue;
    if (LLM_API_PARAMS.has(name) || (opts.providerSpecificParams && !GATEWAY_FIELDS.has(name))) source += `${name}: ${pyStr(value)}`;
  }
  const hash = createHash('sha256').update(source).digest('hex');
  return opts.namespace ? `${opts.namespace}:${hash}` : hash;
}

/** Python's `str(value)` of the value `json.loads` would give. */
export function pyStr(value: JsonValue): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's `repr(value)` of the value `json.loads` would give. */
export function pyRepr(value: JsonValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + pyRepr(value[i]!);
    return out + ']';
  }
  let out = '{';
  let first = true;
  for (const key in value) {
    out += (first ? '' : ', ') + pyStringRepr(key) + ': ' + pyRepr(value[key]!);
    first = false;
  }
  return out + '}';
}

function pyNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  const s = String(n);
  // Python writes exponents with a sign and at least two digits: 1e-07, 1e+21.
  const e = s.indexOf('e');
  if (e === -1) return s;
  const sign = s[e + 1] === '-' ? '-' : '+';
  const digits = s.slice(e + (s[e + 1] === '-' || s[e + 1] === '+' ? 2 : 1));
  return `${s.slice(0, e)}e${sign}${digits.padStart(2, '0')}`;
}

/** `repr(str)`: single quotes unless the text has a ' and no ", then double quotes; control characters escaped. */
function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0xad) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}
