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
  Principal,
  ResponseContext,
  Role,
  SpendEndpoint,
  SpendEvent,
} from './hook-contexts.js';
import type { JsonObject } from './json.js';
import type { ProviderDefinition } from './provider.js';
import type { Router } from './router.js';
import type { Pricing } from './pricing.js';
import type { ModelAccess } from './model-access.js';
import type { TapActivation } from './tap-activation.js';
import type { PluginScope } from './plugin-scope.js';
import type { DeploymentSource } from './deployment-source.js';

/** The kernel API this SDK describes. Plugins declare a semver range of it in `apiVersion`. */
export const KERNEL_API_VERSION = '2.1.0';

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
export interface RouteDefinition {
  method: HttpMethod | HttpMethod[];
  /** A path; `:name` segments are parameters; a trailing `/*` matches every sub-path (`params['*']`). */
  url: string;
  /**
   * `json` (default): the body is parsed as JSON whatever its content type. `raw`: the handler
   * gets the bytes as received, any content type, bounded by the server's body limit.
   */
  body?: 'json' | 'raw';
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
