/**
 * What each hook point sees. Each hook gets only what it may act on: `preAuth` sees the
 * credential, `preCall` may rewrite the request or deny it, `postCall` may rewrite the response,
 * `onSpend`/`onAudit` observe frozen events.
 */
import type { LimitScope } from './governance.js';
import type { JsonObject } from './json.js';

export type Role =
  | 'proxy_admin'
  | 'proxy_admin_viewer'
  | 'org_admin'
  | 'team_admin'
  | 'internal_user'
  | 'internal_user_viewer'
  | 'customer';

/** Who is calling: returned by the `preAuth` plugin that recognised the credential. */
export interface Principal {
  /** Stable id of the credential (hashed key id, `master`, JWT subject…). Never the secret itself. */
  id: string;
  /** Which plugin authenticated the caller, e.g. `auth-master-key`. */
  authenticatedBy: string;
  role: Role;
  /** SHA-256 of the presented key where there is one, for spend logs. */
  keyHash?: string;
  keyAlias?: string;
  userId?: string;
  teamId?: string;
  organizationId?: string;
  projectId?: string;
  /**
   * Model names this principal may call; absent or empty means all. Enforced by the plugin that
   * provides model access (governance-tenancy), not by the kernel.
   */
  models?: string[];
  metadata?: Record<string, unknown>;
  /** Limits that apply to every call of this principal (key, user, team, organization, project). */
  scopes?: readonly LimitScope[];
  /** Teams and organizations this principal administers (its role is then `team_admin` / `org_admin`). */
  adminOf?: { readonly teams: readonly string[]; readonly organizations: readonly string[] };
  /**
   * What the key and its team switch on or off for their calls (LiteLLM: their `guardrails` and
   * `permissions`), set by the plugin that recognised the key and read by the plugin deciding per
   * request which taps run.
   */
  switches?: { readonly key?: CallerSwitches; readonly team?: CallerSwitches };
  /**
   * The key's LiteLLM `allowed_cache_controls`: the per-request `cache` controls (`no-cache`,
   * `ttl`…) its calls may use. Absent or empty allows every control, as in LiteLLM.
   */
  allowedCacheControls?: readonly string[];
}

/** One party's switches (a key's or a team's). */
export interface CallerSwitches {
  /** Names switched on for every call (`guardrails: [name]`). */
  readonly on?: readonly string[];
  /** `permissions`: a name set to false switches it off, to true on; other flags as the party set them. */
  readonly permissions?: Readonly<Record<string, unknown>>;
}

export interface AuthInput {
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The presented credential: `Authorization: Bearer`, `x-api-key`, `api-key` or `x-litellm-api-key`. */
  readonly token: string | undefined;
  readonly method: string;
  /** Path without query string. */
  readonly path: string;
  readonly ip: string;
  readonly requestId: string;
}

/**
 * What a deployment is called for. A provider serves the endpoints it declares; the body and the
 * answer are in that endpoint's own wire format:
 * - `chat`, `completions`, `embeddings`: OpenAI's.
 * - `rerank`: Cohere-style `/rerank` (`{model, query, documents}` → `{id, results, meta}`).
 * - `responses`: OpenAI's Responses API (`POST /v1/responses`); streams are its typed SSE events.
 * - `messages`: Anthropic's Messages API (`POST /v1/messages`); streams are its SSE events.
 * - `count_tokens`: Anthropic's `POST /v1/messages/count_tokens` (`{input_tokens}`).
 * - `image_generation`, `image_edit`, `image_variation`: OpenAI's images API (`data: [{url | b64_json}]`);
 *   edits and variations carry their image(s) and mask as `ProviderRequest.files`.
 * - `audio_transcription`, `audio_translation`: OpenAI's audio API, the audio file in `files`;
 *   `audio_speech`: `{model, input, voice, …}` → the audio bytes (`ProviderResponse` kind `bytes`).
 * - `moderation`: OpenAI's `/moderations`.
 */
export type Endpoint =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'rerank'
  | 'responses'
  | 'messages'
  | 'count_tokens'
  | 'image_generation'
  | 'image_edit'
  | 'image_variation'
  | 'audio_transcription'
  | 'audio_translation'
  | 'audio_speech'
  | 'moderation';


/**
 * What a call is: a model call's endpoint, or a request a plugin route forwards and admits as a
 * call (`RouteRequest.admit`; LiteLLM's call type `pass_through_endpoint`), or a batch whose
 * results were priced when it completed (`batch`). Its body is then whatever the route passed
 * (the client's JSON, or `{}`); providers never see such a call.
 */
export type CallEndpoint = Endpoint | 'pass_through_endpoint' | 'batch';

/** The per-request context `preCall` plugins transform. Mutate `body` or return a new context. */
export interface CallContext {
  readonly requestId: string;
  readonly endpoint: CallEndpoint;
  readonly principal: Principal;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ip: string;
  /** Epoch ms at which the gateway received the request. */
  readonly receivedAt: number;
  /** The OpenAI request body. `model` names a model group from the config. */
  body: JsonObject;
  /** Scratch space shared by the plugins handling this request (e.g. reservation ids). */
  readonly state: Record<string, unknown>;
  /** Tags for spend reporting (`metadata.tags`, `x-litellm-tags`). */
  tags: string[];
  /**
   * Limits enforced on this call: starts as `principal.scopes`; a plugin adds request-named
   * scopes (customer, tags) by assigning a new array, never by mutating the principal's.
   */
  scopes: readonly LimitScope[];
  /** Headers added to a successful response (e.g. `x-ratelimit-remaining-requests`). Create on first use. */
  responseHeaders?: Record<string, string>;
  /**
   * Headers sent to the provider with this call (W3C `traceparent`, set by a tracing plugin).
   * Create on first use. Providers add them to the request; credentials and content-type win.
   */
  upstreamHeaders?: Record<string, string>;
  /**
   * The guardrails that ran on this call and how each ended, appended by the plugin that runs
   * guardrails; the array is shared by every context of the call and goes on the spend event
   * (`SpendEvent.guardrails`). Create on first use.
   */
  guardrailRuns?: GuardrailRun[];
  /**
   * Set by a `preCall` plugin that answers the call itself (a response cache's hit). The kernel
   * then skips the router and the provider: postCall runs on this response, a stream request gets
   * it replayed as OpenAI chunks, and spend is recorded at cost 0. Later preCall taps still run
   * (and may clear it); model access is still checked.
   */
  answer?: CallAnswer;
  /**
   * Set by a `preCall` plugin that wants the final response of a successful call (a response
   * cache's miss). Called once, after the client got the whole answer, off the response's path;
   * not called on failures, on answered calls, or when the client went away mid-stream.
   */
  onFinalResponse?: (final: FinalResponse) => void;
  /** The response cache's key for this call (hit or miss), recorded in its spend event as `cacheKey`. */
  cacheKey?: string;
}

/** A response given by a `preCall` plugin instead of the provider's (see `CallContext.answer`). */
export interface CallAnswer {
  /** An OpenAI response body: `chat.completion`, `text_completion` or an embeddings `list`. */
  response: JsonObject;
  /** Marks the call a cache hit in its spend event (`cacheHit: true`). */
  cacheHit?: boolean;
  /** The deployment that produced the response originally, if known (for `x-litellm-model-id` and postCall). */
  deployment?: DeploymentInfo;
}

/** What `CallContext.onFinalResponse` receives. */
export interface FinalResponse {
  /** The response as JSON text: the upstream's bytes as sent, or the assembled completion of a stream. */
  readonly text: string;
  /**
   * The response as the client got it, when a postCall plugin changed it (a guardrail's redaction):
   * what a logger must record instead of `text`. Absent when the client got `text` itself.
   */
  readonly sent?: string;
  readonly streamed: boolean;
  readonly deployment: DeploymentInfo;
  readonly usage: Usage;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

/** What `postCall` transforms: a whole response (plain calls, and streams a plugin buffers). */
export interface ResponseContext {
  readonly call: Readonly<CallContext>;
  readonly deployment: DeploymentInfo;
  /** True when the client asked for a stream; `response` is then the assembled completion. */
  readonly streamed: boolean;
  response: JsonObject;
}

/** What the streaming lane of `postCall` transforms: one parsed chunk. Set `chunk` to null to drop it. */
export interface ChunkContext {
  readonly call: Readonly<CallContext>;
  readonly deployment: DeploymentInfo;
  readonly index: number;
  chunk: JsonObject | null;
}

export interface DeploymentInfo {
  /** Stable id of the deployment (from `model_info.id` or derived). */
  readonly id: string;
  /** Model group name clients use. */
  readonly modelName: string;
  /** Provider prefix, e.g. `openai`, `fake`. */
  readonly provider: string;
  /** Model name sent upstream. */
  readonly model: string;
  readonly apiBase: string | undefined;
}

export type CallStatus = 'success' | 'failure';

/** What a spend event was for: the call's endpoint (see `CallEndpoint`). */
export type SpendEndpoint = CallEndpoint;

/** Emitted after every proxied call, success or failure. Observers get a frozen copy. */
export interface SpendEvent {
  requestId: string;
  endpoint: SpendEndpoint;
  principal: Principal;
  model: string;
  deployment: DeploymentInfo | undefined;
  status: CallStatus;
  httpStatus: number;
  errorCode?: string;
  stream: boolean;
  usage: Usage;
  /** Cost in USD, 0 when no price is known. */
  cost: number;
  tags: string[];
  /** The request's `user` field: the customer (end user) the call was made for. */
  user: string | undefined;
  /** The limits the call was checked against (see `CallContext.scopes`). */
  scopes: readonly LimitScope[];
  /** The call's `CallContext.state`, so a plugin can settle what it reserved in `preCall`. */
  state: Readonly<Record<string, unknown>>;
  startedAt: number;
  endedAt: number;
  /** Milliseconds spent in the gateway itself (excludes the upstream). */
  overheadMs: number;
  metadata: Record<string, unknown>;
  /** True when a response cache answered the call (`CallAnswer.cacheHit`); false on a cache's miss; absent without a cache. */
  cacheHit?: boolean;
  /** The response cache's key of the call (`CallContext.cacheKey`), on hits and misses. */
  cacheKey?: string;
  /** The provider response's `id` (e.g. `chatcmpl-…`), the id the client got back; absent when the call had no answer. */
  responseId?: string;
  /** Streams: epoch ms at which the provider's first chunk arrived (LiteLLM's `completionStartTime`). */
  firstTokenAt?: number;
  /** The client's address (`CallContext.ip`). */
  ip?: string;
  /**
   * The call's body after every preCall plugin ran (what went upstream, before the deployment's
   * model name was set): guardrail redactions applied, never the client's original text. A function
   * so that freezing the event does not walk a large prompt; the body is shared, never mutate it.
   * Not enumerable (copies of the event leave it out); in-process observers only (a sandboxed
   * plugin's view leaves it out). Absent for calls that
   * failed before a body was read.
   */
  requestBody?: () => Readonly<JsonObject>;
  /** The request's lower-cased headers (`x-litellm-disable-callbacks`, `traceparent`), in-process observers only. */
  requestHeaders?: () => Readonly<Record<string, string | string[] | undefined>>;
  /** Failures: the error message the client got (secrets scrubbed). */
  errorMessage?: string;
  /**
   * Every try of the call, in order, once one of them failed (retries, fallbacks, the last failure);
   * absent when the first try answered or none was made. A plugin reads fallbacks here as a try of a
   * model group other than the first one's.
   */
  attempts?: readonly CallAttempt[];
  /** The guardrails that ran on the call (`CallContext.guardrailRuns`), passing ones included. */
  guardrails?: readonly GuardrailRun[];
}

/** One guardrail's run on a call: LiteLLM's StandardLoggingGuardrailInformation. */
export interface GuardrailRun {
  name: string;
  /** `pre_call`, `during_call` or `post_call`. */
  mode: string;
  /** Passed; refused or changed the call; or failed itself (LiteLLM's GuardrailStatus). */
  status: 'success' | 'guardrail_intervened' | 'guardrail_failed_to_respond';
  /** Epoch ms: the first time it ran on the call, and the last time it finished (streamed chunks). */
  startedAt: number;
  endedAt: number;
  /** What it answered when it intervened or failed (its refusal's message). */
  response?: string;
}

/** One try of one deployment during a call (see `SpendEvent.attempts`). */
export interface CallAttempt {
  deployment: DeploymentInfo;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  /** 200 when this try answered; else the upstream's status (504 when it timed out, 0 when it could not be reached). */
  httpStatus: number;
  /** The upstream's error message, secrets scrubbed, when this try failed. */
  errorMessage?: string;
  /** The router took the deployment out of rotation (a cooldown) after this try failed. */
  cooledDown?: boolean;
}

/** A management operation, for the audit trail. Before/after are stripped of secrets by the emitter. */
export interface AuditEvent {
  id: string;
  at: number;
  actor: { id: string; role: Role | 'system' };
  action: string;
  objectType: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
  ip?: string;
  requestId?: string;
}
