/**
 * The kernel's own metrics (plugin faults, sandbox restarts, observer failures, hook latencies),
 * kept in the SDK's metrics registry, which plugins also register into (`ctx.metrics`) and an
 * exporter reads with `registry.snapshot()`.
 */
import { LATENCY_BUCKETS_SECONDS, MetricsRegistry, type Counter } from '@sluice/plugin-sdk';

export class KernelMetrics {
  readonly registry = new MetricsRegistry();
  readonly pluginFaults = this.registry.counter('plugin_faults_total', {
    help: 'Faults of plugin hooks (crashes, timeouts, invalid answers): each followed the plugin\'s failure policy.',
    labelNames: ['plugin', 'hook'],
  });
  /** Per hook point; `postCallChunk` is postCall's per-chunk handler. Bound per tap at load, so a call only adds numbers. */
  readonly hookDuration = this.registry.histogram('plugin_hook_duration_seconds', {
    help: 'Time one call of a plugin hook took, verdicts and faults included.',
    labelNames: ['plugin', 'hook'],
    buckets: LATENCY_BUCKETS_SECONDS,
  });
  private readonly byName = new Map<string, Counter<string>>([
    ['plugin_faults_total', this.pluginFaults],
    ['sandbox_restarts_total', this.registry.counter('sandbox_restarts_total', { help: 'Sandboxed plugin isolates disposed and recreated (timeouts, memory, crashes).', labelNames: ['plugin'] })],
    ['observer_failures_total', this.registry.counter('observer_failures_total', { help: 'onSpend/onAudit deliveries that failed.', labelNames: ['hook'] })],
  ]);

  /** Counts a rare kernel event (a fault, a restart) by metric name. */
  inc(name: string, labels: Record<string, string>, by = 1): void {
    const counter = this.byName.get(name);
    if (!counter) throw new Error(`not a kernel counter: ${name}`);
    counter.inc(labels, by);
  }

  get(name: string, labels: Record<string, string>): number {
    return this.registry.value(name, labels);
  }
}
