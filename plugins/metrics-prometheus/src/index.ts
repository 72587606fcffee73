/**
 * LiteLLM's `prometheus` callback: `GET /metrics` (and `/metrics/`) in the Prometheus text format.
 * LiteLLM's metrics (names, help, labels as LiteLLM exposes them) are kept by this plugin,
 * updated in `onSpend` (off the request path), with the label series capped per metric, and
 * written by a prom-client registry of its own at scrape time; the gateway's own registry is
 * appended as `sluice_*`.
 */
import { definePlugin, type RouteDefinition } from '@sluice/plugin-sdk';
import { BoundedMetrics } from './bounded-metrics.js';
import type { MetricsPrometheusConfig } from './config.generated.js';
import { renderKernelMetrics } from './kernel-exposition.js';
import { sanitizeLabelName } from './litellm-metrics.js';
import { SpendMetrics } from './spend-metrics.js';
import manifest from '../plugin.json' with { type: 'json' };

export { BoundedMetrics } from './bounded-metrics.js';
export { renderKernelMetrics } from './kernel-exposition.js';

export default definePlugin<MetricsPrometheusConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const customLabels = (config.custom_prometheus_metadata_labels ?? []).map((field) => ({ field, label: sanitizeLabelName(field) }));
    const metrics = new BoundedMetrics({
      maxSeries: config.prometheus_metrics_max_series_per_metric ?? 10_000,
      ttlMs: config.prometheus_metrics_ttl_seconds === undefined ? undefined : config.prometheus_metrics_ttl_seconds * 1000,
      customLabels: [...new Set(customLabels.map((c) => c.label))],
      latencyBuckets: config.prometheus_latency_buckets ? [...config.prometheus_latency_buckets].sort((a, b) => a - b) : undefined,
      now: () => ctx.now(),
    });
    const spend = new SpendMetrics(metrics, {
      endUser: config.enable_end_user_cost_tracking_prometheus_only === true,
      customLabels,
      now: () => ctx.now(),
    });
    const withKernel = config.include_kernel_metrics !== false;
    // The names prom-client exposes; a kernel metric that renders to one of them is left out rather than duplicated.
    const own = new Set(metrics.registry.getMetricsAsArray().map((m) => m.name));

    const scrape: RouteDefinition['handler'] = async () => {
      metrics.expire();
      let text = await metrics.registry.metrics();
      if (withKernel) text += renderKernelMetrics(ctx.metrics.snapshot(), own);
      return { status: 200, contentType: metrics.registry.contentType, body: text };
    };
    // LiteLLM: public unless litellm_settings.require_auth_for_metrics_endpoint, then any valid key.
    const access = config.require_auth_for_metrics_endpoint === true ? 'authenticated' : 'public';
    const route = (url: string): RouteDefinition => ({ method: 'GET', url, access, summary: 'Prometheus metrics (text exposition format 0.0.4)', tags: ['metrics'], handler: scrape });

    return {
      async onSpend(event) {
        spend.record(event);
      },
      routes: [route('/metrics'), route('/metrics/')],
    };
  },
});
