/** A spend event as the row stored in the log (and, as JSON, in the writer's spill file). */
import { litellmCallType, type SpendEvent } from '@sluice/plugin-sdk';

export interface SpendLogRow {
  request_id: string;
  call_type: string;
  api_key: string;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  project_id: string | null;
  end_user: string | null;
  model: string;
  model_group: string;
  model_id: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  spend: number;
  /** JSON array of strings. */
  request_tags: string;
  status: 'success' | 'failure';
  http_status: number;
  error_code: string | null;
  start_time: number;
  end_time: number;
  request_duration_ms: number;
  /** JSON object, secrets removed. */
  metadata: string;
  /** The provider response's id (`chatcmpl-…`): LiteLLM's `request_id`. Cache hits get a suffix, as in LiteLLM. */
  response_id: string | null;
  /** LiteLLM's `cache_hit`: 'True', 'False' (a cache's miss) or '' (no cache). */
  cache_hit: string;
  cache_key: string | null;
  session_id: string | null;
  /** The client's address (LiteLLM's `requester_ip_address`). */
  requester_ip_address: string | null;
  /** Streams: when the first chunk arrived (LiteLLM's `completionStartTime`); null: the end time. */
  completion_start_time: number | null;
  /** JSON, with `store_prompts_in_spend_logs` only (see prompt-fields.ts); null otherwise. */
  messages: string | null;
  response: string | null;
  proxy_server_request: string | null;
}


/** Field names whose values are never stored, whatever a client puts in `metadata`. */
const SECRET_NAME = /key|token|secret|password|passwd|authorization|credential|cookie/i;

/** A deep copy without secret-named fields; cut at a depth no honest metadata reaches. */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // Object.keys rather than entries: no [key, value] pair per field.
    for (const k of Object.keys(value)) if (!SECRET_NAME.test(k)) out[k] = withoutSecrets((value as Record<string, unknown>)[k], depth + 1);
    return out;
  }
  return value;
}

/** Deployments are few and fixed: parse each api_base once, not once per row. */
const STRIPPED = new Map<string, string | null>();

/** An api_base may carry credentials (`https://user:pass@host/?key=`): keep origin and path only. */
function withoutCredentials(url: string | undefined): string | null {
  if (!url) return null;
  let stripped = STRIPPED.get(url);
  if (stripped === undefined) {
    try {
      const u = new URL(url);
      stripped = u.origin + u.pathname;
    } catch {
      stripped = null;
    }
    if (STRIPPED.size < 10_000) STRIPPED.set(url, stripped);
  }
  return stripped;
}

/**
 * A key by its shape: callers' own virtual keys are never held in plain by the gateway, so they are
 * recognised rather than looked up (the master key and provider keys are known values, see below).
 */
const KEY_SHAPED = /\bsk-[A-Za-z0-9_-]{8,}/g;

/**
 * The row with every secret in its text columns replaced by `[REDACTED]`: the known secret values
 * (master key, provider keys; `scrub` is the log redactor's) and anything shaped like a key. A
 * client puts what it likes in `model`, `user`, tags and metadata, and rows outlive logs.
 */
export function withoutSecretValues(row: SpendLogRow, scrub: (text: string) => string): SpendLogRow {
  const out = row as unknown as Record<string, unknown>;
  for (const column of Object.keys(out)) {
    const value = out[column];
    if (typeof value !== 'string' || value.length < 6) continue;
    const scrubbed = scrub(value);
    out[column] = scrubbed.includes('sk-') ? scrubbed.replace(KEY_SHAPED, '[REDACTED]') : scrubbed;
  }
  return row;
}

const nonNegative = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);

/** What `store_prompts_in_spend_logs` adds to a row: JSON texts, already cut to size. */
export interface StoredPrompt {
  messages: string;
  response: string;
  proxy_server_request: string;
}

export function spendLogRow(e: Readonly<SpendEvent>, stored?: StoredPrompt): SpendLogRow {
  const p = e.principal;
  const prompt = Math.round(nonNegative(e.usage?.prompt_tokens));
  const completion = Math.round(nonNegative(e.usage?.completion_tokens));
  const total = Math.round(nonNegative(e.usage?.total_tokens)) || prompt + completion;
  return {
    request_id: e.requestId,
    call_type: litellmCallType(e.endpoint), // the SDK's names, shared with every logging integration
    api_key: p.keyHash ?? '',
    key_alias: p.keyAlias ?? null,
    user_id: p.userId ?? null,
    team_id: p.teamId ?? null,
    organization_id: p.organizationId ?? null,
    project_id: p.projectId ?? null,
    end_user: e.user ?? null,
    model: e.model,
    model_group: e.model,
    model_id: e.deployment?.id ?? null,
    custom_llm_provider: e.deployment?.provider ?? null,
    api_base: withoutCredentials(e.deployment?.apiBase),
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: total,
    spend: nonNegative(e.cost),
    request_tags: tagsJson(e.tags),
    status: e.status,
    http_status: e.httpStatus,
    error_code: e.errorCode ?? null,
    start_time: e.startedAt,
    end_time: e.endedAt,
    request_duration_ms: Math.max(0, e.endedAt - e.startedAt),
    metadata: metadataJson(e),
    response_id: responseIdOf(e),
    cache_hit: e.cacheHit === undefined ? '' : e.cacheHit ? 'True' : 'False',
    cache_key: e.cacheKey ?? null,
    session_id: sessionIdOf(e.metadata),
    requester_ip_address: e.ip || null,
    completion_start_time: e.firstTokenAt ?? null,
    messages: stored?.messages ?? null,
    response: stored?.response ?? null,
    proxy_server_request: stored?.proxy_server_request ?? null,
  };
}

/**
 * LiteLLM stores the id the client got back; a cache hit returns a stored answer's id again, so
 * (as LiteLLM does) the hit's row gets `<id>_cache_hit<time>` and the original row keeps the id.
 */
function responseIdOf(e: Readonly<SpendEvent>): string | null {
  if (e.responseId === undefined) return null;
  return e.cacheHit === true ? `${e.responseId}_cache_hit${e.endedAt / 1000}` : e.responseId;
}

/** LiteLLM's `session_id`: the request's `metadata.session_id` (or `litellm_session_id`). */
function sessionIdOf(metadata: Readonly<Record<string, unknown>> | undefined): string | null {
  const v = metadata?.session_id ?? metadata?.litellm_session_id;
  return typeof v === 'string' && v.length > 0 ? v.slice(0, 255) : null;
}

/** The tags as a JSON array, duplicates dropped. Most calls have none, some one or two. */
function tagsJson(tags: readonly string[] | undefined): string {
  if (!Array.isArray(tags) || tags.length > 16 || (tags as { toJSON?: unknown }).toJSON !== undefined) return JSON.stringify([...new Set(tags)]);
  // A short list of distinct strings is its own JSON array: no Set, no copy.
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (typeof tag !== 'string') return JSON.stringify([...new Set(tags)]);
    for (let j = 0; j < i; j++) if (tags[j] === tag) return JSON.stringify([...new Set(tags)]);
  }
  return tags.length === 0 ? '[]' : JSON.stringify(tags);
}

/**
 * The request's own metadata minus what is stored in columns already (tags) or must not be (secrets),
 * plus `stream` and `overhead_ms`, as JSON. Keys keep the order of the request's metadata; a request
 * key named `stream` or `overhead_ms` keeps its place and takes the gateway's value.
 */
function metadataJson(e: Readonly<SpendEvent>): string {
  const overheadMs = Math.round(e.overheadMs * 1000) / 1000;
  const source = (e.metadata ?? {}) as Record<string, unknown>;
  const keys = Object.keys(source);
  if (keys.length === 0 || (keys.length === 1 && keys[0] === 'tags')) {
    // Most calls carry no metadata: build the string, not an object to stringify.
    if (typeof e.stream === 'boolean' && Number.isFinite(overheadMs)) return `{"stream":${e.stream},"overhead_ms":${overheadMs}}`;
    return JSON.stringify({ stream: e.stream, overhead_ms: overheadMs });
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    // `__proto__` would set out's prototype, not a field: the JSON never had it.
    if (k === 'tags' || k === '__proto__' || SECRET_NAME.test(k)) continue;
    const v = source[k];
    out[k] = v && typeof v === 'object' ? withoutSecrets(v, 1) : v;
  }
  out.stream = e.stream;
  out.overhead_ms = overheadMs;
  return JSON.stringify(out);
}
