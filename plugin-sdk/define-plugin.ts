/** The one plugin contract, shared by in-process (first-party) and sandboxed (third-party) plugins. */
import type { PluginContext } from './capabilities.js';
import type { PluginMigration } from './database.js';
import type { SecretResolver } from './capabilities.js';
import type {
  AuditEvent,
  AuthInput,
  CallContext,
  CallEndpoint,
  CallStatus,
  ChunkContext,
  DeploymentInfo,
  Endpoint,
  Usage,
  Principal,
  ResponseContext,
  Role,
  SpendEndpoint,
  SpendEvent,
} from './hook-contexts.js';
import type { JsonObject } from './json.js';
import type { ErrorFormat } from './error-formats.js';
import type { ForwardRequest, ForwardResponse, ProviderDefinition, ProviderFile, ProviderResponse } from './provider.js';
import type { RoutableDeployment } from './router.js';
import type { Router } from './router.js';
import type { Pricing } from './pricing.js';
import type { ModelAccess } from './model-access.js';
import type { TapActivation } from './tap-activation.js';
import type { PluginScope } from './plugin-scope.js';
import type { DeploymentSource } from './deployment-source.js';
import type { Importer } from './importer.js';
import type { IdentityDirectory } from './identity.js';

/** The kernel API this SDK describes. Plugins declare a semver range of it in `apiVersion`. */
export const KERNEL_API_VERSION = '2.5.0';

export type PreAuthHandler = (input: AuthInput) => Promise<Principal | undefined>;
export type PreCallHandler = (ctx: CallContext) => Promise<CallContext | void>;
export type ResponseHandler = (ctx: ResponseContext) => Promise<ResponseContext | void>;
export type ChunkHandler = (ctx: ChunkContext) => Promise<ChunkContext | void>;

/**
 * `postCall` for streams: `chunk` runs `chunk()` on every chunk as it passes (no added latency);
 * `buffer` holds the stream, runs `response()` on the assembled completion, then releases it;
 * `none` leaves streams alone. Plain (non-streamed) responses always go to `response()`.
 */
export interface PostCallHooks {
  streaming: 'chunk' | 'buffer' | 'none';
  response?: ResponseHandler;
  chunk?: ChunkHandler;
}

export type ObserverHandler<E> = (event: Readonly<E>) => Promise<void>;

export interface RouteRequest {
  principal: Principal | undefined;
  /** The parsed JSON body; with `body: 'raw'` on the route, the bytes as received (a Uint8Array, empty when none). */
  body: unknown;
  query: Record<string, string | string[] | undefined>;
  /** Path parameters; on a route whose url ends in `/*`, `params['*']` is the rest of the path. */
  params: Record<string, string>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  ip: string;
  requestId: string;
  /**
   * The request method (a route may serve several). The gateway sets this and the three fields
   * after it on every request; they are optional only so code that builds a RouteRequest itself
   * (a test) keeps compiling.
   */
  method?: string;
  /** Path and query string as the client sent them. */
  url?: string;
  /** Aborted when the client goes away before the answer is complete: cancel the work it was for. */
  signal?: AbortSignal;
  /**
   * Whether the client went away, without making `signal` (a real AbortSignal costs microseconds
   * a request): read this to decide how to report a call.
   */
  readonly aborted?: boolean;
  /**
   * Records the request as a billable call of its caller (e.g. a pass-through endpoint's fixed
   * price): delivered to `onSpend` observers as a model call's spend event is. Does nothing on a
   * public route, where no principal authenticated the request.
   */
  recordSpend?(spend: RouteSpend): void;
  /**
   * Admits the request as a call of its caller before the route does its work (a pass-through
   * endpoint, before forwarding): the gateway's preCall chain runs on it as on a model call, with
   * the principal's scopes, so rate limits, budgets, blocked customers and the guardrails that
   * read the body refuse it here. A refusal is thrown as the verdict (let it propagate: it is
   * rendered as on a model call). What the chain reserved (parallel slots, budget estimates) is
   * settled by the event `recordSpend` emits, or, when the route fails or the client goes away
   * without one, by a failure event the gateway emits. Resolves to headers for the answer (e.g.
   * `x-ratelimit-remaining-requests`). Present on authenticated routes only; once per request.
   */
  admit?(call?: RouteCall): Promise<AdmittedCall>;
  /**
   * Calls a model group as the chat route does, after `admit`: the caller's model access is
   * checked, the router picks a deployment (retries, fallbacks, cooldowns), each attempt is timed
   * out and aborted when the client goes away. Deployments that serve none of `endpoints` are not
   * routed to. Upstream failures are thrown as OpenAI-format errors (`SluiceError`). The route
   * relays or translates `response`, then reports the call with `recordSpend` (its `usage`
   * settles the router's accounting). Present on authenticated routes only.
   */
  callModel?(call: ModelCall): Promise<ModelCallResult>;
  /**
   * Sends a request in a provider's native API with a deployment's credentials (provider
   * pass-through routes, files, batches): the deployment is the router's pick of `model`'s group
   * when `model` is given, else the first deployment of `provider` that sets
   * `litellm_params.use_in_pass_through`, else its first one, else one built from the provider's
   * environment credentials (as LiteLLM's pass-through routes use `OPENAI_API_KEY`…). Throws a
   * 404 error when nothing can serve it. Present on authenticated routes only.
   */
  forward?(call: ForwardCall): Promise<ForwardResult>;
}

/** A model call a route makes (see `RouteRequest.callModel`). */
export interface ModelCall {
  /** The model group the client named. */
  model: string;
  /** Endpoints a deployment may be called on, most preferred first (`['responses', 'chat']`). */
  endpoints: readonly Endpoint[];
  stream: boolean;
  /**
   * The body for one attempt, in the wire format of `endpoint` (the first of `endpoints` the
   * deployment serves): a new object each time, on which the gateway sets `model` to the
   * deployment's upstream model (a frozen object is copied instead).
   */
  body(endpoint: Endpoint, deployment: RoutableDeployment): JsonObject;
  /** Files of a multipart call, sent with every attempt. */
  files?: readonly ProviderFile[];
  /** Whole-call timeout of a non-streamed attempt, ms, instead of the deployment's (long audio). */
  timeoutMs?: number;
}

export interface ModelCallResult {
  /** The endpoint the deployment was called on. */
  readonly endpoint: Endpoint;
  readonly deployment: DeploymentInfo;
  readonly response: ProviderResponse;
  /** For the `x-litellm-attempted-*` headers. */
  readonly attemptedFallbacks?: number;
  readonly attemptedRetries?: number;
  /** Epoch ms the answer (or its first chunk) arrived from the upstream. */
  readonly answeredAt: number;
  /** What `usage` costs on this deployment and endpoint, USD (the pricing plugin; 0 without one). */
  price(usage: Usage, endpoint?: Endpoint): number;
}

/** A native provider request a route forwards (see `RouteRequest.forward`). */
export interface ForwardCall {
  /** A model group whose deployments answer it (LiteLLM's `model` of a pass-through deployment). */
  model?: string;
  /** A provider name (`openai`, `bedrock`, `vertex_ai`…) when no model group is given. */
  provider?: string;
  /**
   * One deployment by id (`ForwardResult.deployment.id` of an earlier call): a follow-up that must
   * reach the deployment holding its object (a stored response, an uploaded file). Wins over
   * `model` and `provider`; the caller's access to that deployment's model group is checked.
   */
  deploymentId?: string;
  request: Omit<ForwardRequest, 'signal'>;
  /** Timeout until the upstream's headers arrive, ms; default the deployment's timeout. */
  timeoutMs?: number;
}

export interface ForwardResult {
  readonly deployment: DeploymentInfo;
  readonly response: ForwardResponse;
  /**
   * What `usage` costs, USD. `model` prices it as that upstream model (a pass-through's model is
   * in its path, not its deployment); `endpoint` defaults to `chat`.
   */
  price(usage: Usage, options?: { endpoint?: Endpoint; model?: string }): number;
}

/** The call a route admits (see `RouteRequest.admit`). */
export interface RouteCall {
  /** Default `pass_through_endpoint`. */
  endpoint?: CallEndpoint;
  /** The request's JSON body as the preCall plugins should read it; default `{}`. Not changed by the gateway. */
  body?: JsonObject;
  /** The model the call is for (per-model limits, budgets); set as the call body's `model`. */
  model?: string;
}

/** What an admitted call gives its route. */
export interface AdmittedCall {
  /** Headers the preCall plugins added for the answer (`CallContext.responseHeaders`). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The call's body after the preCall chain: guardrails may have changed it (redacted text,
   * enforced params). A route must send what is here, not what it admitted.
   */
  readonly body: JsonObject;
}

/** What a route reports of a billable request (see `RouteRequest.recordSpend`). */
export interface RouteSpend {
  endpoint: SpendEndpoint;
  /** What the spend event names as the model (e.g. the target it was forwarded to). */
  model: string;
  status: CallStatus;
  httpStatus: number;
  /** USD. */
  cost: number;
  stream?: boolean;
  /** Epoch ms the request arrived. */
  startedAt: number;
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** Tokens (and other priced units) of the call; settles the router's accounting after `callModel`. */
  usage?: Usage;
  /** The deployment that served it (`ModelCallResult.deployment`, `ForwardResult.deployment`). */
  deployment?: DeploymentInfo;
  /** The id of the answer the client got (`resp_…`, `msg_…`, `batch_…`). */
  responseId?: string;
  /** Streams: epoch ms the first chunk arrived. */
  firstTokenAt?: number;
  /** The error code of a failed call. */
  errorCode?: string;
}

export interface RouteResult {
  status?: number;
  headers?: Record<string, string | string[]>;
  contentType?: string;
  /** A string is sent as text, anything else as JSON. Ignored when `stream` is set. */
  body?: unknown;
  /**
   * The answer's body as bytes, relayed chunk by chunk as they come, with backpressure; the
   * iteration is stopped (`return()`) when the client goes away. Content type: `headers` or
   * `contentType`, else `application/octet-stream`.
   */
  stream?: AsyncIterable<Uint8Array>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * An HTTP route a plugin contributes (admin APIs, `/robots.txt`, pass-through endpoints…). Routes
 * are returned by `setup`, so they may come from the plugin's config; one that a gateway route
 * already serves is skipped with a warning (the gateway's wins).
 */
/** See `RouteDefinition.credential`. */
export interface RouteCredential {
  /** Lower-case header names, in order; a `Bearer ` prefix is removed. */
  headers?: string[];
  /** A query parameter. */
  query?: string;
}

export interface RouteDefinition {
  method: HttpMethod | HttpMethod[];
  /** A path; `:name` segments are parameters; a trailing `/*` matches every sub-path (`params['*']`). */
  url: string;
  /**
   * `json` (default): the body is parsed as JSON whatever its content type. `raw`: the handler
   * gets the bytes as received, any content type, bounded by the server's body limit. `stream`:
   * `RouteRequest.body` is the request's bytes as an `AsyncIterable<Uint8Array>`, unread (uploads
   * parsed or forwarded as they arrive).
   */
  body?: 'json' | 'raw' | 'stream';
  /** Largest body this route takes, bytes (uploads); default the server's body limit. */
  maxBodyBytes?: number;
  /**
   * How errors of this route are rendered: `openai` (default) or `anthropic`
   * (`{type: 'error', error: {type, message}}`, Anthropic's error types by status).
   */
  errorFormat?: ErrorFormat;
  /**
   * Where this route's callers may also put their gateway key, tried before the usual headers:
   * a provider SDK's own places (`headers: ['x-litellm-api-key']` ahead of the Google token a
   * Vertex SDK sends as `Authorization`; `query: 'key'`, Gemini's `?key=`). A key read from the
   * query is removed from `RouteRequest.url` and `query` before the handler sees them.
   */
  credential?: RouteCredential;
  /**
   * The operator configured this path (a `pass_through_endpoints` entry): it is registered before
   * the routes plugins serve by default, so it wins on the same path. The gateway's own routes
   * still come first.
   */
  configured?: boolean;
  /** `public`: no credential; `authenticated`: any principal; or the roles allowed. */
  access: 'public' | 'authenticated' | Role[];
  summary?: string;
  tags?: string[];
  handler(request: RouteRequest): Promise<RouteResult>;
}

export interface PluginInstance {
  preAuth?: PreAuthHandler;
  preCall?: PreCallHandler;
  postCall?: ResponseHandler | PostCallHooks;
  onSpend?: ObserverHandler<SpendEvent>;
  onAudit?: ObserverHandler<AuditEvent>;
  routes?: RouteDefinition[];
  providers?: ProviderDefinition[];
  secretResolvers?: SecretResolver[];
  /** Takes over deployment choice, retries and fallbacks (one router per gateway). */
  router?: Router;
  /** Prices calls for spend and the `x-litellm-response-cost` header (one pricing source per gateway). */
  pricing?: Pricing;
  /** Decides which models a caller may call and sees in `/v1/models` (every provider is asked). */
  modelAccess?: ModelAccess;
  /** Decides per request which taps of which plugins run (one provider per gateway, in-process only; see tap-activation.ts). */
  tapActivation?: TapActivation;
  /** Supplies deployments while the gateway runs (models stored in a database; see deployment-source.ts). */
  deploymentSource?: DeploymentSource;
  /** Carry another gateway's database into the plugin's tables (`sluice import`; in-process only; see importer.ts). */
  importers?: Importer[];
  /** Turns identities from JWTs and SSO sessions into principals (one provider per gateway; see identity.ts). */
  identities?: IdentityDirectory;
  /**
   * Called once, at shutdown: after in-flight requests and streams finished and the observers'
   * queue drained, in reverse load order, while the database and counters are still open (so a
   * plugin can flush). There is no config reload: a new config means a new gateway process.
   */
  close?(): Promise<void>;
}

export interface PluginDefinition<Config = Record<string, unknown>> {
  id: string;
  version: string;
  /** Semver range of the kernel API the plugin was written for, e.g. `^1`. */
  apiVersion: string;
  /** Tables the plugin needs, applied in order before any plugin's setup runs. */
  migrations?: PluginMigration[];
  /**
   * Checks the config against the gateway's other plugins, before any setup: at startup and in
   * `sluice config check`. Throw a `PluginConfigError` naming the config path; return warnings.
   * Only for what the config schema cannot say (the schema is checked before). In-process
   * plugins only: a sandboxed plugin's definition crosses no such function.
   */
  checkConfig?(config: Config, scope: PluginScope): readonly string[];
  setup(ctx: PluginContext, config: Config): PluginInstance | Promise<PluginInstance>;
}

const PLUGIN_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Declares a plugin. Checks the static parts early so a typo fails at import, not at request time. */
export function definePlugin<Config = Record<string, unknown>>(def: PluginDefinition<Config>): PluginDefinition<Config> {
  if (!PLUGIN_ID.test(def.id)) throw new Error(`plugin id must be kebab-case: ${JSON.stringify(def.id)}`);
  if (typeof def.setup !== 'function') throw new Error(`plugin ${def.id}: setup must be a function`);
  return Object.freeze({ ...def });
}
