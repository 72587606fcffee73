/**
 * LiteLLM's metrics with bounded label cardinality (LiteLLM's BoundedPrometheusSeriesTracker
 * `admit_series`): each metric keeps at most `maxSeries` label sets; a new one past that is
 * dropped and counted, an existing one is always updated, and with a TTL the series not updated
 * for that long are removed at the next scrape. The values live in `Series` objects of our own
 * (see series.ts for why); each metric is registered in a prom-client registry as a collector
 * that hands them to prom-client's text format at scrape time.
 */
import client from 'prom-client';
import { DEFAULT_BUCKETS, LATENCY_BUCKETS, LITELLM_METRICS, type MetricDef, type MetricId } from './litellm-metrics.js';
import { Series, type Labels } from './series.js';

export { Series, type Labels } from './series.js';

interface Family {
  def: MetricDef;
  labelNames: readonly string[];
  /** Histograms: upper bounds, ascending. */
  bounds: readonly number[] | undefined;
  series: Map<string, Series>;
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

/** A sample as prom-client's registry formats it (its `MetricValueWithName`; `le` is a number for a histogram bucket). */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * What prom-client's registry reads from a metric at scrape time (`name`, `help`, `type`, and
 * `get()` → its values, the shape prom-client's own metrics return), built from our series.
 */
interface Collector {
  name: string;
  help: string;
  type: MetricDef['kind'];
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: MetricDef['kind']; aggregator: 'sum'; values: Sample[] }>;
  reset(): void;
}

function collector(f: Family, onReset: () => void): Collector {
  const { name, help, kind } = f.def;
  const bucketName = `${name}_bucket`;
  const get: Collector['get'] = async () => {
    const values: Sample[] = [];
    for (const s of f.series.values()) {
      if (!s.buckets) {
        values.push({ labels: s.labels, value: s.value });
        continue;
      }
      // prom-client's own histogram output: cumulative buckets with `le` first, then +Inf, _sum, _count.
      let acc = 0;
      for (let i = 0; i < f.bounds!.length; i++) {
        acc += s.buckets[i]!;
        values.push({ labels: { le: f.bounds![i]!, ...s.labels }, value: acc, metricName: bucketName });
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucketName });
      values.push({ labels: s.labels, value: s.value, metricName: `${name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
    }
    return { name, help, type: kind, aggregator: 'sum', values };
  };
  const reset = () => {
    f.series.clear();
    onReset();
  };
  return { name, help, type: kind, aggregator: 'sum', get, reset };
}

export class BoundedMetrics {
  readonly registry = new client.Registry();
  readonly #families = new Map<MetricId, Family>();
  readonly #dropped: client.Counter<'metric'>;
  readonly #opts: BoundedMetricsOptions;
  #generation = 0;

  constructor(opts: BoundedMetricsOptions) {
    this.#opts = opts;
    for (const [id, def] of Object.entries(LITELLM_METRICS) as [MetricId, MetricDef][]) {
      const labelNames = [...def.labels, ...(def.custom ? opts.customLabels.filter((l) => !def.labels.includes(l)) : [])];
      // Ascending and without repeats, so each `le` appears once and the first bound ≥ a value is its bucket.
      const bounds = def.kind !== 'histogram' ? undefined : [...new Set(def.buckets === 'default' ? DEFAULT_BUCKETS : (opts.latencyBuckets ?? LATENCY_BUCKETS))].sort((a, b) => a - b);
      const family: Family = { def, labelNames, bounds, series: new Map() };
      this.#families.set(id, family);
      // The registry only calls get() (and reset()); its typings want a prom-client Metric class.
      this.registry.registerMetric(collector(family, () => this.#generation++) as unknown as client.Metric);
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

  /**
   * Goes up whenever series are removed (TTL, a registry reset): a caller holding `Series` objects must drop them
   * then, or it would update series no longer exported.
   */
  get generation(): number {
    return this.#generation;
  }

  /** `bag` holds every label a call has; each metric takes its own (a missing one is "None", as LiteLLM's str(None)). */
  inc(id: MetricId, bag: Labels, by = 1): void {
    this.admit(id, bag)?.inc(by, this.#opts.now());
  }

  set(id: MetricId, bag: Labels, value: number): void {
    this.admit(id, bag)?.set(value, this.#opts.now());
  }

  observe(id: MetricId, bag: Labels, value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.admit(id, bag)?.observe(value, this.#opts.now());
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
    let removed = false;
    for (const f of this.#families.values()) {
      for (const [key, s] of f.series) {
        if (s.lastSeen >= oldest) continue;
        f.series.delete(key);
        removed = true;
      }
    }
    if (removed) this.#generation++;
  }

  /**
   * The metric's series for this label set when it may be recorded (known, or room for a new
   * one); undefined when the cap drops it, and the drop is counted. The cap is only consulted
   * when a series would be created.
   */
  admit(id: MetricId, bag: Labels): Series | undefined {
    const f = this.#families.get(id)!;
    const values = f.labelNames.map((n) => bag[n] ?? 'None');
    const key = values.join('\u0000');
    const known = f.series.get(key);
    if (known) return known;
    if (f.series.size >= this.#opts.maxSeries) {
      this.countDropped(id);
      return undefined;
    }
    const labels: Labels = {};
    for (let i = 0; i < values.length; i++) labels[f.labelNames[i]!] = values[i]!;
    const series = new Series(labels, this.#opts.now(), f.bounds);
    f.series.set(key, series);
    return series;
  }

  /** An update the cap dropped. */
  countDropped(id: MetricId): void {
    this.#dropped.inc({ metric: this.#families.get(id)!.def.name });
  }
}
