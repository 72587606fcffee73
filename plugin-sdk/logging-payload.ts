/**
 * LiteLLM's StandardLoggingPayload (docs page "logging_spec"): the one record every logging,
 * tracing and export integration sends, built from a spend event off the request path, for
 * successes and failures alike. Field names and shapes are LiteLLM's, so a destination that reads
 * what LiteLLM sends (a Langfuse dashboard, an S3 bucket's consumers, a webhook) reads this.
 *
 * Content (`messages`, `response`) is what the gateway actually sent and answered: the request body
 * after every preCall plugin (`SpendEvent.requestBody`, guardrail redactions applied) and the
 * response the client got (`FinalResponse.sent ?? text`, see logging-content.ts). It is redacted
 * by `turn_off_message_logging`, the per-request `mask_input` / `mask_output` metadata and the
 * `litellm-enable-message-redaction` header, and every string is cut to `maxStringLength` so a
 * queued record's size is bounded.
 */
import type { JsonObject, JsonValue } from './json.js';
import type { CallEndpoint, GuardrailRun, SpendEvent } from './hook-contexts.js';

export type StandardLoggingPayloadStatus = 'success' | 'failure';

export interface StandardLoggingUserAPIKeyMetadata {
  user_api_key_hash: string | null;
  user_api_key_alias: string | null;
  user_api_key_org_id: string | null;
  user_api_key_team_id: string | null;
  user_api_key_user_id: string | null;
  user_api_key_team_alias: string | null;
  user_api_key_end_user_id: string | null;
}

export interface StandardLoggingMetadata extends StandardLoggingUserAPIKeyMetadata {
  spend_logs_metadata: Record<string, unknown> | null;
  requester_ip_address: string | null;
  /** The request's own `metadata` (what the client sent), credentials removed. */
  requester_metadata: Record<string, unknown> | null;
}

export interface StandardLoggingHiddenParams {
  model_id: string | null;
  cache_key: string | null;
  api_base: string | null;
  response_cost: string | null;
  litellm_overhead_time_ms: number | null;
  additional_headers: Record<string, unknown> | null;
  batch_models: string[] | null;
  litellm_model_name: string | null;
}

export interface StandardLoggingPayloadErrorInformation {
  /** The HTTP status as a string, e.g. `"429"`. */
  error_code: string | null;
  /** LiteLLM's exception class, e.g. `RateLimitError` (`Openai.RateLimitError` when a deployment failed). */
  error_class: string | null;
  llm_provider: string | null;
  traceback: string | null;
  error_message: string | null;
}

/** LiteLLM's StandardLoggingGuardrailInformation: one guardrail's run (times in epoch seconds, duration in seconds). */
export interface StandardLoggingGuardrailInformation {
  guardrail_name: string;
  guardrail_mode: string;
  guardrail_response: string | null;
  guardrail_status: 'success' | 'guardrail_intervened' | 'guardrail_failed_to_respond';
  start_time: number;
  end_time: number;
  duration: number;
}

export interface StandardLoggingPayload {
  /** The gateway's request id (LiteLLM's `litellm_call_id`). */
  id: string;
  /** `metadata.trace_id` / `litellm_trace_id` of the request, else the request id. */
  trace_id: string;
  /** LiteLLM's call type: `acompletion`, `aembedding`, `aresponses`, `anthropic_messages`… */
  call_type: string;
  stream: boolean;
  response_cost: number;
  response_cost_failure_debug_info: null;
  status: StandardLoggingPayloadStatus;
  status_fields: { llm_api_status: StandardLoggingPayloadStatus; error_code: string | null };
  custom_llm_provider: string | null;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Epoch seconds (floats), as LiteLLM sends them. */
  startTime: number;
  endTime: number;
  /** Streams: when the first chunk arrived; otherwise `endTime`. */
  completionStartTime: number;
  /** Seconds: end − start (LiteLLM: time to first token for streams). */
  response_time: number;
  model_map_information: { model_map_key: string; model_map_value: null };
  /** The deployment's upstream model (LiteLLM: the model sent to the provider), else the group. */
  model: string;
  model_id: string | null;
  model_group: string | null;
  api_base: string;
  metadata: StandardLoggingMetadata;
  cache_hit: boolean | null;
  cache_key: string | null;
  saved_cache_cost: number;
  request_tags: string[];
  end_user: string | null;
  requester_ip_address: string | null;
  messages: JsonValue;
  response: JsonValue;
  error_str: string | null;
  error_information: StandardLoggingPayloadErrorInformation | null;
  model_parameters: Record<string, JsonValue>;
  hidden_params: StandardLoggingHiddenParams;
  /** The guardrails that ran on the call, passing ones included; null when none did. */
  guardrail_information: StandardLoggingGuardrailInformation[] | null;
}

/** LiteLLM's placeholder for redacted content. */
export const REDACTED_CONTENT = 'redacted-by-litellm';
/** Default cut for each string in logged content: bounds what a queued record holds. */
export const DEFAULT_LOGGED_STRING_LENGTH = 64 * 1024;

export interface StandardLoggingOptions {
  /** The response the client got, as JSON text or value (logging-content.ts); absent: `response` is `{}` (or the error on failures). */
  response?: string | JsonValue;
  /** LiteLLM's `litellm_settings.turn_off_message_logging`: messages and response logged as `redacted-by-litellm`. */
  turnOffMessageLogging?: boolean;
  /** LiteLLM's `litellm_settings.redact_user_api_key_info`: the `user_api_key_*` fields are null. */
  redactUserApiKeyInfo?: boolean;
  /** Longest string kept in `messages`, `response` and `model_parameters` (cut LiteLLM's way). Default 64 KiB. */
  maxStringLength?: number;
  /** Scrubs known secret values (`ctx.secrets.scrub`) from the error text. */
  scrub?: (text: string) => string;
}

const CALL_TYPES: Record<CallEndpoint, string> = {
  chat: 'acompletion',
  completions: 'atext_completion',
  embeddings: 'aembedding',
  rerank: 'arerank',
  responses: 'aresponses',
  messages: 'anthropic_messages',
  count_tokens: 'acount_tokens',
  image_generation: 'aimage_generation',
  image_edit: 'aimage_edit',
  image_variation: 'aimage_variation',
  audio_transcription: 'atranscription',
  audio_translation: 'atranslation',
  audio_speech: 'aspeech',
  moderation: 'amoderation',
  pass_through_endpoint: 'pass_through_endpoint',
  // A batch's spend is recorded when its results are retrieved and priced, as LiteLLM logs it.
  batch: 'aretrieve_batch',
};

/** LiteLLM's call type for an endpoint (`chat` → `acompletion`). */
export function litellmCallType(endpoint: CallEndpoint): string {
  return CALL_TYPES[endpoint] ?? endpoint;
}

const EXCEPTION_CLASS: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  408: 'Timeout',
  422: 'UnprocessableEntityError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  502: 'APIConnectionError',
  503: 'ServiceUnavailableError',
  504: 'Timeout',
};

/** LiteLLM's exception class of a failed call: `Openai.RateLimitError` when a deployment failed, else the bare class. */
export function litellmExceptionClass(event: Pick<SpendEvent, 'errorCode' | 'httpStatus' | 'deployment'>): string {
  // A budget refusal (BUDGET_*_EXCEEDED) is LiteLLM's BudgetExceededError.
  if (event.errorCode?.startsWith('BUDGET_') && event.errorCode.endsWith('_EXCEEDED')) return 'BudgetExceededError';
  const name = EXCEPTION_CLASS[event.httpStatus] ?? (event.httpStatus >= 500 ? 'APIError' : 'BadRequestError');
  const provider = event.deployment?.provider;
  return provider ? `${provider.charAt(0).toUpperCase()}${provider.slice(1)}.${name}` : name;
}

/** Body fields that are the call's content or the gateway's, not model parameters. */
const NOT_PARAMETERS = new Set(['model', 'messages', 'input', 'prompt', 'metadata', 'user', 'stream', 'litellm_metadata', 'litellm_disabled_callbacks', 'instructions', 'system', 'file', 'documents', 'query']);
/** Fields named like credentials, dropped from everything logged (a client may pass a provider key in the body). */
const CREDENTIAL_FIELD = /^(api_key|apikey|api_token|access_token|authorization|aws_access_key_id|aws_secret_access_key|aws_session_token|vertex_credentials)$|secret|password|credential/i;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Each event's payload without content, built once however many integrations log it. */
const built = new WeakMap<SpendEvent, StandardLoggingPayload>();

/**
 * The StandardLoggingPayload of a spend event. The part that does not depend on options is built
 * once per event and shared (treat it as read-only); content and redactions are applied per call.
 */
export function standardLoggingPayload(event: SpendEvent, opts: StandardLoggingOptions = {}): StandardLoggingPayload {
  let base = built.get(event);
  if (!base) {
    base = basePayload(event, opts.maxStringLength ?? DEFAULT_LOGGED_STRING_LENGTH, opts.scrub);
    built.set(event, base);
  }
  const max = opts.maxStringLength ?? DEFAULT_LOGGED_STRING_LENGTH;
  const body = event.requestBody?.();
  const metadata = obj(body?.metadata) ?? event.metadata;
  const header = headerValue(event, 'litellm-enable-message-redaction');
  const redactAll = (opts.turnOffMessageLogging === true || header === 'true') && headerValue(event, 'litellm-disable-message-redaction') !== 'true';
  const maskInput = redactAll || metadata.mask_input === true;
  const maskOutput = redactAll || metadata.mask_output === true;
  const content = body?.messages ?? body?.input ?? body?.prompt ?? null;
  const messages: JsonValue = maskInput ? REDACTED_CONTENT : (cutStrings(content, max, 0) as JsonValue);
  let response: JsonValue;
  if (maskOutput) response = REDACTED_CONTENT;
  else if (opts.response === undefined) response = event.status === 'failure' ? (base.error_str ?? {}) : {};
  else response = cutStrings(typeof opts.response === 'string' ? parseOrText(opts.response) : opts.response, max, 0) as JsonValue;
  const payload: StandardLoggingPayload = { ...base, messages, response };
  if (opts.redactUserApiKeyInfo) {
    payload.metadata = {
      ...base.metadata,
      user_api_key_hash: null,
      user_api_key_alias: null,
      user_api_key_org_id: null,
      user_api_key_team_id: null,
      user_api_key_user_id: null,
      user_api_key_team_alias: null,
      user_api_key_end_user_id: null,
    };
  }
  return payload;
}

function basePayload(event: SpendEvent, max: number, scrub: ((text: string) => string) | undefined): StandardLoggingPayload {
  const body = event.requestBody?.();
  const metadata = obj(body?.metadata) ?? event.metadata;
  const principal = event.principal;
  const pm = principal.metadata ?? {};
  const usage = event.usage;
  const start = event.startedAt / 1000;
  const end = event.endedAt / 1000;
  const firstToken = event.firstTokenAt !== undefined ? event.firstTokenAt / 1000 : end;
  const failed = event.status === 'failure';
  const errorText = failed ? (scrub ?? ((t: string) => t))(event.errorMessage ?? event.errorCode ?? `HTTP ${event.httpStatus}`) : null;
  const parameters: Record<string, JsonValue> = {};
  if (body) {
    for (const k in body) if (!NOT_PARAMETERS.has(k) && !CREDENTIAL_FIELD.test(k)) parameters[k] = cutStrings(body[k], max, 0) as JsonValue;
  }
  const requester = requesterMetadata(metadata, max);
  const traceId = str(metadata.trace_id) ?? str(metadata.litellm_trace_id) ?? str(metadata.existing_trace_id) ?? event.requestId;
  return {
    id: event.requestId,
    trace_id: traceId,
    call_type: litellmCallType(event.endpoint),
    stream: event.stream,
    response_cost: event.cost,
    response_cost_failure_debug_info: null,
    status: event.status,
    status_fields: { llm_api_status: event.status, error_code: failed ? String(event.httpStatus) : null },
    custom_llm_provider: event.deployment?.provider ?? null,
    total_tokens: usage.total_tokens,
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    startTime: start,
    endTime: end,
    completionStartTime: firstToken,
    response_time: event.stream && event.firstTokenAt !== undefined ? firstToken - start : end - start,
    model_map_information: { model_map_key: event.deployment?.model ?? event.model, model_map_value: null },
    model: event.deployment?.model ?? event.model,
    model_id: event.deployment?.id ?? null,
    model_group: event.deployment?.modelName ?? event.model,
    api_base: event.deployment?.apiBase ?? '',
    metadata: {
      user_api_key_hash: principal.keyHash ?? null,
      user_api_key_alias: principal.keyAlias ?? null,
      user_api_key_org_id: principal.organizationId ?? null,
      user_api_key_team_id: principal.teamId ?? null,
      user_api_key_user_id: principal.userId ?? null,
      user_api_key_team_alias: str(pm.team_alias),
      user_api_key_end_user_id: event.user ?? null,
      spend_logs_metadata: obj(metadata.spend_logs_metadata) ?? null,
      requester_ip_address: event.ip ?? null,
      requester_metadata: requester,
    },
    cache_hit: event.cacheHit ?? null,
    cache_key: event.cacheKey ?? null,
    saved_cache_cost: 0,
    request_tags: [...event.tags],
    end_user: event.user ?? null,
    requester_ip_address: event.ip ?? null,
    messages: null,
    response: null,
    error_str: errorText,
    error_information: failed
      ? {
          error_code: String(event.httpStatus),
          error_class: litellmExceptionClass(event),
          llm_provider: event.deployment?.provider ?? null,
          traceback: '',
          error_message: errorText,
        }
      : null,
    model_parameters: parameters,
    hidden_params: {
      model_id: event.deployment?.id ?? null,
      cache_key: event.cacheKey ?? null,
      api_base: event.deployment?.apiBase ?? null,
      response_cost: String(event.cost),
      litellm_overhead_time_ms: Math.round(event.overheadMs * 1000) / 1000,
      additional_headers: null,
      batch_models: null,
      litellm_model_name: event.deployment?.model ?? null,
    },
    guardrail_information: event.guardrails === undefined || event.guardrails.length === 0 ? null : event.guardrails.map(guardrailInformation),
  };
}

function guardrailInformation(run: GuardrailRun): StandardLoggingGuardrailInformation {
  return {
    guardrail_name: run.name,
    guardrail_mode: run.mode,
    guardrail_response: run.response ?? null,
    guardrail_status: run.status,
    start_time: run.startedAt / 1000,
    end_time: run.endedAt / 1000,
    duration: Math.max(0, run.endedAt - run.startedAt) / 1000,
  };
}

function requesterMetadata(metadata: Record<string, unknown>, max: number): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const k in metadata) {
    if (CREDENTIAL_FIELD.test(k) || k === '__proto__') continue;
    out[k] = cutStrings(metadata[k], max, 0);
    any = true;
  }
  return any ? out : null;
}

function headerValue(event: SpendEvent, name: string): string | undefined {
  const v = event.requestHeaders?.()[name];
  return (Array.isArray(v) ? v[0] : v)?.trim().toLowerCase();
}

/** The last response parsed: every integration logging a call gets the same text, parsed once. */
let lastText: string | undefined;
let lastValue: JsonValue = null;

function parseOrText(text: string): JsonValue {
  if (text === lastText) return lastValue;
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    value = text;
  }
  lastText = text;
  lastValue = value;
  return value;
}

/**
 * A copy with strings longer than `max` cut LiteLLM's way (first 35%, last 65%, the skipped count
 * between) and credential-named fields dropped; cut at a depth no request reaches.
 */
export function cutStrings(value: unknown, max: number, depth: number): unknown {
  // Most content has nothing to cut: shared as it is (read-only), no copy.
  if (depth === 0 && !needsCut(value, max, 0)) return value;
  return copyCut(value, max, depth);
}

/** True when `value` holds a string longer than `max`, a credential-named field, or nests too deep. */
function needsCut(value: unknown, max: number, depth: number): boolean {
  if (typeof value === 'string') return value.length > max;
  if (value === null || typeof value !== 'object') return false;
  if (depth > 32) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (needsCut(v, max, depth + 1)) return true;
    return false;
  }
  for (const k in value) {
    if (k === '__proto__' || CREDENTIAL_FIELD.test(k) || needsCut((value as Record<string, unknown>)[k], max, depth + 1)) return true;
  }
  return false;
}

function copyCut(value: unknown, max: number, depth: number): unknown {
  if (typeof value === 'string') return value.length > max ? cutString(value, max) : value;
  if (depth > 32) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => copyCut(v, max, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      if (k === '__proto__' || CREDENTIAL_FIELD.test(k)) continue;
      out[k] = copyCut((value as Record<string, unknown>)[k], max, depth + 1);
    }
    return out;
  }
  return value;
}

/** LiteLLM's cut (`_sanitize_request_body_for_spend_logs_payload`): the first 35% and the last 65% of `max`. */
export function cutString(value: string, max: number): string {
  const start = Math.floor(max * 0.35);
  const end = Math.floor(max * 0.65);
  const skipped = value.length - (start + end);
  // slice(-0) would keep the whole string: with no tail to keep, keep none.
  return `${value.slice(0, start)}... (litellm_truncated skipped ${skipped} chars) ...${end > 0 ? value.slice(-end) : ''}`;
}

/** The payload as a JSON object (for integrations typed on JSON). */
export function payloadJson(payload: StandardLoggingPayload): JsonObject {
  return payload as unknown as JsonObject;
}
