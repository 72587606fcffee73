/** What the kernel hands a plugin at setup. First-party plugins get all of it; sandboxed ones get what they were granted. */
import type { Counters } from './counters.js';
import type { PluginDatabase } from './database.js';
import type { AuditEvent, Principal, Role } from './hook-contexts.js';
import type { Metrics } from './metrics.js';
import type { AbortSignalLike } from './provider.js';
import type { DeploymentView } from './deployment-source.js';
import type { ManagementClient } from './management-client.js';
import type { IdentityDirectory } from './identity.js';

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
  /**
   * Writes a secret to every configured secret manager that stores secrets (LiteLLM
   * `key_management_settings.store_virtual_keys`, `access_mode` `write_only`/`read_and_write`):
   * resolves to the managers written (empty when none stores secrets). Rejects when one fails.
   */
  write(name: string, value: string, meta?: SecretWriteMeta): Promise<string[]>;
  /**
   * Deletes a secret from every manager that stores secrets; resolves to the managers asked.
   * `meta.settings`: the same per-team location the secret was written with.
   */
  remove(name: string, meta?: SecretWriteMeta): Promise<string[]>;
}

/** What a manager records with a written secret (LiteLLM `description`, `tags`), and where. */
export interface SecretWriteMeta {
  description?: string;
  tags?: Record<string, string>;
  /**
   * LiteLLM's team-level secret manager settings (the owning team's
   * `metadata.secret_manager_settings`, passed to the manager as `optional_params`): where this
   * secret goes instead of the manager's configured defaults. Each manager reads the fields it
   * knows and ignores the rest: Vault `namespace`, `mount`, `path_prefix`, `data` (the field of the
   * KV payload holding the value); AWS `aws_region_name`, `aws_role_name`, `aws_session_name`,
   * `aws_external_id`, `aws_profile_name`, `aws_web_identity_token`, `aws_sts_endpoint`.
   * Absent or empty: the defaults. Given again to `remove` so the delete finds the secret.
   */
  settings?: Readonly<Record<string, unknown>>;
}

/** Resolves `os.environ/NAME`-style references from a secret manager. */
export interface SecretResolver {
  /**
   * Name shown in logs and used in references that name their manager
   * (`secret://aws_secret_manager/NAME`): LiteLLM's `key_management_system` value.
   */
  name: string;
  /** The value, undefined when the manager does not hold it; rejects when the manager cannot be read. */
  get(name: string): Promise<string | undefined>;
  /**
   * Stores a secret (virtual keys the gateway generates). Present only when the manager may
   * write (`access_mode` `write_only` or `read_and_write` with `store_virtual_keys`).
   */
  write?(name: string, value: string, meta?: SecretWriteMeta): Promise<void>;
  /** Deletes a stored secret (where `meta.settings` says it was written); resolves when gone or absent. */
  remove?(name: string, meta?: SecretWriteMeta): Promise<void>;
  /**
   * The manager decrypts the environment's own values (LiteLLM's `aws_kms`, `google_kms`): the
   * environment variables the gateway and its plugins read directly (`DATABASE_URL`, `REDIS_URL`,
   * `LITELLM_MASTER_KEY`, every plugin's `litellm.env` names) are read through `get` too, and a
   * value it answers replaces the encrypted one, as LiteLLM's `decrypt_env_var` rewrites them.
   */
  decryptsEnvironment?: boolean;
  /**
   * How often a value this manager gave may have changed upstream, ms: the gateway re-reads the
   * config's references at this interval and applies changed values (new provider keys) without
   * a restart. Absent: values are read once.
   */
  refreshIntervalMs?: number;
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
  /** The gateway's management API, in-process (in-process plugins only; see management-client.ts). */
  readonly management?: ManagementClient;
  /**
   * Turns a JWT's or SSO session's identity into a Principal with its user's, team's and
   * organization's limits (the plugin that owns them provides it; undefined when none is
   * enabled). Read it when handling a request, not in `setup`: it is set once every plugin is set up.
   */
  readonly identities?: IdentityDirectory;
  now(): number;
}
