/* eslint-disable */
/**
 * GENERATED from schemas/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * A guardrail event hook.
 */
export type GuardrailMode = 'pre_call' | 'post_call' | 'during_call' | 'logging_only';

/**
 * A Sluice config file. Sluice's native form is model_list (the deployments), plugins, server, logging and storage; LiteLLM's sections (litellm_settings, general_settings, router_settings, environment_variables, include, guardrails) are accepted as LiteLLM writes them and translated into the native form at load (kernel/config/litellm/).
 */
export interface SluiceConfig {
  /**
   * Deployments, as in LiteLLM: several entries may share a model_name (a model group).
   */
  model_list?: ModelDeployment[];
  /**
   * LiteLLM's litellm_settings, translated: `callbacks` names enable the plugins that claim them (plugin.json `litellm.callbacks`); other keys become config of the plugins that declare them (`litellm.settings`).
   */
  litellm_settings?: {
    [k: string]: unknown;
  };
  /**
   * LiteLLM's general_settings (master_key, database_url, …), translated: database_url into storage.database_url, the others into the config of the plugins that declare them.
   */
  general_settings?: {
    [k: string]: unknown;
  };
  /**
   * LiteLLM's router_settings (routing_strategy, num_retries, fallbacks, …), translated: redis_* into storage.redis_url, timeout and stream_timeout into server's default timeouts, the others into the config of the plugins that declare them.
   */
  router_settings?: {
    [k: string]: unknown;
  };
  /**
   * Set into the process environment before `os.environ/NAME` references are resolved, as LiteLLM does.
   */
  environment_variables?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Other YAML files merged into this one (their model_list entries are appended).
   */
  include?: string[];
  /**
   * LiteLLM's guardrails list: each entry enables the plugin that implements `litellm_params.guardrail` and says when it runs (`mode`, `default_on`). Listed by GET /guardrails/list.
   */
  guardrails?: GuardrailEntry[];
  /**
   * Plugins to enable, in addition to those implied by the LiteLLM sections.
   */
  plugins?: PluginEntry[];
  server?: ServerSettings;
  logging?: LoggingSettings;
  storage?: StorageSettings;
  [k: string]: unknown;
}
/**
 * One deployment of a model group.
 */
export interface ModelDeployment {
  /**
   * The name clients send as `model`.
   */
  model_name: string;
  litellm_params: LiteLLMParams;
  /**
   * Metadata: id, base_model, prices, mode…
   */
  model_info?: {
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
/**
 * How to call the deployment. `model` is `<provider>/<upstream model>`.
 */
export interface LiteLLMParams {
  /**
   * `<provider>/<upstream model>`, e.g. `openai/gpt-4o`.
   */
  model: string;
  /**
   * Base URL of the upstream API.
   */
  api_base?: string;
  /**
   * Upstream credential; use `os.environ/NAME`.
   */
  api_key?: string;
  /**
   * API version (Azure).
   */
  api_version?: string;
  /**
   * Requests per minute this deployment allows.
   */
  rpm?: number;
  /**
   * Tokens per minute this deployment allows.
   */
  tpm?: number;
  /**
   * Whole-call timeout in seconds.
   */
  timeout?: number | string;
  /**
   * Timeout between stream events, in seconds.
   */
  stream_timeout?: number | string;
  /**
   * USD per prompt token, overriding the cost map.
   */
  input_cost_per_token?: number;
  /**
   * USD per completion token, overriding the cost map.
   */
  output_cost_per_token?: number;
  [k: string]: unknown;
}
/**
 * One guardrail, as LiteLLM writes it.
 */
export interface GuardrailEntry {
  /**
   * The name requests, keys and teams use to switch it on (`guardrails: [name]`) and `permissions` to switch it off.
   */
  guardrail_name: string;
  litellm_params: GuardrailParams;
  /**
   * Free-form information returned by GET /guardrails/list.
   */
  guardrail_info?: {
    [k: string]: unknown;
  };
  [k: string]: unknown;
}
/**
 * Which implementation, when it runs, and its settings. Other keys are passed to the implementing plugin where its config schema has them.
 */
export interface GuardrailParams {
  /**
   * The implementation, e.g. `hide-secrets` or `banned_keywords` (see each guardrail plugin's README).
   */
  guardrail: string;
  /**
   * When it runs: `pre_call` (on the request, before the provider), `during_call` (on the request, alongside the provider call; the response waits for it), `post_call` (on the response), `logging_only` (on what is logged). A list runs it at each.
   */
  mode:
    | GuardrailMode
    | [GuardrailMode, ...GuardrailMode[]]
    | {
        /**
         * Request tag (e.g. `User-Agent: claude-cli`) → mode. Not supported: reported at startup.
         */
        tags?: {};
        /**
         * The mode when no tag matches.
         */
        default: GuardrailMode | [GuardrailMode, ...GuardrailMode[]];
      };
  /**
   * Run on every request (default false: it runs when the request, its key or its team asks for it).
   */
  default_on?: boolean;
  [k: string]: unknown;
}
/**
 * One enabled plugin.
 */
export interface PluginEntry {
  /**
   * `<id>@<semver range>` of a plugin under plugins/, or a path to a packaged third-party plugin.
   */
  use: string;
  /**
   * Set false to disable a plugin that would otherwise be enabled.
   */
  enabled?: boolean;
  /**
   * The plugin's config, validated against its config.schema.json.
   */
  config?: {};
  /**
   * Override the stage of this plugin's taps, per hook.
   */
  stages?: {
    [k: string]: 'SECURITY' | 'AUTH' | 'BUDGET' | 'GUARDRAIL' | 'DEFAULT' | 'TRANSFORM' | 'OBSERVE';
  };
  /**
   * Override the plugin's failure policy for all its hooks.
   */
  failure_policy?: 'fail-closed' | 'fail-open';
  /**
   * Pin for a packaged plugin: the hex SHA-256 of its .tgz (printed by `sluice plugin pack`). Loading refuses a mismatch.
   */
  sha256?: string;
  /**
   * Development only: load a package without a `sha256` pin (a folder can never be pinned). `sluice config check` and startup warn about it.
   */
  allow_unpinned?: boolean;
  /**
   * Where the plugin runs. Packages named by path always run in an isolate; plugins under plugins/ run in-process.
   */
  runtime?: 'in-process' | 'isolate';
  /**
   * Limits of the plugin's isolate.
   */
  sandbox?: {
    /**
     * Heap limit of the isolate in MB.
     */
    memory_mb?: number;
    /**
     * Time allowed per hook call, capability calls and waiting for a restarting isolate included.
     */
    timeout_ms?: number;
    /**
     * Time allowed for the isolate's setup (evaluating the bundle and the plugin's setup()), at start and at every restart. Calls never wait for it longer than their own timeout_ms.
     */
    setup_timeout_ms?: number;
  };
  /**
   * Capabilities the operator grants a sandboxed plugin; nothing else is reachable.
   */
  grants?: {
    /**
     * Hosts (`host` or `host:port`) http.fetch may reach.
     */
    http?: string[];
    /**
     * A key/value store of its own, on the gateway's database.
     */
    kv?: boolean;
    /**
     * Secret names secrets.get may read.
     */
    secrets?: string[];
    /**
     * Environment variables the package's plugin.json `litellm.env` may read into its config.
     */
    env?: string[];
    /**
     * Dotted config paths (`litellm_settings.num_retries`) the package's plugin.json `litellm.settings` may read into its config.
     */
    settings?: string[];
    /**
     * Lets the package tap preAuth, where it sees every caller's credential. The principals it returns may carry at most `max_role`.
     */
    auth?: {
      /**
       * The highest role a principal it returns may have (proxy_admin > proxy_admin_viewer > org_admin > team_admin > internal_user > internal_user_viewer > customer).
       */
      max_role:
        | 'proxy_admin'
        | 'proxy_admin_viewer'
        | 'org_admin'
        | 'team_admin'
        | 'internal_user'
        | 'internal_user_viewer'
        | 'customer';
    };
    /**
     * `os.environ/` names the package's secret resolver is asked for; it is never asked for any other.
     */
    secret_resolver?: string[];
  };
  /**
   * Let a package take the id of a plugin installed under plugins/ (first-party), replacing it. Refused without this; `sluice config check` and startup warn about it.
   */
  override_first_party?: boolean;
}
/**
 * HTTP server settings.
 */
export interface ServerSettings {
  /**
   * Interface to listen on.
   */
  host?: string;
  /**
   * Port to listen on (the CLI's --port and PORT win).
   */
  port?: number;
  /**
   * Largest request body accepted, in MB.
   */
  body_limit_mb?: number;
  /**
   * How long graceful shutdown waits for in-flight requests and streams.
   */
  shutdown_timeout_ms?: number;
  /**
   * Upstream timeout of a deployment whose `litellm_params.timeout` does not set one. A LiteLLM config's `router_settings.timeout` or `litellm_settings.request_timeout` is translated into it.
   */
  default_timeout_s?: number;
  /**
   * Longest wait between two stream events of a deployment whose `litellm_params.stream_timeout` does not set one; unset, the deployment's whole-call timeout. A LiteLLM config's `router_settings.stream_timeout` is translated into it.
   */
  default_stream_timeout_s?: number;
  /**
   * How long a client may take to send a request's headers before the connection is closed (at most request_timeout_ms).
   */
  headers_timeout_ms?: number;
  /**
   * How long a client may take to send a whole request, headers and body, before the connection is closed with 408. It does not limit the answer (a long call or stream).
   */
  request_timeout_ms?: number;
  /**
   * How long an idle keep-alive connection stays open between requests (longer than a load balancer's usual 60 s).
   */
  keep_alive_timeout_ms?: number;
  /**
   * Open connections one client address may hold; the next is answered 429 and closed. 0: no cap. Behind a proxy every client shares its address.
   */
  max_connections_per_ip?: number;
  /**
   * Deepest nesting of objects and arrays accepted in a JSON body (the body is level 1); deeper is a 400.
   */
  json_max_depth?: number;
  /**
   * Longest string (key or value) accepted in a JSON body, in characters; longer is a 400. Unset: only body_limit_mb bounds it (a base64 image is one string).
   */
  json_max_string_length?: number;
  /**
   * Read the caller's key only from this header, as `Bearer <key>` (LiteLLM: general_settings.litellm_key_header_name); the Authorization and other key headers are then ignored. Unset: Authorization, x-api-key, api-key, x-litellm-api-key, x-goog-api-key.
   */
  api_key_header?: string;
  /**
   * Proxies whose `X-Forwarded-For` is believed (LiteLLM: general_settings.use_x_forwarded_for, with general_settings.trusted_proxies): addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal` (private ranges). The client address is the nearest hop, walking X-Forwarded-For from the right, that is not a trusted proxy; IP allow-lists, spend logs and rate limits see it. Unset or empty: X-Forwarded-For is ignored and the client is the socket's peer.
   *
   * @maxItems 1000
   */
  trusted_proxies?: string[];
}
/**
 * Log settings.
 */
export interface LoggingSettings {
  /**
   * pino level.
   */
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /**
   * Human-readable output (default: when stdout is a TTY).
   */
  pretty?: boolean;
  /**
   * Log one line per proxied request.
   */
  requests?: boolean;
  /**
   * Extra pino redaction paths.
   */
  redact?: string[];
}
/**
 * Where state lives. Environment variables DATABASE_URL and REDIS_URL win.
 */
export interface StorageSettings {
  /**
   * Directory for the SQLite file and generated secrets.
   */
  data_dir?: string;
  /**
   * `postgres://…`, `sqlite:<path>`; default SQLite in data_dir.
   */
  database_url?: string;
  /**
   * `redis://…`; default in-process counters.
   */
  redis_url?: string;
}
