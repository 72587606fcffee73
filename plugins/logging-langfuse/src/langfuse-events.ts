/**
 * A call's StandardLoggingPayload → Langfuse ingestion events (`trace-create` + `generation-create`),
 * LiteLLM's way (litellm/integrations/langfuse/langfuse.py `_log_langfuse_v2`): the request's
 * `metadata` steers the trace (trace_id, existing_trace_id, trace_name, session_id, trace_* keys,
 * update_trace_keys, debug_langfuse) and the generation (generation_name, generation_id, version,
 * prompt, parent_observation_id); mask_input / mask_output replace content by `redacted-by-litellm`.
 * Pure: no I/O, so the mapping is tested without a server.
 */
import { randomUUID } from 'node:crypto';
import { REDACTED_CONTENT, type JsonValue, type StandardLoggingPayload } from '@sluice/plugin-sdk';

export interface IngestionEvent {
  id: string;
  type: 'trace-create' | 'generation-create';
  timestamp: string;
  body: Record<string, unknown>;
}

export interface LangfuseEventOptions {
  /** LANGFUSE_RELEASE. */
  release?: string;
  /** litellm_settings.langfuse_default_tags. */
  defaultTags?: readonly string[];
  /** The provider response's id (LiteLLM's generation id is built from it). */
  responseId?: string;
  /** `langfuse_*` request headers (LiteLLM's add_metadata_from_header): override metadata keys. */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/** Metadata keys LiteLLM's langfuse logger consumes itself rather than logging them as metadata. */
const CONTROL_KEYS = new Set([
  'session_id', 'trace_name', 'trace_id', 'existing_trace_id', 'update_trace_keys', 'debug_langfuse', 'mask_input',
  'mask_output', 'generation_name', 'generation_id', 'version', 'prompt', 'parent_observation_id', 'tags',
]);
/** Metadata keys LiteLLM never logs (they may carry credentials or are internal). */
const DROPPED_KEYS = new Set(['headers', 'endpoint', 'caching_groups', 'previous_models']);
/** `trace_<field>` metadata → the trace-create body's field. */
const TRACE_FIELDS: Record<string, string> = {
  user_id: 'userId',
  session_id: 'sessionId',
  metadata: 'metadata',
  version: 'version',
  release: 'release',
  name: 'name',
  tags: 'tags',
  public: 'public',
  input: 'input',
  output: 'output',
};

const iso = (epochSeconds: number) => new Date(Math.round(epochSeconds * 1000)).toISOString();
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The request's metadata (as logged) with `langfuse_*` headers applied over it. */
export function requestMetadata(payload: StandardLoggingPayload, headers: LangfuseEventOptions['headers']): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...(payload.metadata.requester_metadata ?? {}) };
  for (const name in headers ?? {}) {
    if (!name.startsWith('langfuse_')) continue;
    const v = headers![name];
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined) metadata[name.slice('langfuse_'.length)] = value;
  }
  return metadata;
}

/** The generation's input: `{messages}` plus the call's tools, or the redaction marker. */
function inputOf(payload: StandardLoggingPayload, masked: boolean): JsonValue {
  if (masked || payload.messages === REDACTED_CONTENT) return REDACTED_CONTENT;
  const input: Record<string, JsonValue> = { messages: payload.messages };
  if (payload.model_parameters.tools !== undefined) input.tools = payload.model_parameters.tools;
  if (payload.model_parameters.functions !== undefined) input.functions = payload.model_parameters.functions;
  return input;
}

/** The generation's output as LiteLLM picks it per call type (the assistant message for chat, the text for completions…). */
export function outputOf(payload: StandardLoggingPayload): JsonValue {
  if (payload.status === 'failure') return payload.error_str ?? null;
  const r = payload.response;
  if (r === REDACTED_CONTENT || !isObject(r)) return r ?? null;
  switch (payload.call_type) {
    case 'acompletion': {
      const choice = Array.isArray(r.choices) ? r.choices[0] : undefined;
      return isObject(choice) ? ((choice.message ?? null) as JsonValue) : null;
    }
    case 'atext_completion': {
      const choice = Array.isArray(r.choices) ? r.choices[0] : undefined;
      return isObject(choice) ? ((choice.text ?? null) as JsonValue) : null;
    }
    case 'aembedding':
      return null;
    case 'aresponses':
      return (r.output ?? null) as JsonValue;
    case 'aimage_generation':
    case 'aimage_edit':
    case 'aimage_variation':
      return (r.data ?? null) as JsonValue;
    case 'atranscription':
    case 'atranslation':
      return (r.text ?? null) as JsonValue;
    case 'arerank':
      return (r.results ?? null) as JsonValue;
    case 'aspeech':
      return 'speech-output';
    default:
      return r;
  }
}

/** langfuse accepts str, int, bool and float parameters: anything else is sent as JSON text (LiteLLM casts with str()). */
function modelParameters(params: Record<string, JsonValue>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const k in params) {
    if (k === 'tools' || k === 'functions') continue;
    const v = params[k];
    out[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
  }
  return out;
}

function tagsOf(payload: StandardLoggingPayload, metadata: Record<string, unknown>, defaultTags: readonly string[]): string[] {
  const tags = new Set<string>(payload.request_tags);
  if (Array.isArray(metadata.tags)) for (const t of metadata.tags) if (typeof t === 'string') tags.add(t);
  for (const key of defaultTags) {
    if (key === 'cache_hit') tags.add(`cache_hit:${payload.cache_hit ?? false}`);
    else if (key === 'cache_key') tags.add(`cache_key:${payload.cache_key ?? 'None'}`);
    else if (key in metadata) tags.add(`${key}:${typeof metadata[key] === 'string' ? metadata[key] : JSON.stringify(metadata[key])}`);
  }
  return [...tags];
}

/** LiteLLM's generation id: `time-HH-MM-SS-ffffff_<response id>` (litellm.utils.get_logging_id). */
function loggingId(startTime: number, responseId: string): string {
  const d = new Date(startTime * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const micros = Math.round((startTime % 1) * 1e6) % 1e6;
  return `time-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}-${pad(micros, 6)}_${responseId}`;
}

/** The ingestion events of one call: a trace (unless it only joins an existing trace) and its generation. */
export function langfuseEvents(payload: StandardLoggingPayload, opts: LangfuseEventOptions = {}): IngestionEvent[] {
  const metadata = requestMetadata(payload, opts.headers);
  const failed = payload.status === 'failure';
  const maskInput = metadata.mask_input === true || metadata.mask_input === 'true';
  const maskOutput = metadata.mask_output === true || metadata.mask_output === 'true';
  const input = inputOf(payload, maskInput);
  const output = failed ? outputOf(payload) : maskOutput ? REDACTED_CONTENT : outputOf(payload);
  const existingTraceId = str(metadata.existing_trace_id);
  const traceId = existingTraceId ?? str(metadata.trace_id) ?? payload.id;
  const debug = metadata.debug_langfuse === true || String(metadata.debug_langfuse).toLowerCase() === 'true';
  const endedAt = iso(payload.endTime);

  // What is left of the request's metadata once the logger's own keys are taken out.
  const rest: Record<string, unknown> = {};
  for (const k in metadata) if (!CONTROL_KEYS.has(k) && !DROPPED_KEYS.has(k)) rest[k] = metadata[k];

  const trace: Record<string, unknown> = { id: traceId };
  if (existingTraceId !== undefined) {
    // Join the trace; change only the fields the caller listed (LiteLLM: never overwrite a past trace).
    const keys = Array.isArray(metadata.update_trace_keys) ? metadata.update_trace_keys.filter((k): k is string => typeof k === 'string') : [];
    for (const key of keys) {
      if (key === 'input') trace.input = maskInput ? REDACTED_CONTENT : input;
      else if (key === 'output') trace.output = maskOutput ? REDACTED_CONTENT : output;
      else {
        const field = TRACE_FIELDS[key.replace(/^trace_/, '')];
        if (field && metadata[key] !== undefined) trace[field] = metadata[key];
      }
    }
    for (const k of Object.keys(rest)) if (k.startsWith('trace_')) delete rest[k];
  } else {
    trace.timestamp = iso(payload.startTime);
    trace.name = str(metadata.trace_name) ?? `litellm-${payload.call_type}`;
    const sessionId = str(metadata.session_id);
    if (sessionId !== undefined) trace.sessionId = sessionId;
    trace.input = maskInput ? REDACTED_CONTENT : input;
    if (!failed) trace.output = maskOutput ? REDACTED_CONTENT : output;
    const version = str(metadata.trace_version) ?? str(metadata.version);
    if (version !== undefined) trace.version = version;
    const endUser = payload.metadata.user_api_key_end_user_id;
    if (endUser) trace.userId = endUser;
    if (opts.release) trace.release = opts.release;
    for (const k of Object.keys(rest)) {
      if (!k.startsWith('trace_')) continue;
      const field = TRACE_FIELDS[k.slice('trace_'.length)];
      if (field && rest[k] !== undefined && rest[k] !== null) trace[field] = rest[k];
      delete rest[k];
    }
    trace.tags = tagsOf(payload, metadata, opts.defaultTags ?? []);
  }
  if (debug) trace.metadata = { ...(isObject(trace.metadata) ? trace.metadata : {}), metadata_passed_to_litellm: metadata };

  const alias = payload.metadata.user_api_key_alias;
  const generationName = str(metadata.generation_name) ?? (alias ? `litellm:${alias}` : `litellm-${payload.call_type}`);
  const usage = failed
    ? undefined
    : { input: payload.prompt_tokens, output: payload.completion_tokens, total: payload.total_tokens, unit: 'TOKENS', totalCost: payload.response_cost };
  const generation: Record<string, unknown> = {
    id: str(metadata.generation_id) ?? (opts.responseId ? loggingId(payload.startTime, opts.responseId) : randomUUID()),
    traceId,
    name: generationName,
    startTime: iso(payload.startTime),
    endTime: endedAt,
    completionStartTime: iso(payload.completionStartTime),
    model: payload.model,
    modelParameters: modelParameters(payload.model_parameters),
    input: maskInput ? REDACTED_CONTENT : input,
    output,
    level: failed ? 'ERROR' : 'DEFAULT',
    metadata: generationMetadata(payload, rest),
  };
  if (usage) {
    generation.usage = usage;
    generation.usageDetails = { input: payload.prompt_tokens, output: payload.completion_tokens, total: payload.total_tokens };
    generation.costDetails = { total: payload.response_cost };
  }
  if (failed) generation.statusMessage = typeof output === 'string' ? output : payload.error_str;
  const version = str(metadata.version);
  if (version !== undefined) generation.version = version;
  const parent = str(metadata.parent_observation_id);
  if (parent !== undefined) generation.parentObservationId = parent;
  const prompt = metadata.prompt;
  if (isObject(prompt) && typeof prompt.name === 'string' && typeof prompt.version === 'number') {
    generation.promptName = prompt.name;
    generation.promptVersion = prompt.version;
  }

  const events: IngestionEvent[] = [];
  // Joining an existing trace with nothing to update sends no trace event at all.
  if (existingTraceId === undefined || Object.keys(trace).length > 1) {
    events.push({ id: `${payload.id}-trace`, type: 'trace-create', timestamp: iso(payload.startTime), body: trace });
  }
  events.push({ id: `${payload.id}-generation`, type: 'generation-create', timestamp: endedAt, body: generation });
  return events;
}

/** LiteLLM's generation metadata: the gateway's fields, cost, hidden params, and the caller's own metadata under requester_metadata. */
function generationMetadata(payload: StandardLoggingPayload, requester: Record<string, unknown>): Record<string, unknown> {
  const m = payload.metadata;
  const out: Record<string, unknown> = {
    user_api_key_hash: m.user_api_key_hash,
    user_api_key_alias: m.user_api_key_alias,
    user_api_key_org_id: m.user_api_key_org_id,
    user_api_key_team_id: m.user_api_key_team_id,
    user_api_key_user_id: m.user_api_key_user_id,
    user_api_key_team_alias: m.user_api_key_team_alias,
    user_api_key_end_user_id: m.user_api_key_end_user_id,
    requester_ip_address: m.requester_ip_address,
    litellm_response_cost: payload.response_cost,
    hidden_params: payload.hidden_params,
    cache_hit: payload.cache_hit ?? false,
    requester_metadata: requester,
  };
  if (m.spend_logs_metadata) out.spend_logs_metadata = m.spend_logs_metadata;
  if (payload.api_base) out.api_base = payload.api_base;
  if (payload.error_information) out.error_information = payload.error_information;
  return out;
}
