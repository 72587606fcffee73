/** What the kernel hands a plugin at setup. First-party plugins get all of it; sandboxed ones get what they were granted. */
import type { Counters } from './counters.js';
import type { PluginDatabase } from './database.js';
import type { AuditEvent, Principal, Role } from './hook-contexts.js';
import type { Metrics } from './metrics.js';
import type { AbortSignalLike } from './provider.js';
import type { DeploymentView } from './deployment-source.js';

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An async iterable is sent as it is read (uploads forwarded without buffering). */
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  signal?: AbortSignal | AbortSignalLike;
  /** Time to wait for response headers, ms. */
  headersTimeoutMs?: number;
  /** Time allowed between body chunks, ms. */
  bodyTimeoutMs?: number;
}

export interface HttpResponseBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: HttpResponseBody;
}

/** A URL split once, for callers that hit the same endpoint on every request. */
export interface HttpTarget {
  /** `https://host:port` */
  origin: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
}

/** Outbound HTTP through the kernel's keep-alive connection pools. */
export interface HttpClient {
  /** `url` may be prepared once (`httpTarget(url)`), which saves parsing it on every call. */
  request(url: string | HttpTarget, options?: HttpRequestOptions): Promise<HttpResponse>;
}

export function httpTarget(url: string): HttpTarget {
  const u = new URL(url);
  return { origin: u.origin, path: u.pathname + u.search };
}

export interface KvStore {
  /** `null` when the key is absent or expired, as in the sandbox (`SandboxKv.get`): one answer on both sides of the boundary. */
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(prefix?: string, limit?: number): Promise<string[]>;
}

export interface SecretReader {
  /** Reads a secret through the configured secret managers, then the environment. */
  get(name: string): Promise<string | undefined>;
  /** Marks a value the plugin holds (a generated key, a token) as secret: it is scrubbed from logs and error messages. */
  redact(value: string): void;
  /** `text` with every known secret value (master key, provider keys, redacted values) replaced by `[REDACTED]`, as logs show it. */
  scrub(text: string): string;
}

/** Resolves `os.environ/NAME`-style references from a secret manager. */
export interface SecretResolver {
  /** Name shown in logs, e.g. `aws_secret_manager`. */
  name: string;
  get(name: string): Promise<string | undefined>;
}

export interface ModelListing {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export interface ModelCatalog {
  /** Model groups, in config order. */
  list(): ModelListing[];
  has(modelName: string): boolean;
  /**
   * What a call to `modelName` with these token counts would cost, in USD, as the pricing plugin
   * estimates it (for budget reservations; pricing-cost-map takes the dearest deployment); 0 when
   * the model is unknown or unpriced, or no pricing plugin estimates. A lookup, no I/O.
   */
  estimateCost(modelName: string, promptTokens: number, completionTokens: number): number;
  /**
   * Calls a chat model group of model_list directly (no hooks run, no spend recorded), trying each
   * deployment once; resolves to the OpenAI chat completion. For guardrails that ask a model.
   */
  complete(modelName: string, body: Record<string, unknown>, opts?: { timeoutMs?: number }): Promise<Record<string, unknown>>;
  /** Every deployment served now (config and runtime ones), without credentials, in config order then as added. */
  deployments(): readonly DeploymentView[];
  /** Called (synchronously, after the swap) whenever deployments are added, replaced or removed. Returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /**
   * Whether `principal` may call model group `modelName`, as the enabled model access providers
   * decide it on a call (true when none is enabled). For management APIs listing what a caller may use.
   */
  mayCall(principal: Principal, modelName: string): boolean;
}

/** The gateway's resolved settings, read-only, for plugins that honour a LiteLLM setting. */
export interface GatewaySettings {
  general_settings: Readonly<Record<string, unknown>>;
  litellm_settings: Readonly<Record<string, unknown>>;
  router_settings: Readonly<Record<string, unknown>>;
}

export interface PluginContext {
  readonly pluginId: string;
  readonly version: string;
  readonly log: Logger;
  readonly http: HttpClient;
  readonly counters: Counters;
  /** The gateway's database (SQLite or Postgres) for first-party plugins with their own tables. */
  readonly database: PluginDatabase;
  /** The gateway's metrics registry: register the plugin's own metrics, read any (`snapshot()`). */
  readonly metrics: Metrics;
  /** Namespaced key/value store on the gateway's database (namespace = plugin id). */
  readonly kv: KvStore;
  readonly secrets: SecretReader;
  readonly models: ModelCatalog;
  readonly settings: Readonly<GatewaySettings>;
  /** The plugin's installed folder (where plugin.json is), for data files it ships. */
  readonly pluginDir: string;
  /** Directory for the plugin's own files (created on demand), under the gateway's data dir. */
  readonly dataDir: string;
  /** Records a management operation in the audit trail (delivered to `onAudit` observers). */
  audit(event: Omit<AuditEvent, 'id' | 'at'> & { actor: { id: string; role: Role | 'system' } }): void;
  now(): number;
}
