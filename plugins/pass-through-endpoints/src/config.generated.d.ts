/* eslint-disable */
/**
 * GENERATED from plugins/pass-through-endpoints/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Routes that forward requests to another API (LiteLLM's pass-through endpoints).
 */
export interface PassThroughEndpointsConfig {
  /**
   * One entry per route, as LiteLLM's PassThroughGenericEndpoint. Read from general_settings.pass_through_endpoints.
   */
  pass_through_endpoints?: PassThroughEndpoint[];
  /**
   * Seconds to wait for the target's response headers, and between two chunks of its body, when an endpoint sets no `timeout`. Read from general_settings.pass_through_request_timeout; LiteLLM's default is 600.
   */
  pass_through_request_timeout?: number;
}
/**
 * A route on the gateway and where its requests go.
 */
export interface PassThroughEndpoint {
  /**
   * The route on the gateway, e.g. `/v1/rerank` or `/bria`.
   */
  path: string;
  /**
   * The URL requests are forwarded to (http or https). An entry whose target is unset (e.g. an `os.environ/` reference that is not set) is skipped with a warning, as LiteLLM skips it.
   */
  target?: string;
  /**
   * Headers added to every forwarded request. A value may hold an `os.environ/NAME` reference anywhere in it (`bearer os.environ/COHERE_API_KEY`), resolved through the secret managers at startup and never logged. `LANGFUSE_PUBLIC_KEY` with `LANGFUSE_SECRET_KEY` become one `Authorization: Basic` header.
   */
  headers?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Also forward the client's own headers (all but host, content-length and accept-encoding; a configured header of the same name wins). Off: only the configured headers, the body's content-type and `x-pass-` headers go.
   */
  forward_headers?: boolean;
  /**
   * Also serve every sub-path of `path`, appended to `target` (`/bria/v1/x` → `<target>/v1/x`; `..` cannot climb above the target).
   */
  include_subpath?: boolean;
  /**
   * Require a valid key (the master key or a virtual key: not blocked, not expired) as LiteLLM's `auth: true` does, and run the pre-call checks on each request before forwarding it (rate limits, max_parallel_requests, budgets). Unset or false: anyone may call the route, as in LiteLLM for config-defined endpoints.
   */
  auth?: boolean;
  /**
   * USD charged to the calling key for every request (spend log row with call_type pass_through_endpoint, key/user/team spend). Only on routes with `auth: true`: a public route has nobody to charge.
   */
  cost_per_request?: number;
  /**
   * Seconds to wait for the target (headers, and between body chunks); overrides pass_through_request_timeout.
   */
  timeout?: number;
  /**
   * HTTP methods served; unset or empty: GET, POST, PUT, DELETE and PATCH.
   */
  methods?: ('GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH')[];
  /**
   * Query parameters sent when neither the target URL nor the client sets them.
   */
  default_query_params?: {
    [k: string]: string | number | boolean;
  };
  /**
   * Accepted for LiteLLM configs: the client's query parameters are always merged over the target's (the client's win).
   */
  merge_query_params?: boolean;
  /**
   * LiteLLM's endpoint id (for its UI); informational.
   */
  id?: string;
  /**
   * LiteLLM's UI marker; informational.
   */
  is_from_config?: boolean;
  /**
   * LiteLLM's per-endpoint guardrails. Not supported: warned at startup, no guardrail runs on pass-through requests.
   */
  guardrails?: {} | null;
  /**
   * LiteLLM's `langfuse` auth parser. Not supported: warned at startup.
   */
  custom_auth_parser?: string;
}
