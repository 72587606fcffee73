/* eslint-disable */
/**
 * GENERATED from plugins/metrics-prometheus/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Prometheus metrics at GET /metrics, with LiteLLM's metric names and labels.
 */
export interface MetricsPrometheusConfig {
  /**
   * LiteLLM's litellm_settings.require_auth_for_metrics_endpoint. false (default): /metrics is public, as in LiteLLM. true: a valid key (any role, as LiteLLM's user_api_key_auth) is needed.
   */
  require_auth_for_metrics_endpoint?: boolean;
  /**
   * LiteLLM's setting of the same name: fill the end_user label from the request's `user` field. Off by default to bound cardinality (end_user is then "None").
   */
  enable_end_user_cost_tracking_prometheus_only?: boolean;
  /**
   * LiteLLM's custom_prometheus_metadata_labels: metadata fields ("metadata.foo") added as labels ("metadata_foo") to the request metrics; the value comes from the request's metadata, else the key's, else the team's.
   */
  custom_prometheus_metadata_labels?: string[];
  /**
   * LiteLLM's prometheus_latency_buckets: histogram bucket bounds in seconds for the latency metrics (ascending). Default LiteLLM's LATENCY_BUCKETS (0.005 s to 300 s).
   *
   * @minItems 1
   */
  prometheus_latency_buckets?: [number, ...number[]];
  /**
   * Most label series one metric keeps (LiteLLM's BoundedPrometheusSeriesTracker). A new series past it is dropped and counted in sluice_prometheus_series_dropped_total{metric}.
   */
  prometheus_metrics_max_series_per_metric?: number;
  /**
   * When set, a label series not updated for this many seconds is removed at the next scrape (frees room under the series cap).
   */
  prometheus_metrics_ttl_seconds?: number;
  /**
   * Also export the gateway's own metrics registry (plugin faults, hook latencies, sandbox restarts, observer failures, plugins' own metrics) with a sluice_ prefix.
   */
  include_kernel_metrics?: boolean;
}
