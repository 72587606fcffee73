/**
 * LiteLLM's metrics in a prom-client registry of their own, with bounded label cardinality
 * (LiteLLM's BoundedPrometheusSeriesTracker `admit_series`): each metric keeps at most
 * `maxSeries` label sets; a new one past that is dropped and counted, an existing one is always
 * updated, and with a TTL the series not updated for that long are removed at the next scrape.
 */
import client from 'prom-client';
import { DEFAULT_BUCKETS, LATENCY_BUCKETS, LITELLM_METRICS, type MetricDef, type MetricId } from './litellm-metrics.js';

type Labels = Record<string, string>;
type AnyMetric = client.Counter<string> | client.Gauge<string> | client.Histogram<string>;

interface Family {
  def: MetricDef;
  labelNames: string[];
  metric: AnyMetric;
  /** Per label set: its labels, when it was last updated, and prom-client's child (bound once, so an update skips prom-client's label hashing). */
  series: Map<string, { labels: Labels; lastSeen: number; child: Child }>;
}

/** What `metric.labels(...)` returns for each kind; only the method of the family's kind is called. */
interface Child {
  inc(by?: number): void;
  set(value: number): void;
  observe(value: number): void;
}

export interface BoundedMetricsOptions {
  maxSeries: number;
  /** Series untouched for longer are removed at scrape time; undefined keeps them. */
  ttlMs: number | undefined;
  /** Sanitized custom label names appended to the metrics that take them. */
  customLabels: readonly string[];
  latencyBuckets: readonly number[] | undefined;
  now: () => number;
}

export class BoundedMetrics {
  readonly registry = new client.Registry();
  readonly #families = new Map<MetricId, Family>();
  readonly #dropped: client.Counter<'metric'>;
  readonly #opts: BoundedMetricsOptions;

  constructor(opts: BoundedMetricsOptions) {
    this.#opts = opts;
    for (const [id, def] of Object.entries(LITELLM_METRICS) as [MetricId, MetricDef][]) {
      const labelNames = [...def.labels, ...(def.custom ? opts.customLabels.filter((l) => !def.labels.includes(l)) : [])];
      const common = { name: def.name, help: def.help, labelNames, registers: [this.registry] };
      const metric: AnyMetric =
        def.kind === 'counter'
          ? new client.Counter(common)
          : def.kind === 'gauge'
            ? new client.Gauge(common)
            : new client.Histogram({ ...common, buckets: [...(def.buckets === 'default' ? DEFAULT_BUCKETS : (opts.latencyBuckets ?? LATENCY_BUCKETS))] });
      this.#families.set(id, { def, labelNames, metric, series: new Map() });
    }
    this.#dropped = new client.Counter({
      name: 'sluice_prometheus_series_dropped_total',
      help: 'Metric updates dropped because the metric already had prometheus_metrics_max_series_per_metric label series.',
      labelNames: ['metric'],
      registers: [this.registry],
    });
  }

  /** The label names a metric takes, custom labels included. */
  labelNames(id: MetricId): readonly string[] {
    return this.#families.get(id)!.labelNames;
  }

  /** `bag` holds every label a call has; each metric takes its own (a missing one is "None", as LiteLLM's str(None)). */
  inc(id: MetricId, bag: Labels, by = 1): void {
    this.#admit(id, bag)?.inc(by);
  }

  set(id: MetricId, bag: Labels, value: number): void {
    this.#admit(id, bag)?.set(value);
  }

  observe(id: MetricId, bag: Labels, value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.#admit(id, bag)?.observe(value);
  }

  /** Series currently kept for a metric (for tests and the README's sizing advice). */
  seriesCount(id: MetricId): number {
    return this.#families.get(id)!.series.size;
  }

  /** Drops series past their TTL; called before each scrape. */
  expire(): void {
    const ttl = this.#opts.ttlMs;
    if (ttl === undefined) return;
    const oldest = this.#opts.now() - ttl;
    for (const f of this.#families.values()) {
      for (const [key, s] of f.series) {
        if (s.lastSeen >= oldest) continue;
        f.metric.remove(s.labels);
        f.series.delete(key);
      }
    }
  }

  /** The series' child when this label set may be recorded (known, or room for a new one); undefined when dropped. */
  #admit(id: MetricId, bag: Labels): Child | undefined {
    const f = this.#families.get(id)!;
    const values = f.labelNames.map((n) => bag[n] ?? 'None');
    const key = values.join('\u0000');
    const known = f.series.get(key);
    if (known) {
      known.lastSeen = this.#opts.now();
      return known.child;
    }
    if (f.series.size >= this.#opts.maxSeries) {
      this.#dropped.inc({ metric: f.def.name });
      return undefined;
    }
    const labels = Object.fromEntries(f.labelNames.map((n, i) => [n, values[i]!]));
    const child = (f.metric as unknown as { labels(l: Labels): Child }).labels(labels);
    f.series.set(key, { labels, lastSeen: this.#opts.now(), child });
    return child;
  }
}
