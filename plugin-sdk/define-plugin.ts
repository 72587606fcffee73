/** The one plugin contract, shared by in-process (first-party) and sandboxed (third-party) plugins. */
import type { PluginContext } from './capabilities.js';
import type { PluginMigration } from './database.js';
import type { SecretResolver } from './capabilities.js';
import type {
  AuditEvent,
  AuthInput,
  CallContext,
  ChunkContext,
  Principal,
  ResponseContext,
  Role,
  SpendEvent,
} from './hook-contexts.js';
import type { ProviderDefinition } from './provider.js';
import type { Router } from './router.js';
import type { Pricing } from './pricing.js';
import type { ModelAccess } from './model-access.js';
import type { TapActivation } from './tap-activation.js';
import type { PluginScope } from './plugin-scope.js';

/** The kernel API this SDK describes. Plugins declare a semver range of it in `apiVersion`. */
export const KERNEL_API_VERSION = '2.0.0';

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
  body: unknown;
  query: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  ip: string;
  requestId: string;
}

export interface RouteResult {
  status?: number;
  headers?: Record<string, string>;
  contentType?: string;
  body: unknown;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** An HTTP route a plugin contributes (admin APIs, `/robots.txt`, …). */
export interface RouteDefinition {
  method: HttpMethod | HttpMethod[];
  url: string;
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
