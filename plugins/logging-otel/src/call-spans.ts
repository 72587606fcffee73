/**
 * A call's spans, LiteLLM's way: `litellm_request` (or the request's `metadata.generation_name`)
 * as a child of the client's span, carrying LiteLLM's attributes (set_attributes: `metadata.*`,
 * `hidden_params`, `gen_ai.*`, `llm.*`, content unless redacted) and, for arize, arize_phoenix and
 * langfuse_otel, the OpenInference / Langfuse attributes those tools read; under it
 * `raw_gen_ai_request`, the upstream call (its span id is the one sent upstream in `traceparent`),
 * and `gateway_overhead`, the gateway's own time. A call refused by a guardrail gets a `guardrail`
 * child span; each failed try before the one that answered (retries, fallbacks) is a
 * `raw_gen_ai_request` sibling with its status, error type and cooldown. Times come from the spend
 * event: the upstream call started with its try (or lasted the call's duration minus the gateway's
 * overhead) and ended when the call did; the overhead is placed before it.
 */
import { litellmExceptionClass, REDACTED_CONTENT, type CallAttempt, type JsonObject, type JsonValue, type SpendEvent, type StandardLoggingGuardrailInformation, type StandardLoggingPayload } from '@sluice/plugin-sdk';
import { inputMessages, outputMessages } from './content.js';
import type { IntegrationName } from './destinations.js';
import { setOpenInferenceAttributes } from './openinference-attributes.js';
import { SPAN_KIND, STATUS, type Attribute, type SpanRecord } from './span-record.js';

/** The ids preCall allocated for a call, kept in its `state` so onSpend finds them. */
export interface CallIds {
  traceId: string;
  /** The litellm_request span. */
  spanId: string;
  /** The raw_gen_ai_request span, announced upstream in `traceparent`. */
  upstreamSpanId: string;
  /** The client's span, when it sent `traceparent`. */
  parentSpanId?: string;
  flags: number;
  traceState?: string;
}

export const LITELLM_REQUEST_SPAN_NAME = 'litellm_request';
export const RAW_REQUEST_SPAN_NAME = 'raw_gen_ai_request';
export const GATEWAY_SPAN_NAME = 'gateway_overhead';
export const GUARDRAIL_SPAN_NAME = 'guardrail';

export interface CallSpanOptions {
  integration: IntegrationName;
  /** False when turn_off_message_logging or the callback's message_logging leaves content out entirely. */
  logContent: boolean;
  /** The response as the client got it (parsed), for ids, model and finish reasons: never logged as content unless `logContent`. */
  response: JsonObject | undefined;
  /** arize_phoenix: openinference.project.name when the request names none. */
  phoenixProjectName?: string;
  /** langfuse_otel: LANGFUSE_TRACING_ENVIRONMENT. */
  langfuseEnvironment?: string;
}

/** Error codes of refusals a guardrail made (a call that never reached a provider). */
const GUARDRAIL_REFUSAL = /GUARDRAIL|BANNED|BLOCKED|MODERATION|CONTENT_POLICY|PROMPT_INJECTION/i;

export function callSpans(event: SpendEvent, payload: StandardLoggingPayload, ids: CallIds, opts: CallSpanOptions): SpanRecord[] {
  const failed = event.status === 'failure';
  const body = event.requestBody?.();
  const metadata = (body?.metadata && typeof body.metadata === 'object' && !Array.isArray(body.metadata) ? body.metadata : event.metadata) as Record<string, unknown>;
  const generationName = typeof metadata.generation_name === 'string' && metadata.generation_name !== '' ? metadata.generation_name : undefined;
  const attrs = new Attributes();
  setLiteLLMAttributes(attrs, event, payload, opts);
  if (opts.integration !== 'otel') setOpenInferenceAttributes(attrs, payload, metadata, opts);
  if (failed) setErrorAttributes(attrs, payload);

  const failedStatus = failed ? { code: STATUS.ERROR, message: payload.error_str ?? `HTTP ${event.httpStatus}` } : undefined;
  const end = Math.max(event.endedAt, event.startedAt);
  const request = span(ids, generationName ?? LITELLM_REQUEST_SPAN_NAME, SPAN_KIND.INTERNAL, ids.spanId, ids.parentSpanId, event.startedAt, end, failedStatus ?? OK, attrs.pairs);
  if (failed) request.events = [{ name: 'exception', time: event.endedAt, attributes: [['exception.type', payload.error_information?.error_class ?? 'Error'], ['exception.message', payload.error_str ?? '']] }];
  const spans: SpanRecord[] = [request];
  const total = Math.max(0, end - event.startedAt);
  const overhead = Math.min(total, Math.max(0, event.overheadMs));
  // The upstream was called unless a preCall plugin answered (a cache hit) or refused the call.
  const reachedUpstream = event.deployment !== undefined && event.cacheHit !== true;
  const attempts = event.attempts;
  // The try that answered (or failed last) keeps the upstream span id sent in traceparent; each
  // earlier failed try is a sibling span of its own (retries, fallbacks, cooldowns).
  const last = attempts?.at(-1);
  if (attempts !== undefined) for (let i = 0; i < attempts.length - (reachedUpstream ? 1 : 0); i++) spans.push(attemptSpan(ids, attempts[i]!, i, attempts[0]!.deployment.modelName));
  if (reachedUpstream) {
    const upstreamStart = last !== undefined ? Math.min(last.startedAt, end) : end - (total - overhead);
    spans.push(span(ids, generationName ?? RAW_REQUEST_SPAN_NAME, SPAN_KIND.CLIENT, ids.upstreamSpanId, ids.spanId, upstreamStart, end, failedStatus ?? OK, rawRequestAttributes(event, payload, opts)));
  }
  spans.push(
    span(ids, GATEWAY_SPAN_NAME, SPAN_KIND.INTERNAL, gatewaySpanId(ids.spanId), ids.spanId, event.startedAt, event.startedAt + (reachedUpstream ? overhead : total), UNSET, [
      ['litellm_overhead_time_ms', Math.round(event.overheadMs * 1000) / 1000],
      ['sluice.timing', 'derived from the spend event'],
    ]),
  );
  const guardrails = payload.guardrail_information;
  if (guardrails !== null) {
    // LiteLLM's _create_guardrail_span: one per guardrail that ran, passing ones included.
    guardrails.forEach((g, i) => spans.push(guardrailSpan(ids, g, i)));
  } else if (failed && !reachedUpstream && event.errorCode && GUARDRAIL_REFUSAL.test(event.errorCode)) {
    spans.push(
      span(ids, GUARDRAIL_SPAN_NAME, SPAN_KIND.INTERNAL, guardrailSpanId(ids.spanId), ids.spanId, event.startedAt, end, { code: STATUS.ERROR, message: payload.error_str ?? event.errorCode }, [
        ['openinference.span.kind', 'GUARDRAIL'],
        ['guardrail_mode', 'pre_call'],
        ['guardrail_response', payload.error_str ?? event.errorCode],
        ['error.code', event.errorCode],
      ]),
    );
  }
  return spans;
}

const OK = Object.freeze({ code: STATUS.OK });
const UNSET = Object.freeze({ code: STATUS.UNSET });

/** One span, every field in the same order (one object shape for all; no spreads on the hot path). */
function span(ids: CallIds, name: string, kind: number, spanId: string, parentSpanId: string | undefined, start: number, end: number, status: SpanRecord['status'], attributes: Attribute[]): SpanRecord {
  return { name, kind, traceId: ids.traceId, spanId, parentSpanId, traceFlags: ids.flags, traceState: ids.traceState, start, end, status, attributes, events: undefined };
}

/** One guardrail's run: its name, mode and answer; ERROR when it intervened or failed. */
function guardrailSpan(ids: CallIds, g: StandardLoggingGuardrailInformation, index: number): SpanRecord {
  const status = g.guardrail_status === 'success' ? OK : { code: STATUS.ERROR, message: g.guardrail_response ?? g.guardrail_status };
  const attrs: Attribute[] = [
    ['openinference.span.kind', 'GUARDRAIL'],
    ['guardrail_name', g.guardrail_name],
    ['guardrail_mode', g.guardrail_mode],
    ['guardrail_status', g.guardrail_status],
  ];
  if (g.guardrail_response !== null) attrs.push(['guardrail_response', g.guardrail_response]);
  const start = g.start_time * 1000;
  return span(ids, GUARDRAIL_SPAN_NAME, SPAN_KIND.INTERNAL, index === 0 ? guardrailSpanId(ids.spanId) : flipLastByte(ids.spanId, 0x80 + (index % 0x20)), ids.spanId, start, Math.max(start, g.end_time * 1000), status, attrs);
}

/** A failed try of a deployment: what was tried, how it failed, and whether the router took it out. */
function attemptSpan(ids: CallIds, a: CallAttempt, index: number, firstGroup: string): SpanRecord {
  const d = a.deployment;
  const attrs = new Attributes();
  setUpstreamAttributes(attrs, d.provider, d.model, d.id, d.modelName, d.apiBase);
  attrs.set('http.response.status_code', a.httpStatus);
  attrs.set('error.type', litellmExceptionClass({ httpStatus: a.httpStatus, deployment: d, errorCode: undefined }));
  attrs.set('sluice.attempt', index + 1);
  attrs.set('sluice.fallback', d.modelName !== firstGroup);
  if (a.cooledDown) attrs.set('sluice.cooled_down', true);
  const status = { code: STATUS.ERROR, message: a.errorMessage ?? `HTTP ${a.httpStatus}` };
  return span(ids, RAW_REQUEST_SPAN_NAME, SPAN_KIND.CLIENT, attemptSpanId(ids.spanId, index), ids.spanId, a.startedAt, Math.max(a.endedAt, a.startedAt), status, attrs.pairs);
}

/** Child span ids derived from the request span's (distinct, stable for a call, no state to keep). */
function gatewaySpanId(spanId: string): string {
  return flipLastByte(spanId, 0x5a);
}
function guardrailSpanId(spanId: string): string {
  return flipLastByte(spanId, 0xa5);
}
/** Failed tries: masks 0x01…0x3f (a call makes at most a few dozen tries; none collides with the two above). */
function attemptSpanId(spanId: string, index: number): string {
  return flipLastByte(spanId, 1 + (index % 0x3f));
}
function flipLastByte(spanId: string, mask: number): string {
  const last = (parseInt(spanId.slice(-2), 16) ^ mask).toString(16).padStart(2, '0');
  return spanId.slice(0, -2) + last;
}

/** Attribute values as OTel takes them: primitives as they are, null as "" (LiteLLM's safe_set_attribute), anything else as JSON. */
export class Attributes {
  readonly pairs: Attribute[] = [];
  /** Sets a key that an earlier setter may have set too (the last value wins, as on an OTel span). */
  replace(key: string, value: unknown): void {
    const at = this.pairs.findIndex((p) => p[0] === key);
    if (at >= 0) this.pairs.splice(at, 1);
    this.set(key, value);
  }
  set(key: string, value: unknown): void {
    if (value === undefined) return;
    if (value === null) this.pairs.push([key, '']);
    else if (typeof value === 'string' || typeof value === 'boolean') this.pairs.push([key, value]);
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) this.pairs.push([key, value]);
    } else this.pairs.push([key, JSON.stringify(value)]);
  }
}

/** GenAI's gen_ai.operation.name for LiteLLM's call types. */
function operationName(callType: string): string {
  switch (callType) {
    case 'acompletion':
    case 'anthropic_messages':
    case 'aresponses':
      return 'chat';
    case 'atext_completion':
      return 'text_completion';
    case 'aembedding':
      return 'embeddings';
    default:
      return callType;
  }
}

/** LiteLLM's OpenTelemetry.set_attributes. */
function setLiteLLMAttributes(attrs: Attributes, event: SpendEvent, payload: StandardLoggingPayload, opts: CallSpanOptions): void {
  const md = payload.metadata as unknown as Record<string, unknown>;
  for (const k in md) attrs.set(keyOf('metadata.', k), md[k]);
  attrs.set('hidden_params', payload.hidden_params);
  attrs.set('gen_ai.cost.total_cost', payload.response_cost);
  attrs.set('gen_ai.request.model', payload.model);
  attrs.set('llm.request.type', payload.call_type);
  attrs.set('gen_ai.system', payload.custom_llm_provider ?? 'Unknown');
  attrs.set('gen_ai.operation.name', operationName(payload.call_type));
  const params = payload.model_parameters;
  const maxTokens = params.max_tokens ?? params.max_completion_tokens ?? params.max_output_tokens;
  if (maxTokens) attrs.set('gen_ai.request.max_tokens', maxTokens);
  if (params.temperature) attrs.set('gen_ai.request.temperature', params.temperature);
  if (params.top_p) attrs.set('gen_ai.request.top_p', params.top_p);
  // Python's str(bool), as LiteLLM writes it.
  attrs.set('llm.is_streaming', event.stream ? 'True' : 'False');
  if (event.user) attrs.set('llm.user', event.user);
  const response = opts.response;
  attrs.set('gen_ai.response.id', (typeof response?.id === 'string' ? response.id : undefined) ?? event.responseId ?? payload.id);
  if (typeof response?.model === 'string') attrs.set('gen_ai.response.model', response.model);
  if (event.status === 'success' || payload.total_tokens > 0) {
    attrs.set('gen_ai.usage.input_tokens', payload.prompt_tokens);
    attrs.set('gen_ai.usage.output_tokens', payload.completion_tokens);
    attrs.set('gen_ai.usage.total_tokens', payload.total_tokens);
  }
  const outputs = outputMessages(response);
  const reasons = outputs.map((m) => m.finish_reason).filter((r): r is string => r !== undefined);
  if (reasons.length > 0) attrs.set('gen_ai.response.finish_reasons', reasons);
  if (!opts.logContent) return;
  const tools = Array.isArray(params.tools) ? params.tools : [];
  tools.forEach((tool, i) => {
    const fn = tool && typeof tool === 'object' && !Array.isArray(tool) ? (tool as JsonObject).function : undefined;
    if (!fn || typeof fn !== 'object' || Array.isArray(fn)) return;
    attrs.set(`llm.request.functions.${i}.name`, fn.name);
    attrs.set(`llm.request.functions.${i}.description`, fn.description);
    attrs.set(`llm.request.functions.${i}.parameters`, JSON.stringify(fn.parameters ?? null));
  });
  attrs.set('gen_ai.input.messages', payload.messages === REDACTED_CONTENT ? REDACTED_CONTENT : inputMessages(payload.messages));
  const system = systemInstructions(event);
  if (system !== undefined) attrs.set('gen_ai.system_instructions', payload.messages === REDACTED_CONTENT ? REDACTED_CONTENT : inputMessages([{ role: 'system', content: system }]));
  if (payload.response === REDACTED_CONTENT) attrs.set('gen_ai.output.messages', REDACTED_CONTENT);
  else if (outputs.length > 0) attrs.set('gen_ai.output.messages', outputMessages(payload.response));
}

/** Anthropic's `system` / the Responses API's `instructions` (not part of `messages`). */
function systemInstructions(event: SpendEvent): JsonValue | undefined {
  const body = event.requestBody?.();
  const value = body?.system ?? body?.instructions;
  return value === undefined || value === null ? undefined : (value as JsonValue);
}

/** LiteLLM's _record_exception_on_span: the StandardLoggingPayload's error_information. */
function setErrorAttributes(attrs: Attributes, payload: StandardLoggingPayload): void {
  const info = payload.error_information;
  if (!info) {
    if (payload.error_str) attrs.set('error.message', payload.error_str);
    return;
  }
  if (info.error_code) attrs.set('error.code', info.error_code);
  if (info.error_class) attrs.set('error.type', info.error_class);
  if (info.error_message) attrs.set('error.message', info.error_message);
  if (info.llm_provider) attrs.set('error.llm_provider', info.llm_provider);
}

/** What an upstream span says of the deployment it called. */
function setUpstreamAttributes(attrs: Attributes, provider: string, model: string, modelId: string | null, modelGroup: string | null, apiBase: string | undefined): void {
  attrs.set('gen_ai.system', provider);
  attrs.set('gen_ai.request.model', model);
  attrs.set('litellm.model_id', modelId);
  attrs.set('litellm.model_group', modelGroup);
  const server = apiBase ? serverOf(apiBase) : undefined;
  if (server) {
    attrs.set('server.address', server.address);
    if (server.port !== undefined) attrs.set('server.port', server.port);
  }
}

/** LiteLLM's set_raw_request_attributes: `llm.<provider>.<field>` of what went upstream (only when content is logged, as LiteLLM). */
function rawRequestAttributes(event: SpendEvent, payload: StandardLoggingPayload, opts: CallSpanOptions): Attribute[] {
  const attrs = new Attributes();
  const provider = payload.custom_llm_provider ?? 'Unknown';
  setUpstreamAttributes(attrs, provider, payload.model, payload.model_id, payload.model_group, payload.api_base);
  if (event.firstTokenAt !== undefined) attrs.set('gen_ai.response.time_to_first_token_ms', Math.max(0, event.firstTokenAt - event.startedAt));
  // The request's parameters as sent upstream (LiteLLM's `llm.<provider>.<field>`). The prompt and
  // the response are on litellm_request already: not repeated here, so a span stays half the size.
  if (!opts.logContent) return attrs.pairs;
  attrs.set(keyOf(`llm.${provider}.`, 'model'), payload.model);
  for (const k in payload.model_parameters) attrs.set(keyOf(`llm.${provider}.`, k), payload.model_parameters[k]);
  return attrs.pairs;
}

/** A deployment's api_base → server.address / server.port, parsed once per api_base (bounded). */
const SERVERS = new Map<string, { address: string; port: number | undefined } | undefined>();
const MAX_CACHED = 1_000;

function serverOf(apiBase: string): { address: string; port: number | undefined } | undefined {
  if (SERVERS.has(apiBase)) return SERVERS.get(apiBase);
  let server: { address: string; port: number | undefined } | undefined;
  try {
    const url = new URL(apiBase);
    server = { address: url.hostname, port: url.port ? Number(url.port) : undefined };
  } catch {
    // An api_base that is not a URL: no server attributes.
  }
  if (SERVERS.size >= MAX_CACHED) SERVERS.clear();
  SERVERS.set(apiBase, server);
  return server;
}

/**
 * `prefix + name`, the same string object call after call (bounded): a key built afresh per call
 * is a new string the encoder's key cache must hash again.
 */
const KEYS = new Map<string, Map<string, string>>();

function keyOf(prefix: string, name: string): string {
  let names = KEYS.get(prefix);
  if (!names) {
    if (KEYS.size >= MAX_CACHED) KEYS.clear();
    KEYS.set(prefix, (names = new Map()));
  }
  let key = names.get(name);
  if (key === undefined) {
    if (names.size >= MAX_CACHED) names.clear();
    names.set(name, (key = prefix + name));
  }
  return key;
}
